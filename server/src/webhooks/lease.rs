//! A subscription leased by one replica: taking leases (`lease`), and every write made
//! under one — an attempt recorded, the cursor moved, the lease let go, a failure scheduled
//! or the subscription disabled — each fenced by the lease (`leased_by`), so that a replica
//! that lost it changes nothing.

use std::time::Duration;

use super::signature::Secret;
use crate::changes::read::Logged;
use crate::changes::{self, Change, Kind};
use crate::database::{Database, DatabaseError};
use tokio_postgres::types::Type;

/// How long a lease lasts; the holder renews it with every delivery. Longer than a
/// delivery may take ([`TOTAL_TIMEOUT`](super::outbound::TOTAL_TIMEOUT)), so that a lease
/// never runs out while its holder waits for an answer (two replicas would then deliver
/// at once).
pub const LEASE: Duration = Duration::from_secs(20);
/// The waits after the first, second, … failed attempt at a change; the last repeats.
pub const SCHEDULE: [Duration; 8] = [
    Duration::from_secs(1),
    Duration::from_secs(5),
    Duration::from_secs(30),
    Duration::from_secs(2 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(5 * 60 * 60),
    Duration::from_secs(10 * 60 * 60),
];
/// How long a subscription may fail before it is disabled.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(3 * 24 * 60 * 60);

/// A leased subscription, as its worker needs it.
#[derive(Debug)]
pub(super) struct Leased {
    pub(super) id: i64,
    pub(super) url: String,
    pub(super) kinds: Vec<String>,
    pub(super) components: Vec<String>,
    pub(super) secrets: Vec<Secret>,
    pub(super) after_change: i64,
    pub(super) attempts: i32,
    /// Whether its next change is due (it may be leased only for a redelivery).
    pub(super) due: bool,
}

/// What one attempt came to.
#[derive(Debug)]
pub(super) struct Outcome {
    pub(super) status: Option<u16>,
    pub(super) error: Option<String>,
    pub(super) took: Duration,
}

impl Outcome {
    pub(super) fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Leases up to `most` subscriptions that have work: a change after the cursor when the
/// next attempt is due, or a delivery asked for again (`webhook_redeliveries`).
pub(super) async fn lease(
    database: &Database,
    me: &str,
    most: usize,
) -> Result<Vec<Leased>, DatabaseError> {
    let connection = database.connection().await?;
    let lease = LEASE.as_secs_f64();
    let most = i64::try_from(most).unwrap_or(i64::MAX);
    let rows = connection
        .client()
        .query_typed(
            "UPDATE webhook_subscriptions s \
             SET leased_by = $1, leased_until = clock_timestamp() + make_interval(secs => $2) \
             WHERE s.id IN ( \
                 SELECT w.id FROM webhook_subscriptions w \
                 WHERE (w.leased_until IS NULL OR w.leased_until < clock_timestamp()) \
                   AND ((w.disabled_at IS NULL AND w.next_attempt_at <= clock_timestamp() \
                         AND EXISTS (SELECT 1 FROM changes c WHERE c.id > w.after_change)) \
                        OR EXISTS (SELECT 1 FROM webhook_redeliveries r \
                                   WHERE r.subscription_id = w.id)) \
                 ORDER BY w.next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING s.id, s.url, s.kinds, s.components, s.secret, \
                 CASE WHEN s.previous_until > clock_timestamp() THEN s.previous_secret END, \
                 s.after_change, s.attempts, \
                 s.disabled_at IS NULL AND s.next_attempt_at <= clock_timestamp()",
            &[
                (&me, Type::TEXT),
                (&lease, Type::FLOAT8),
                (&most, Type::INT8),
            ],
        )
        .await?;
    rows.iter().map(leased_from).collect()
}

/// The changes asked for again for `leased`, oldest first.
pub(super) async fn redeliveries(
    database: &Database,
    leased: &Leased,
) -> Result<Vec<i64>, DatabaseError> {
    let connection = database.connection().await?;
    let rows = connection
        .client()
        .query_typed(
            "SELECT change_id FROM webhook_redeliveries WHERE subscription_id = $1 \
             ORDER BY change_id LIMIT 100",
            &[(&leased.id, Type::INT8)],
        )
        .await?;
    rows.iter()
        .map(|row| row.try_get(0).map_err(DatabaseError::from))
        .collect()
}

/// Records an attempt at a change asked for again (`None`: the change is gone) and
/// removes the request, renewing the lease, if this replica still holds it; answers
/// whether it does. The cursor does not move.
pub(super) async fn record_again(
    database: &Database,
    leased: &Leased,
    me: &str,
    change: i64,
    outcome: Option<&Outcome>,
) -> Result<bool, DatabaseError> {
    let connection = database.connection().await?;
    let status = outcome.and_then(|o| o.status).map(i32::from);
    let error = outcome.and_then(|o| o.error.clone());
    let took = outcome.map(|o| i32::try_from(o.took.as_millis()).unwrap_or(i32::MAX));
    let lease = LEASE.as_secs_f64();
    let rows = connection
        .client()
        .query_typed(
            "WITH held AS ( \
                 UPDATE webhook_subscriptions \
                 SET leased_until = clock_timestamp() + make_interval(secs => $7) \
                 WHERE id = $1 AND leased_by = $6 RETURNING id), \
             gone AS (DELETE FROM webhook_redeliveries r USING held \
                      WHERE r.subscription_id = held.id AND r.change_id = $2), \
             recorded AS (INSERT INTO webhook_attempts \
                              (subscription_id, change_id, status, error, duration_ms) \
                          SELECT id, $2, $3, $4, $5 FROM held WHERE $5::int4 IS NOT NULL) \
             SELECT 1 FROM held",
            &[
                (&leased.id, Type::INT8),
                (&change, Type::INT8),
                (&status, Type::INT4),
                (&error, Type::TEXT),
                (&took, Type::INT4),
                (&me, Type::TEXT),
                (&lease, Type::FLOAT8),
            ],
        )
        .await?;
    Ok(!rows.is_empty())
}

/// Lets every lease `me` holds go: a stopping replica's subscriptions go on elsewhere at
/// once rather than after their leases run out.
pub(super) async fn release_all(database: &Database, me: &str) -> Result<u64, DatabaseError> {
    let connection = database.connection().await?;
    let released = connection
        .client()
        .query_typed(
            "UPDATE webhook_subscriptions SET leased_by = NULL, leased_until = NULL \
             WHERE leased_by = $1 RETURNING 1",
            &[(&me, Type::TEXT)],
        )
        .await?;
    Ok(released.len() as u64)
}

/// A leased subscription from a row of [`lease`].
fn leased_from(row: &tokio_postgres::Row) -> Result<Leased, DatabaseError> {
    let mut secrets = Vec::new();
    for text in [row.try_get::<_, Option<String>>(4)?, row.try_get(5)?]
        .into_iter()
        .flatten()
    {
        if let Ok(secret) = Secret::parse(&text) {
            secrets.push(secret);
        }
    }
    Ok(Leased {
        id: row.try_get(0)?,
        url: row.try_get(1)?,
        kinds: row.try_get(2)?,
        components: row.try_get(3)?,
        secrets,
        after_change: row.try_get(6)?,
        attempts: row.try_get(7)?,
        due: row.try_get(8)?,
    })
}

/// Records the attempt and, when it delivered, moves the cursor past `change` and renews
/// the lease, if this replica still holds it; answers whether it does.
pub(super) async fn record(
    database: &Database,
    leased: &Leased,
    me: &str,
    change: &Logged,
    outcome: &Outcome,
) -> Result<bool, DatabaseError> {
    let connection = database.connection().await?;
    let status = outcome.status.map(i32::from);
    let took = i32::try_from(outcome.took.as_millis()).unwrap_or(i32::MAX);
    let delivered = outcome.delivered();
    let lease = LEASE.as_secs_f64();
    let rows = connection
        .client()
        .query_typed(
            "WITH held AS ( \
                 UPDATE webhook_subscriptions \
                 SET after_change = CASE WHEN $6 THEN $2 ELSE after_change END, \
                     attempts = CASE WHEN $6 THEN 0 ELSE attempts END, \
                     failing_since = CASE WHEN $6 THEN NULL ELSE failing_since END, \
                     leased_until = clock_timestamp() + make_interval(secs => $8) \
                 WHERE id = $1 AND leased_by = $7 RETURNING id) \
             INSERT INTO webhook_attempts (subscription_id, change_id, status, error, duration_ms) \
             SELECT id, $2, $3, $4, $5 FROM held RETURNING 1",
            &[
                (&leased.id, Type::INT8),
                (&change.id, Type::INT8),
                (&status, Type::INT4),
                (&outcome.error, Type::TEXT),
                (&took, Type::INT4),
                (&delivered, Type::BOOL),
                (&me, Type::TEXT),
                (&lease, Type::FLOAT8),
            ],
        )
        .await?;
    Ok(!rows.is_empty())
}

/// Moves the cursor to `leased.after_change` (past skipped changes), renewing the lease;
/// whether this replica still holds it.
pub(super) async fn advance(
    database: &Database,
    leased: &Leased,
    me: &str,
) -> Result<bool, DatabaseError> {
    let connection = database.connection().await?;
    let lease = LEASE.as_secs_f64();
    let updated = connection
        .client()
        .query_typed(
            "UPDATE webhook_subscriptions SET after_change = GREATEST(after_change, $2), \
                 leased_until = clock_timestamp() + make_interval(secs => $4) \
             WHERE id = $1 AND leased_by = $3 RETURNING 1",
            &[
                (&leased.id, Type::INT8),
                (&leased.after_change, Type::INT8),
                (&me, Type::TEXT),
                (&lease, Type::FLOAT8),
            ],
        )
        .await?;
    Ok(!updated.is_empty())
}

/// Lets the lease go, the cursor past what was skipped.
pub(super) async fn release(
    database: &Database,
    leased: &Leased,
    me: &str,
) -> Result<(), DatabaseError> {
    let connection = database.connection().await?;
    connection
        .client()
        .query_typed(
            "UPDATE webhook_subscriptions SET after_change = GREATEST(after_change, $2), \
                 leased_by = NULL, leased_until = NULL \
             WHERE id = $1 AND leased_by = $3",
            &[
                (&leased.id, Type::INT8),
                (&leased.after_change, Type::INT8),
                (&me, Type::TEXT),
            ],
        )
        .await?;
    Ok(())
}

/// After a failed attempt: the next one after the schedule's wait, or, failing for
/// [`GIVE_UP_AFTER`], the subscription disabled (a change in the log); the lease goes.
pub(super) async fn fail(
    database: &Database,
    leased: &Leased,
    me: &str,
) -> Result<(), DatabaseError> {
    let failures = usize::try_from(leased.attempts).unwrap_or(0);
    let wait = SCHEDULE[failures.min(SCHEDULE.len() - 1)];
    let jitter = 0.8 + 0.4 * f64::from(random_byte()) / 255.0;
    let wait = wait.as_secs_f64() * jitter;
    let give_up = GIVE_UP_AFTER.as_secs_f64();
    let transaction = database.connection().await?.begin().await?;
    let row = transaction
        .client()
        .query_opt(
            "UPDATE webhook_subscriptions \
             SET after_change = GREATEST(after_change, $2), attempts = attempts + 1, \
                 failing_since = COALESCE(failing_since, clock_timestamp()), \
                 next_attempt_at = clock_timestamp() + make_interval(secs => $4), \
                 disabled_at = CASE WHEN failing_since < clock_timestamp() \
                                        - make_interval(secs => $5) \
                                    THEN clock_timestamp() END, \
                 leased_by = NULL, leased_until = NULL \
             WHERE id = $1 AND leased_by = $3 RETURNING disabled_at IS NOT NULL, url",
            &[&leased.id, &leased.after_change, &me, &wait, &give_up],
        )
        .await?;
    match row {
        Some(row) if row.try_get::<_, bool>(0)? => {
            let url: String = row.try_get(1)?;
            let data = serde_json::json!({"id": leased.id, "url": url});
            changes::append(
                transaction,
                &Change::new(Kind::WebhookDisabled, "webhooks", &data),
            )
            .await?;
        }
        _ => transaction.commit().await?,
    }
    Ok(())
}

fn random_byte() -> u8 {
    let mut byte = [0u8; 1];
    let _ = aws_lc_rs::rand::fill(&mut byte);
    byte[0]
}
