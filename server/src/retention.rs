//! Retention: what expires is removed. A periodic [`sweep`], one replica at a time, in
//! bounded batches, deletes:
//!
//! * `Idempotency-Key`s older than the 24 hours they guard a report for;
//! * refresh tokens expired for more than a day (an expired token is refused by its own
//!   signature before it is looked up, so its row guards nothing);
//! * token families none of whose refresh tokens expires later than a day ago (a dead
//!   grant: nothing it issued still works), with their tokens;
//! * GitHub webhook delivery ids older than a week (GitHub redelivers within days).
//!
//! The board's history (components' reports, the change log) is kept: it is what the
//! board is; docs/operations.md says how to archive it.

use std::time::Duration;

use slog::{Logger, info, warn};

use crate::database::{Database, DatabaseError};

/// How often each replica tries a sweep (one of them does it).
pub const EVERY: Duration = Duration::from_secs(600);

/// The most rows one statement deletes: short transactions, short locks.
const BATCH: i64 = 1000;

/// The advisory lock a sweep holds, so that one replica sweeps at a time.
const LOCK: i64 = 7_311_992_650_183_104_117;

/// One batch per table, each its own statement: `$1` the batch size.
const DELETE_BATCHES: [(&str, &str); 4] = [
    (
        "idempotency_keys",
        "DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(\
             SELECT ctid FROM idempotency_keys \
             WHERE created_at < now() - interval '24 hours' LIMIT $1))",
    ),
    (
        "refresh_tokens",
        "DELETE FROM refresh_tokens WHERE id = ANY (ARRAY(\
             SELECT id FROM refresh_tokens \
             WHERE expires_at < now() - interval '1 day' LIMIT $1))",
    ),
    (
        "token_families",
        "DELETE FROM token_families WHERE id = ANY (ARRAY(\
             SELECT f.id FROM token_families f \
             WHERE f.created_at < now() - interval '1 day' AND NOT EXISTS (\
                 SELECT 1 FROM refresh_tokens r \
                 WHERE r.family_id = f.id AND r.expires_at >= now() - interval '1 day') \
             LIMIT $1))",
    ),
    (
        "github_deliveries",
        "DELETE FROM github_deliveries WHERE id = ANY (ARRAY(\
             SELECT id FROM github_deliveries \
             WHERE received_at < now() - interval '7 days' LIMIT $1))",
    ),
];

/// Sweeps every [`EVERY`] until the task is dropped.
pub async fn run(database: Database, log: Logger) {
    let mut every = tokio::time::interval(EVERY);
    loop {
        every.tick().await;
        match sweep(&database).await {
            Ok(Some(deleted)) if deleted.iter().any(|(_, n)| *n > 0) => {
                info!(log, "retention: expired rows deleted"; "deleted" => ?deleted);
            }
            Ok(_) => {}
            Err(e) => warn!(log, "retention: the sweep failed"; "error" => %e),
        }
    }
}

/// Deletes what has expired, batch after batch, unless another replica is sweeping
/// (`None`). Answers how many rows of each table went.
pub async fn sweep(
    database: &Database,
) -> Result<Option<Vec<(&'static str, u64)>>, DatabaseError> {
    let mut deleted = Vec::new();
    for (table, statement) in DELETE_BATCHES {
        let mut total = 0;
        loop {
            let Some(count) = batch(database, statement).await? else {
                return Ok(None);
            };
            total += count;
            if count < BATCH as u64 {
                break;
            }
        }
        deleted.push((table, total));
    }
    Ok(Some(deleted))
}

/// One batch in its own transaction, holding the sweep's lock; `None` when another
/// replica holds it.
async fn batch(database: &Database, statement: &str) -> Result<Option<u64>, DatabaseError> {
    let transaction = database.connection().await?.begin().await?;
    let client = transaction.client();
    let locked: bool = client
        .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&LOCK])
        .await?
        .get(0);
    if !locked {
        transaction.rollback().await?;
        return Ok(None);
    }
    let count = client.execute(statement, &[&BATCH]).await?;
    transaction.commit().await?;
    Ok(Some(count))
}
