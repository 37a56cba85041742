//! Status reports: recorded for a component (at most once per `Idempotency-Key`), read
//! newest first a page at a time.

use chrono::{DateTime, Utc};
use statusboard_api::{Limits, NewStatusReport, StatusReport};
use tokio_postgres::Row;
use tokio_postgres::types::Type;

use super::{BoardError, status_from};
use crate::database::{Database, Transaction};

/// The channel on which each recorded report's id is announced (`NOTIFY`, delivered when
/// its transaction commits) for the live board.
pub const CHANNEL: &str = "status_reports";

/// The transaction-level advisory lock that makes reports commit in the order of their
/// ids, so that a subscriber resuming after an id can never miss an earlier one that
/// committed late. Taken just before the insert and held until the commit.
const ORDER_LOCK: i64 = 0x7265_706f_7274_7331;

/// How long an `Idempotency-Key` keeps answering its first report.
const IDEMPOTENCY_HOURS: i32 = 24;

/// The first statement of [`record`]'s transaction, `$1` the slug: the component, locked
/// against a concurrent delete until the report is in. Public, with [`INSERT_SQL`], for
/// the benchmark, which runs them in pgbench.
pub const LOCK_COMPONENT_SQL: &str = "SELECT 1 FROM components WHERE slug = $1 FOR KEY SHARE";

/// The statement that records a report (without an `Idempotency-Key`): `$1` the slug,
/// `$2` the status, `$3` the message, `$4` the subject.
pub const INSERT_SQL: &str = "INSERT INTO status_reports \
     (component, status, message, reported_by) VALUES ($1, $2, $3, $4) \
     RETURNING id, component, status, message, reported_by, reported_at";

/// Records `report` for the component `slug`, reported by `subject`. With an
/// `idempotency_key`, the same key from the same subject within 24 hours answers the report
/// it first recorded and records nothing (the same key with another report is
/// [`BoardError::IdempotencyKeyReused`]); requests racing with one key record one report.
pub async fn record(
    database: &Database,
    slug: &str,
    report: &NewStatusReport,
    subject: &str,
    idempotency_key: Option<&str>,
) -> Result<StatusReport, BoardError> {
    Limits::slug(slug).map_err(BoardError::Invalid)?;
    Limits::report(report).map_err(BoardError::Invalid)?;
    if let Some(key) = idempotency_key {
        Limits::idempotency_key(key).map_err(BoardError::Invalid)?;
    }
    // What the key stands for: the same key must come with the same report.
    let request = format!("{slug}\n{}\n{}", report.status.as_str(), report.message);
    let mut connection = database.connection().await?;
    connection
        .transaction(async |tx| {
            // Locks the component against a concurrent delete until the report is in.
            let exists = tx.query_opt(LOCK_COMPONENT_SQL, &[&slug]).await?;
            if exists.is_none() {
                return Err(BoardError::ComponentNotFound(slug.to_owned()));
            }
            if let Some(key) = idempotency_key
                && let Some(first) = claim_key(tx, subject, key, &request).await?
            {
                return Ok(first);
            }
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ORDER_LOCK])
                .await?;
            let row = tx
                .query_one(
                    INSERT_SQL,
                    &[&slug, &report.status.as_str(), &report.message, &subject],
                )
                .await?;
            let recorded = report_from(&row, 0)?;
            tx.execute(
                "SELECT pg_notify($1, $2)",
                &[&CHANNEL, &recorded.id.to_string()],
            )
            .await?;
            if let Some(key) = idempotency_key {
                tx.execute(
                    "UPDATE idempotency_keys SET report_id = $3 WHERE subject = $1 AND key = $2",
                    &[&subject, &key, &recorded.id],
                )
                .await?;
            }
            Ok(recorded)
        })
        .await
}

/// Claims `key` for `request`: `None` when it is new (or older than a day), and the report
/// then to be recorded is its first; the first report when the key already recorded this
/// request. A concurrent claim of the same key waits here until the first commits.
async fn claim_key(
    tx: &Transaction<'_>,
    subject: &str,
    key: &str,
    request: &str,
) -> Result<Option<StatusReport>, BoardError> {
    let claimed = tx
        .query_opt(
            "INSERT INTO idempotency_keys (subject, key, request) VALUES ($1, $2, $3) \
             ON CONFLICT (subject, key) DO UPDATE \
                 SET request = EXCLUDED.request, report_id = NULL, \
                     created_at = clock_timestamp() \
                 WHERE idempotency_keys.created_at \
                     < clock_timestamp() - make_interval(hours => $4) \
             RETURNING 1",
            &[&subject, &key, &request, &IDEMPOTENCY_HOURS],
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
    slug: &str,
    since: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, i64)>,
    limit: u32,
) -> Result<Vec<StatusReport>, BoardError> {
    Limits::slug(slug).map_err(BoardError::Invalid)?;
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

/// Up to `limit` reports of every component with an id above `after`, recorded at or
/// after `since` when given, in id order (the live board's backlog and catch-up).
pub async fn after(
    database: &Database,
    after: i64,
    since: Option<DateTime<Utc>>,
    limit: u32,
) -> Result<Vec<StatusReport>, BoardError> {
    let connection = database.connection().await?;
    let limit = i64::from(limit);
    let rows = connection
        .client()
        .query_typed(
            "SELECT id, component, status, message, reported_by, reported_at \
             FROM status_reports WHERE id > $1 AND ($2 IS NULL OR reported_at >= $2) \
             ORDER BY id LIMIT $3",
            &[
                (&after, Type::INT8),
                (&since, Type::TIMESTAMPTZ),
                (&limit, Type::INT8),
            ],
        )
        .await?;
    rows.iter().map(|row| report_from(row, 0)).collect()
}

/// The greatest report id so far (0 before the first).
pub async fn last_id(database: &Database) -> Result<i64, BoardError> {
    let connection = database.connection().await?;
    let row = connection
        .client()
        .query_typed("SELECT COALESCE(max(id), 0) FROM status_reports", &[])
        .await?;
    Ok(row.first().map_or(0, |row| row.get(0)))
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
