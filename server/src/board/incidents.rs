//! Incidents: opened with the statuses they give components, updated, resolved. Each write
//! is one transaction that ends by recording the components' reports (linked to the
//! incident) and appending them and the incident to the change log
//! ([`reports::record_linked`]).

use std::collections::BTreeMap;

use statusboard_api::{
    ComponentStatus, Incident, IncidentState, IncidentStatus, IncidentsWrite, NewIncident,
    NewIncidentUpdate,
};
use tokio_postgres::types::Type;

use super::idempotency::{self, Claimed, Prepared};
use super::reports::{self, Linked};
use super::{BoardError, cut, require_components};
use crate::bearer_auth::Actor;
use crate::changes::{Change, Kind};
use crate::database::{Database, OpenTransaction};

/// An incident as the API shows it, as JSON text, from `incidents i`, with at most
/// `{updates}` of its updates (`ALL`, or `1` for the summary).
macro_rules! incident_json {
    ($updates:literal) => {
        concat!(
            "jsonb_build_object(\
                'id', i.id, 'name', i.name, 'status', i.status, 'impact', i.impact, \
                'created_at', i.created_at, 'updated_at', i.updated_at, \
                'resolved_at', i.resolved_at, \
                'components', COALESCE((\
                    SELECT jsonb_agg(jsonb_build_object('slug', ic.component, \
                                                        'status', ic.status) \
                                     ORDER BY ic.component) \
                    FROM incident_components ic WHERE ic.incident_id = i.id), '[]'), \
                'updates', COALESCE((\
                    SELECT jsonb_agg(jsonb_build_object(\
                        'id', u.id, 'status', u.status, 'message', u.message, \
                        'components', u.components, 'created_at', u.created_at, \
                        'created_by', u.created_by) ORDER BY u.id DESC) \
                    FROM (SELECT * FROM incident_updates \
                          WHERE incident_id = i.id ORDER BY id DESC LIMIT ",
            $updates,
            ") u), '[]'))::text"
        )
    };
}
pub(crate) use incident_json;

/// The operations' names, in what an `Idempotency-Key` stands for.
const OPEN: &str = "POST /api/v1/incidents";
const UPDATE: &str = "POST /api/v1/incidents/{id}/updates";

/// Opens `incident` for `actor`: its components get their statuses (as reports), in the
/// change that opens it. With an `idempotency_key`, see [`idempotency`].
pub async fn open(
    database: &Database,
    incident: &NewIncident,
    actor: &Actor<IncidentsWrite>,
    idempotency_key: Option<&str>,
) -> Result<Incident, BoardError> {
    incident.check().map_err(BoardError::Invalid)?;
    let transaction = database.connection().await?.begin().await?;
    let prepared = prepare_open(transaction.client(), incident, actor, idempotency_key).await;
    idempotency::end(transaction, prepared, |transaction, (id, set)| async move {
        finish(transaction, id, &set, actor, idempotency_key).await
    })
    .await
}

async fn prepare_open(
    tx: &tokio_postgres::Client,
    incident: &NewIncident,
    actor: &Actor<IncidentsWrite>,
    idempotency_key: Option<&str>,
) -> Result<Prepared<Incident, (i64, Vec<(String, ComponentStatus)>)>, BoardError> {
    let request = idempotency::request(OPEN, incident);
    if let Some(key) = idempotency_key
        && let Claimed::Answered(first) =
            idempotency::claim(tx, actor.subject(), key, &request).await?
    {
        return Ok(Prepared::Answered(first));
    }
    let slugs: Vec<&str> = incident.components.keys().map(String::as_str).collect();
    require_components(tx, &slugs).await?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO incidents (name, status, impact, resolved_at) \
             VALUES ($1, $2, $3, CASE WHEN $2 = 'resolved' THEN clock_timestamp() END) \
             RETURNING id",
            &[
                &incident.name,
                &incident.status.as_str(),
                &incident.impact.as_str(),
            ],
        )
        .await?
        .try_get(0)?;
    let set: Vec<(String, ComponentStatus)> = incident
        .components
        .iter()
        .map(|(slug, status)| (slug.clone(), *status))
        .collect();
    post(tx, id, incident.status, &incident.message, &set, actor).await?;
    Ok(Prepared::Ready((id, set)))
}

/// Posts `update` to the incident `id` for `actor`. With an `idempotency_key`, see
/// [`idempotency`].
pub async fn update(
    database: &Database,
    id: i64,
    update: &NewIncidentUpdate,
    actor: &Actor<IncidentsWrite>,
    idempotency_key: Option<&str>,
) -> Result<Incident, BoardError> {
    update.check().map_err(BoardError::Invalid)?;
    let transaction = database.connection().await?.begin().await?;
    let prepared = prepare_update(transaction.client(), id, update, actor, idempotency_key).await;
    idempotency::end(transaction, prepared, |transaction, (id, set)| async move {
        finish(transaction, id, &set, actor, idempotency_key).await
    })
    .await
}

async fn prepare_update(
    tx: &tokio_postgres::Client,
    id: i64,
    update: &NewIncidentUpdate,
    actor: &Actor<IncidentsWrite>,
    idempotency_key: Option<&str>,
) -> Result<Prepared<Incident, (i64, Vec<(String, ComponentStatus)>)>, BoardError> {
    let request = idempotency::request(&format!("{UPDATE} {id}"), update);
    if let Some(key) = idempotency_key
        && let Claimed::Answered(first) =
            idempotency::claim(tx, actor.subject(), key, &request).await?
    {
        return Ok(Prepared::Answered(first));
    }
    let found = tx
        .query_opt("SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE", &[&id])
        .await?;
    if found.is_none() {
        return Err(BoardError::IncidentNotFound(id));
    }
    let named = update.components.clone().unwrap_or_default();
    let slugs: Vec<&str> = named.keys().map(String::as_str).collect();
    require_components(tx, &slugs).await?;
    let mut set: BTreeMap<String, ComponentStatus> = BTreeMap::new();
    if update.status == IncidentStatus::Resolved {
        set.extend(returns(tx, id).await?);
    }
    set.extend(named);
    let set: Vec<(String, ComponentStatus)> = set.into_iter().collect();
    tx.execute(
        "UPDATE incidents SET status = $2, updated_at = clock_timestamp(), \
             resolved_at = CASE WHEN $2 = 'resolved' \
                                THEN COALESCE(resolved_at, clock_timestamp()) END \
         WHERE id = $1",
        &[&id, &update.status.as_str()],
    )
    .await?;
    post(tx, id, update.status, &update.message, &set, actor).await?;
    Ok(Prepared::Ready((id, set)))
}

/// The status each component of the incident `id` returns to when it is resolved: the
/// worst that another unresolved incident gives it, or `operational`.
async fn returns(
    tx: &tokio_postgres::Client,
    id: i64,
) -> Result<Vec<(String, ComponentStatus)>, BoardError> {
    let rows = tx
        .query(
            "SELECT ic.component, COALESCE(( \
                 SELECT o.status FROM incident_components o \
                 JOIN incidents oi ON oi.id = o.incident_id \
                 WHERE o.component = ic.component AND oi.id <> $1 \
                   AND oi.resolved_at IS NULL \
                 ORDER BY array_position(ARRAY['operational', 'under_maintenance', \
                     'degraded_performance', 'partial_outage', 'major_outage'], o.status) \
                     DESC LIMIT 1), 'operational') \
             FROM incident_components ic WHERE ic.incident_id = $1",
            &[&id],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let status = super::status_from(row.try_get(1)?)?;
            Ok((row.try_get(0)?, status))
        })
        .collect()
}

/// Records the update (status, message, the statuses `set`) of the incident `id`, and the
/// status the incident gives each component of `set`.
async fn post(
    tx: &tokio_postgres::Client,
    id: i64,
    status: IncidentStatus,
    message: &str,
    set: &[(String, ComponentStatus)],
    actor: &Actor<IncidentsWrite>,
) -> Result<(), BoardError> {
    let components: Vec<_> = set
        .iter()
        .map(|(slug, status)| serde_json::json!({"slug": slug, "status": status.as_str()}))
        .collect();
    let components = serde_json::Value::Array(components).to_string();
    tx.execute(
        "INSERT INTO incident_components (incident_id, component, status) \
         SELECT $1, e.slug, e.status \
         FROM jsonb_to_recordset($2::text::jsonb) AS e(slug text, status text) \
         ON CONFLICT (incident_id, component) DO UPDATE SET status = EXCLUDED.status",
        &[&id, &components],
    )
    .await?;
    tx.execute(
        "INSERT INTO incident_updates (incident_id, status, message, components, created_by) \
         VALUES ($1, $2, $3, $4::text::jsonb, $5)",
        &[
            &id,
            &status.as_str(),
            &message,
            &components,
            &actor.subject(),
        ],
    )
    .await?;
    Ok(())
}

/// Reads the incident `id` back, remembers it as the key's answer, and ends the
/// transaction with the reports of `set` and the incident's change.
async fn finish(
    transaction: OpenTransaction,
    id: i64,
    set: &[(String, ComponentStatus)],
    actor: &Actor<IncidentsWrite>,
    idempotency_key: Option<&str>,
) -> Result<Incident, BoardError> {
    let tx = transaction.client();
    let incident = read_one(tx, id).await?;
    if let Some(key) = idempotency_key {
        idempotency::remember(tx, actor.subject(), key, &incident).await?;
    }
    let latest = incident.updates.first().map_or("", |u| u.message.as_str());
    let message = cut(
        &format!(
            "Incident \"{}\" ({}): {latest}",
            incident.name,
            incident.status.as_str()
        ),
        statusboard_api::Limits::TEXT_MAX,
    );
    let reports: Vec<Linked> = set
        .iter()
        .map(|(slug, status)| Linked {
            component: slug.clone(),
            status: status.as_str(),
            message: message.clone(),
            incident_id: Some(id),
            maintenance_id: None,
        })
        .collect();
    let change = Change::new(Kind::Incident, actor.subject(), &incident);
    reports::record_linked(transaction, &reports, &change).await?;
    Ok(incident)
}

/// The incident `id`, with every update, as `tx` sees it.
async fn read_one(tx: &tokio_postgres::Client, id: i64) -> Result<Incident, BoardError> {
    let sql = concat!(
        "SELECT ",
        incident_json!("ALL"),
        " FROM incidents i WHERE i.id = $1"
    );
    let rows = tx.query_typed(sql, &[(&id, Type::INT8)]).await?;
    match rows.first() {
        Some(row) => from_json(row.try_get(0)?),
        None => Err(BoardError::IncidentNotFound(id)),
    }
}

/// The incident `id`, with every update.
pub async fn get(database: &Database, id: i64) -> Result<Incident, BoardError> {
    let connection = database.connection().await?;
    read_one(connection.client(), id).await
}

/// Up to `limit` incidents in `state`, newest first, those before the id `before` when
/// given, each with every update.
pub async fn list(
    database: &Database,
    state: IncidentState,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Incident>, BoardError> {
    let connection = database.connection().await?;
    let unresolved = state == IncidentState::Unresolved;
    let limit = i64::from(limit);
    let sql = concat!(
        "SELECT ",
        incident_json!("ALL"),
        " FROM incidents i \
         WHERE ($1::int8 IS NULL OR i.id < $1) AND (NOT $2 OR i.resolved_at IS NULL) \
         ORDER BY i.id DESC LIMIT $3"
    );
    let rows = connection
        .client()
        .query_typed(
            sql,
            &[
                (&before, Type::INT8),
                (&unresolved, Type::BOOL),
                (&limit, Type::INT8),
            ],
        )
        .await?;
    rows.iter().map(|row| from_json(row.try_get(0)?)).collect()
}

/// A resource read as JSON text from the database (built by the SQL that reads it).
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, BoardError> {
    serde_json::from_str(text).map_err(|e| BoardError::Unexpected(format!("{e}: {text}")))
}
