//! Status reports: recorded for a component (at most once per `Idempotency-Key`), read
//! newest first a page at a time, or in id order ([`after`]).

mod by_id;

pub use by_id::after;

use chrono::{DateTime, Utc};
use statusboard_api::{Limits, NewStatusReport, ReportsWrite, Slug, StatusReport};
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};

use super::{BoardError, idempotency, status_from};
use crate::bearer_auth::Actor;
use crate::changes::Change;
use crate::database::{Database, OpenTransaction};

/// A report as the change log holds it (what the API shows), from the columns of
/// `status_reports` returned by an insert.
macro_rules! report_data {
    () => {
        "jsonb_build_object( \
            'id', id, 'component', component, 'status', status, 'message', message, \
            'reported_by', reported_by, \
            'reported_at', to_char(reported_at AT TIME ZONE 'UTC', \
                                   'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"
    };
}

/// The one statement that records a report: `$1` the slug, `$2` the status, `$3` the
/// message, `$4` the subject, `$5` its `Idempotency-Key` (already claimed) or `NULL`.
/// Public for the benchmark, which runs it in pgbench.
///
/// In order:
/// 1. `in_order` takes the change log's lock (shared, see [`crate::changes`]) before the
///    insert draws the report's id from the change log's sequence; the report's change
///    takes the same id, so report ids follow the log's order and API 3.0.0's subscribers,
///    which resume after a report id, read settled reports only like every reader does.
///    Run alone (no `Idempotency-Key`), the statement is its own transaction; with a key,
///    it is sent together with the `COMMIT`. Either way the lock is held for the statement
///    and the commit only, never across a round trip to the server.
/// 2. The insert, of no row for an unknown component: then no id is drawn, so a refused
///    report leaves no hole in the log for readers to wait at, and the statement answers no
///    row ([`BoardError::ComponentNotFound`]). The foreign key keeps the component from
///    being deleted meanwhile (a deletion committed between the check and the insert is
///    `23503`, the same error).
/// 3. The change: the report, as the API shows it, appended to the log with its id.
/// 4. The key, if any, now points at the report.
/// 5. `pg_notify` announces the change's id on [`crate::changes::CHANNEL`] when the transaction
///    commits.
pub const RECORD_SQL: &str = concat!(
    "WITH ",
    crate::in_order!(),
    ", recorded AS ( \
        INSERT INTO status_reports (component, status, message, reported_by) \
        SELECT $1, $2, $3, $4 FROM in_order \
        WHERE EXISTS (SELECT 1 FROM components WHERE slug = $1) \
        RETURNING id, component, status, message, reported_by, reported_at), \
    change AS ( \
        INSERT INTO changes (id, kind, subject, at, data) \
        SELECT id, 'report', reported_by, reported_at, ",
    report_data!(),
    " FROM recorded RETURNING id), \
    keyed AS ( \
        UPDATE idempotency_keys k SET report_id = recorded.id FROM recorded \
        WHERE k.subject = $4 AND k.key = $5) \
    SELECT r.id, r.component, r.status, r.message, r.reported_by, r.reported_at, \
           pg_notify('changes', change.id::text)::text, change.id \
    FROM recorded r, change"
);

/// Records `report` for the component `slug`, reported by `actor`. With an
/// `idempotency_key`, the same key from the same subject within 24 hours answers the report
/// it first recorded and records nothing (the same key with another report is
/// [`BoardError::IdempotencyKeyReused`]); requests racing with one key record one report.
pub async fn record(
    database: &Database,
    slug: &Slug,
    report: &NewStatusReport,
    actor: &Actor<ReportsWrite>,
    idempotency_key: Option<&str>,
) -> Result<StatusReport, BoardError> {
    let slug = slug.as_str();
    Limits::report(report).map_err(BoardError::Invalid)?;
    if let Some(key) = idempotency_key {
        Limits::idempotency_key(key).map_err(BoardError::Invalid)?;
    }
    let parameters = RecordParameters {
        slug,
        status: report.status.as_str(),
        message: &report.message,
        subject: actor.subject(),
        idempotency_key,
    };
    let connection = database.connection().await?;
    let Some(key) = idempotency_key else {
        // One statement, its own transaction.
        let rows = connection
            .client()
            .query_typed(RECORD_SQL, &parameters.typed())
            .await;
        return recorded(rows, slug);
    };
    // What the key stands for: the same key must come with the same report.
    let request = format!("{slug}\n{}\n{}", report.status.as_str(), report.message);
    let transaction = connection.begin().await?;
    let exists = transaction
        .client()
        .query_typed(COMPONENT_EXISTS_SQL, &[(&slug, Type::TEXT)])
        .await?;
    if exists.is_empty() {
        transaction.rollback().await?;
        return Err(BoardError::ComponentNotFound(slug.to_owned()));
    }
    match claim_key(transaction.client(), parameters.subject, key, &request).await? {
        Some(first) => {
            transaction.commit().await?;
            Ok(first)
        }
        None => recorded(
            transaction
                .commit_after(RECORD_SQL, &parameters.typed())
                .await,
            slug,
        ),
    }
}

/// A status report that an incident or a maintenance records for a component.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Linked {
    /// The component's slug.
    pub component: String,
    /// Its status from now on.
    pub status: &'static str,
    /// Why, for people.
    pub message: String,
    /// The incident that records it.
    pub incident_id: Option<i64>,
    /// The maintenance that records it.
    pub maintenance_id: Option<i64>,
}

/// The statement that ends an incident's or a maintenance's write: records the reports
/// `$1` (a JSON array of [`Linked`]) by the subject `$2`, appends their changes and then
/// the change of kind `$3` with the data `$4` (JSON text), in that order (each report's
/// change with the report's id, the last change with the next id: see [`RECORD_SQL`]),
/// and announces the last. Answers the last change's id.
pub const RECORD_LINKED_SQL: &str = concat!(
    "WITH ",
    crate::in_order!(),
    ", wanted AS ( \
        SELECT * FROM ROWS FROM (jsonb_to_recordset($1::text::jsonb) \
            AS (component text, status text, message text, incident_id bigint, \
                maintenance_id bigint)) WITH ORDINALITY \
            AS w(component, status, message, incident_id, maintenance_id, ord)), \
    recorded AS ( \
        INSERT INTO status_reports \
            (component, status, message, reported_by, incident_id, maintenance_id) \
        SELECT w.component, w.status, w.message, $2, w.incident_id, w.maintenance_id \
        FROM in_order, wanted w ORDER BY w.ord \
        RETURNING id, component, status, message, reported_by, reported_at), \
    closing AS MATERIALIZED ( \
        SELECT nextval('changes_id_seq') AS id FROM (SELECT count(*) FROM recorded) n), \
    logged AS ( \
        INSERT INTO changes (id, kind, subject, at, data) \
        SELECT id, kind, $2, at, data FROM ( \
            SELECT id, 'report' AS kind, reported_at AS at, ",
    report_data!(),
    " AS data FROM recorded \
            UNION ALL \
            SELECT id, $3, clock_timestamp(), $4::text::jsonb FROM closing) x \
        ORDER BY id RETURNING id) \
    SELECT last, pg_notify('changes', last::text)::text \
    FROM (SELECT max(id) AS last FROM logged) l"
);

/// Records `reports` and appends them and then `change` to the log, as the last statement
/// of `transaction`, and commits. Answers the last change's id.
pub async fn record_linked(
    transaction: OpenTransaction,
    reports: &[Linked],
    change: &Change<'_>,
) -> Result<i64, BoardError> {
    let reports = serde_json::to_string(reports)
        .map_err(|e| BoardError::Unexpected(format!("reports to record: {e}")))?;
    let data = change.data.to_string();
    let parameters: [(&(dyn ToSql + Sync), Type); 4] = [
        (&reports, Type::TEXT),
        (&change.subject, Type::TEXT),
        (&change.kind.as_str(), Type::TEXT),
        (&data, Type::TEXT),
    ];
    let rows = transaction
        .commit_after(RECORD_LINKED_SQL, &parameters)
        .await?;
    let id = rows.first().map_or(Ok(0), |row| row.try_get(0))?;
    crate::changes::written(id);
    Ok(id)
}

/// Whether the component `$1` exists (checked before a key is claimed for it).
const COMPONENT_EXISTS_SQL: &str = "SELECT 1 FROM components WHERE slug = $1";

/// The parameters of [`RECORD_SQL`].
struct RecordParameters<'a> {
    slug: &'a str,
    status: &'static str,
    message: &'a str,
    subject: &'a str,
    idempotency_key: Option<&'a str>,
}

impl RecordParameters<'_> {
    /// `$1` to `$5`.
    fn typed(&self) -> [(&(dyn ToSql + Sync), Type); 5] {
        [
            (&self.slug, Type::TEXT),
            (&self.status, Type::TEXT),
            (&self.message, Type::TEXT),
            (&self.subject, Type::TEXT),
            (&self.idempotency_key, Type::TEXT),
        ]
    }
}

/// The report [`RECORD_SQL`] answered, or why it failed.
fn recorded(
    rows: Result<Vec<Row>, tokio_postgres::Error>,
    slug: &str,
) -> Result<StatusReport, BoardError> {
    match rows {
        Ok(rows) => match rows.first() {
            Some(row) => {
                crate::changes::written(row.try_get(7)?);
                report_from(row, 0)
            }
            None => Err(BoardError::ComponentNotFound(slug.to_owned())),
        },
        Err(e) if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) => {
            Err(BoardError::ComponentNotFound(slug.to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Claims `key` for `request`: `None` when it is new (or older than a day), and the report
/// then to be recorded is its first; the first report when the key already recorded this
/// request. A concurrent claim of the same key waits here until the first commits.
async fn claim_key(
    tx: &tokio_postgres::Client,
    subject: &str,
    key: &str,
    request: &str,
) -> Result<Option<StatusReport>, BoardError> {
    let claimed = tx
        .query_opt(
            idempotency::CLAIM_SQL,
            &[&subject, &key, &request, &idempotency::HOURS],
        )
        .await?;
    if claimed.is_some() {
        return Ok(None);
    }
    let row = tx
        .query_one(
            "SELECT k.request, r.id, r.component, r.status, r.message, r.reported_by, \
                    r.reported_at \
             FROM idempotency_keys k LEFT JOIN status_reports r ON r.id = k.report_id \
             WHERE k.subject = $1 AND k.key = $2",
            &[&subject, &key],
        )
        .await?;
    let first_request: String = row.try_get(0)?;
    let first_id: Option<i64> = row.try_get(1)?;
    match first_id {
        Some(_) if first_request == request => Ok(Some(report_from(&row, 1)?)),
        _ => Err(BoardError::IdempotencyKeyReused(key.to_owned())),
    }
}

/// Up to `limit` reports of the component `slug`, newest first: those at or after `since`
/// when given, and after `after` (the `reported_at` and `id` of the previous page's last)
/// when given.
pub async fn list(
    database: &Database,
    slug: &Slug,
    since: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, i64)>,
    limit: u32,
) -> Result<Vec<StatusReport>, BoardError> {
    let slug = slug.as_str();
    let connection = database.connection().await?;
    let client = connection.client();
    let (after_at, after_id) = after.unzip();
    let limit = i64::from(limit);
    let rows = client
        .query_typed(
            "SELECT id, component, status, message, reported_by, reported_at \
             FROM status_reports \
             WHERE component = $1 \
               AND ($2 IS NULL OR reported_at >= $2) \
               AND ($3 IS NULL OR (reported_at, id) < ($3, $4)) \
             ORDER BY reported_at DESC, id DESC LIMIT $5",
            &[
                (&slug, Type::TEXT),
                (&since, Type::TIMESTAMPTZ),
                (&after_at, Type::TIMESTAMPTZ),
                (&after_id, Type::INT8),
                (&limit, Type::INT8),
            ],
        )
        .await?;
    if rows.is_empty() {
        let exists = client
            .query_typed(
                "SELECT 1 FROM components WHERE slug = $1",
                &[(&slug, Type::TEXT)],
            )
            .await?;
        if exists.is_empty() {
            return Err(BoardError::ComponentNotFound(slug.to_owned()));
        }
    }
    rows.iter().map(|row| report_from(row, 0)).collect()
}

/// A report from a row holding `id, component, status, message, reported_by,
/// reported_at` from its column `first` on.
fn report_from(row: &Row, first: usize) -> Result<StatusReport, BoardError> {
    Ok(StatusReport {
        id: row.try_get(first)?,
        component: row.try_get(first + 1)?,
        status: status_from(row.try_get(first + 2)?)?,
        message: row.try_get(first + 3)?,
        reported_by: row.try_get(first + 4)?,
        reported_at: row.try_get(first + 5)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recording_statement_appends_in_order_and_announces_on_the_log_channel() {
        assert!(RECORD_SQL.contains("FROM in_order"), "{RECORD_SQL}");
        assert!(
            RECORD_SQL.contains(&format!(
                "pg_notify('{}', change.id::text)",
                crate::changes::CHANNEL
            )),
            "{RECORD_SQL}"
        );
    }
}
