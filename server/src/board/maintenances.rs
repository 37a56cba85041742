//! Scheduled maintenance: announced, updated, cancelled or completed early by people;
//! started and completed at its times by the [`scheduler`](super::scheduler). A start
//! records `under_maintenance` for its components; an end returns each component that is
//! still under it to the status it would have without it. Each write is one transaction
//! that ends with [`reports::record_linked`].

use statusboard_api::{
    IncidentsWrite, Limits, Maintenance, MaintenanceState, MaintenanceStatus, NewMaintenance,
    NewMaintenanceUpdate,
};
use tokio_postgres::types::Type;

use super::idempotency::{self, Claimed, Prepared};
use super::incidents::from_json;
use super::reports::{self, Linked};
use super::{BoardError, cut, require_components};
use crate::bearer_auth::Actor;
use crate::changes::{Change, Kind};
use crate::database::{Database, OpenTransaction};

/// A maintenance as the API shows it, as JSON text, from `maintenances m`, with at most
/// `{updates}` of its updates (`ALL`, or `1` for the summary).
macro_rules! maintenance_json {
    ($updates:literal) => {
        concat!(
            "jsonb_build_object(\
                'id', m.id, 'name', m.name, 'message', m.message, 'status', m.status, \
                'scheduled_for', m.scheduled_for, 'scheduled_until', m.scheduled_until, \
                'created_at', m.created_at, 'updated_at', m.updated_at, \
                'components', COALESCE((\
                    SELECT jsonb_agg(mc.component ORDER BY mc.component) \
                    FROM maintenance_components mc WHERE mc.maintenance_id = m.id), '[]'), \
                'updates', COALESCE((\
                    SELECT jsonb_agg(jsonb_build_object(\
                        'id', u.id, 'status', u.status, 'message', u.message, \
                        'created_at', u.created_at, 'created_by', u.created_by) \
                        ORDER BY u.id DESC) \
                    FROM (SELECT * FROM maintenance_updates \
                          WHERE maintenance_id = m.id ORDER BY id DESC LIMIT ",
            $updates,
            ") u), '[]'))::text"
        )
    };
}
pub(crate) use maintenance_json;

/// The operations' names, in what an `Idempotency-Key` stands for.
const ANNOUNCE: &str = "POST /api/v1/maintenances";
const UPDATE: &str = "POST /api/v1/maintenances/{id}/updates";

/// Announces `maintenance` for `actor`. With an `idempotency_key`, see [`idempotency`].
pub async fn announce(
    database: &Database,
    maintenance: &NewMaintenance,
    actor: &Actor<IncidentsWrite>,
    idempotency_key: Option<&str>,
) -> Result<Maintenance, BoardError> {
    maintenance.check().map_err(BoardError::Invalid)?;
    if maintenance.scheduled_until <= chrono::Utc::now() {
        return Err(BoardError::Invalid(format!(
            "scheduled_until ({}) is in the past",
            maintenance.scheduled_until.to_rfc3339()
        )));
    }
    let transaction = database.connection().await?.begin().await?;
    let prepared =
        prepare_announce(transaction.client(), maintenance, actor, idempotency_key).await;
    idempotency::end(
        transaction,
        prepared,
        |transaction, (id, reports)| async move {
            finish(transaction, id, &reports, actor.subject(), idempotency_key).await
        },
    )
    .await
}

async fn prepare_announce(
    tx: &tokio_postgres::Client,
    maintenance: &NewMaintenance,
    actor: &Actor<IncidentsWrite>,
    idempotency_key: Option<&str>,
) -> Result<Prepared<Maintenance, (i64, Vec<Linked>)>, BoardError> {
    let request = idempotency::request(ANNOUNCE, maintenance);
    if let Some(key) = idempotency_key
        && let Claimed::Answered(first) =
            idempotency::claim(tx, actor.subject(), key, &request).await?
    {
        return Ok(Prepared::Answered(first));
    }
    let slugs: Vec<&str> = maintenance.components.iter().map(String::as_str).collect();
    require_components(tx, &slugs).await?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO maintenances (name, message, scheduled_for, scheduled_until) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[
                &maintenance.name,
                &maintenance.message,
                &maintenance.scheduled_for,
                &maintenance.scheduled_until,
            ],
        )
        .await?
        .try_get(0)?;
    tx.execute(
        "INSERT INTO maintenance_components (maintenance_id, component) \
         SELECT DISTINCT $1::int8, unnest($2::text[])",
        &[&id, &slugs],
    )
    .await?;
    post(
        tx,
        id,
        MaintenanceStatus::Scheduled,
        &maintenance.message,
        actor.subject(),
    )
    .await?;
    Ok(Prepared::Ready((id, Vec::new())))
}

/// Posts `update` to the maintenance `id` for `actor`: a message, its cancellation (while
/// scheduled) or its early completion (while in progress). With an `idempotency_key`, see
/// [`idempotency`].
pub async fn update(
    database: &Database,
    id: i64,
    update: &NewMaintenanceUpdate,
    actor: &Actor<IncidentsWrite>,
    idempotency_key: Option<&str>,
) -> Result<Maintenance, BoardError> {
    update.check().map_err(BoardError::Invalid)?;
    let transaction = database.connection().await?.begin().await?;
    let prepared = prepare_update(transaction.client(), id, update, actor, idempotency_key).await;
    idempotency::end(
        transaction,
        prepared,
        |transaction, (id, reports)| async move {
            finish(transaction, id, &reports, actor.subject(), idempotency_key).await
        },
    )
    .await
}

async fn prepare_update(
    tx: &tokio_postgres::Client,
    id: i64,
    update: &NewMaintenanceUpdate,
    actor: &Actor<IncidentsWrite>,
    idempotency_key: Option<&str>,
) -> Result<Prepared<Maintenance, (i64, Vec<Linked>)>, BoardError> {
    let request = idempotency::request(&format!("{UPDATE} {id}"), update);
    if let Some(key) = idempotency_key
        && let Claimed::Answered(first) =
            idempotency::claim(tx, actor.subject(), key, &request).await?
    {
        return Ok(Prepared::Answered(first));
    }
    let current = locked_status(tx, id)
        .await?
        .ok_or(BoardError::MaintenanceNotFound(id))?;
    let next = update.status.unwrap_or(current);
    let allowed = match (current, next) {
        (now, next) if now == next => true,
        (MaintenanceStatus::Scheduled, MaintenanceStatus::Cancelled)
        | (MaintenanceStatus::InProgress, MaintenanceStatus::Completed) => true,
        _ => false,
    };
    if !allowed {
        return Err(BoardError::TransitionNotAllowed(format!(
            "the maintenance {id} is {}: it cannot become {} (cancelled only while \
             scheduled, completed only while in progress)",
            current.as_str(),
            next.as_str()
        )));
    }
    let reports = if next == MaintenanceStatus::Completed && current != next {
        ends(tx, id).await?
    } else {
        Vec::new()
    };
    transition(tx, id, current, next, &update.message, actor.subject()).await?;
    Ok(Prepared::Ready((id, reports)))
}

/// The status of the maintenance `id`, locked for this transaction; `None` when there is
/// no such maintenance.
pub(super) async fn locked_status(
    tx: &tokio_postgres::Client,
    id: i64,
) -> Result<Option<MaintenanceStatus>, BoardError> {
    let row = tx
        .query_opt(
            "SELECT status FROM maintenances WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await?;
    row.map(|row| super::stored(row.try_get(0)?, MaintenanceStatus::parse))
        .transpose()
}

/// Moves the maintenance `id` from `current` to `next` (the same for a message only), with
/// an update saying `message`, posted by `subject`.
pub(super) async fn transition(
    tx: &tokio_postgres::Client,
    id: i64,
    current: MaintenanceStatus,
    next: MaintenanceStatus,
    message: &str,
    subject: &str,
) -> Result<(), BoardError> {
    if current != next {
        tx.execute(
            "UPDATE maintenances SET status = $2, updated_at = clock_timestamp() WHERE id = $1",
            &[&id, &next.as_str()],
        )
        .await?;
    } else {
        tx.execute(
            "UPDATE maintenances SET updated_at = clock_timestamp() WHERE id = $1",
            &[&id],
        )
        .await?;
    }
    post(tx, id, next, message, subject).await
}

/// The reports that start the maintenance `id`: `under_maintenance` for each component.
pub(super) async fn starts(
    tx: &tokio_postgres::Client,
    id: i64,
) -> Result<Vec<Linked>, BoardError> {
    let rows = tx
        .query(
            "SELECT mc.component, m.name FROM maintenance_components mc \
             JOIN maintenances m ON m.id = mc.maintenance_id \
             WHERE mc.maintenance_id = $1 ORDER BY mc.component",
            &[&id],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let name: &str = row.try_get(1)?;
            Ok(linked(
                id,
                row.try_get(0)?,
                "under_maintenance",
                name,
                "in progress",
            ))
        })
        .collect()
}

/// The reports that end the maintenance `id`: each component whose latest report is the
/// maintenance's returns to its latest report not made by it (`operational` without one).
pub(super) async fn ends(tx: &tokio_postgres::Client, id: i64) -> Result<Vec<Linked>, BoardError> {
    let rows = tx
        .query(
            "SELECT mc.component, m.name, COALESCE(( \
                 SELECT r.status FROM status_reports r \
                 WHERE r.component = mc.component \
                   AND r.maintenance_id IS DISTINCT FROM $1 \
                 ORDER BY r.reported_at DESC, r.id DESC LIMIT 1), 'operational') \
             FROM maintenance_components mc JOIN maintenances m ON m.id = mc.maintenance_id \
             WHERE mc.maintenance_id = $1 AND ( \
                 SELECT r.maintenance_id FROM status_reports r \
                 WHERE r.component = mc.component \
                 ORDER BY r.reported_at DESC, r.id DESC LIMIT 1) = $1 \
             ORDER BY mc.component",
            &[&id],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let status = super::status_from(row.try_get(2)?)?.as_str();
            let name: &str = row.try_get(1)?;
            Ok(linked(id, row.try_get(0)?, status, name, "completed"))
        })
        .collect()
}

/// The report the maintenance `id` (called `name`) records for `component` as it goes
/// `what`.
fn linked(id: i64, component: String, status: &'static str, name: &str, what: &str) -> Linked {
    Linked {
        component,
        status,
        message: cut(&format!("Maintenance \"{name}\" {what}"), Limits::TEXT_MAX),
        incident_id: None,
        maintenance_id: Some(id),
    }
}

/// Records an update of the maintenance `id`.
async fn post(
    tx: &tokio_postgres::Client,
    id: i64,
    status: MaintenanceStatus,
    message: &str,
    subject: &str,
) -> Result<(), BoardError> {
    tx.execute(
        "INSERT INTO maintenance_updates (maintenance_id, status, message, created_by) \
         VALUES ($1, $2, $3, $4)",
        &[&id, &status.as_str(), &message, &subject],
    )
    .await?;
    Ok(())
}

/// Reads the maintenance `id` back, remembers it as the key's answer, and ends the
/// transaction with `reports` and the maintenance's change, by `subject`.
pub(super) async fn finish(
    transaction: OpenTransaction,
    id: i64,
    reports: &[Linked],
    subject: &str,
    idempotency_key: Option<&str>,
) -> Result<Maintenance, BoardError> {
    let tx = transaction.client();
    let maintenance = read_one(tx, id).await?;
    if let Some(key) = idempotency_key {
        idempotency::remember(tx, subject, key, &maintenance).await?;
    }
    let change = Change::new(Kind::Maintenance, subject, &maintenance);
    reports::record_linked(transaction, reports, &change).await?;
    Ok(maintenance)
}

/// The maintenance `id`, with every update, as `tx` sees it.
async fn read_one(tx: &tokio_postgres::Client, id: i64) -> Result<Maintenance, BoardError> {
    let sql = concat!(
        "SELECT ",
        maintenance_json!("ALL"),
        " FROM maintenances m WHERE m.id = $1"
    );
    let rows = tx.query_typed(sql, &[(&id, Type::INT8)]).await?;
    match rows.first() {
        Some(row) => from_json(row.try_get(0)?),
        None => Err(BoardError::MaintenanceNotFound(id)),
    }
}

/// The maintenance `id`, with every update.
pub async fn get(database: &Database, id: i64) -> Result<Maintenance, BoardError> {
    let connection = database.connection().await?;
    read_one(connection.client(), id).await
}

/// Up to `limit` maintenances in `state`, in its order (soonest first for `upcoming` and
/// `active`, latest first else), after `after` (the previous page's last `scheduled_for`
/// and id) when given.
pub async fn list(
    database: &Database,
    state: MaintenanceState,
    after: Option<(chrono::DateTime<chrono::Utc>, i64)>,
    limit: u32,
) -> Result<Vec<Maintenance>, BoardError> {
    let connection = database.connection().await?;
    let statuses: &[&str] = match state {
        MaintenanceState::Upcoming => &["scheduled"],
        MaintenanceState::Active => &["in_progress"],
        MaintenanceState::Completed => &["completed", "cancelled"],
        MaintenanceState::All => &["scheduled", "in_progress", "completed", "cancelled"],
    };
    let (after_at, after_id) = after.unzip();
    let limit = i64::from(limit);
    let sql = if state.soonest_first() {
        concat!(
            "SELECT ",
            maintenance_json!("ALL"),
            " FROM maintenances m WHERE m.status = ANY($1) \
              AND ($2::timestamptz IS NULL OR (m.scheduled_for, m.id) > ($2, $3)) \
             ORDER BY m.scheduled_for, m.id LIMIT $4"
        )
    } else {
        concat!(
            "SELECT ",
            maintenance_json!("ALL"),
            " FROM maintenances m WHERE m.status = ANY($1) \
              AND ($2::timestamptz IS NULL OR (m.scheduled_for, m.id) < ($2, $3)) \
             ORDER BY m.scheduled_for DESC, m.id DESC LIMIT $4"
        )
    };
    let rows = connection
        .client()
        .query_typed(
            sql,
            &[
                (&statuses, Type::TEXT_ARRAY),
                (&after_at, Type::TIMESTAMPTZ),
                (&after_id, Type::INT8),
                (&limit, Type::INT8),
            ],
        )
        .await?;
    rows.iter().map(|row| from_json(row.try_get(0)?)).collect()
}
