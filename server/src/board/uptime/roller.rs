//! The roller: folds the settled reports after its cursor into the daily rollups, on
//! every replica, one at a time (`uptime_fold` takes an advisory lock), outside the change
//! log's lock.

use std::time::Duration;

use slog::{Logger, warn};
use tokio_postgres::types::Type;

use crate::board::BoardError;
use crate::database::Database;

/// How often each replica folds (one at a time does).
pub const FOLD_EVERY: Duration = Duration::from_secs(1);
/// The most reports one fold takes; a full fold is followed by another at once.
const FOLD_BATCH: i32 = 1000;

/// Folds the settled reports after the cursor into the rollups (a report's id is its
/// change's: see [`crate::changes::read::settled`]); answers how many it folded (0 when
/// another replica is folding).
pub async fn fold(database: &Database, most: i32) -> Result<i32, BoardError> {
    let settled = crate::changes::read::settled(database).await?;
    let connection = database.connection().await?;
    let rows = connection
        .client()
        .query_typed(
            "SELECT uptime_fold($1, $2)",
            &[(&most, Type::INT4), (&settled, Type::INT8)],
        )
        .await?;
    Ok(rows
        .first()
        .map(|row| row.try_get(0))
        .transpose()?
        .unwrap_or(0))
}

/// Folds every [`FOLD_EVERY`] until the task is dropped.
pub async fn run(database: Database, log: Logger) {
    let mut every = tokio::time::interval(FOLD_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        every.tick().await;
        loop {
            match fold(&database, FOLD_BATCH).await {
                Ok(folded) if folded == FOLD_BATCH => continue,
                Ok(_) => break,
                Err(e) => {
                    warn!(log, "uptime: folding failed"; "error" => %e);
                    break;
                }
            }
        }
    }
}
