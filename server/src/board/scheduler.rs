//! The scheduler: every replica runs it; it starts each scheduled maintenance at
//! `scheduled_for` and completes it at `scheduled_until`.
//!
//! Each [`step`] is one transaction that takes the next due maintenance with
//! `FOR UPDATE SKIP LOCKED`, moves it on and commits: a replica that finds it locked
//! skips it, and once it is committed it is no longer due, so each transition happens
//! once, on whichever replica gets it first, within [`EVERY`] of its time (when some
//! replica is up). A transition is a change like any other, posted by [`SUBJECT`].

use std::time::Duration;

use slog::{Logger, info, warn};
use statusboard_api::{IncidentsWrite, MaintenanceStatus};

use super::BoardError;
use super::maintenances::{ends, finish, starts, transition};
use crate::bearer_auth::Actor;
use crate::database::Database;

/// How often each replica looks for due maintenances.
pub const EVERY: Duration = Duration::from_secs(1);

/// Who the scheduler's updates and reports are by.
pub const SUBJECT: &str = "scheduler";

/// The most transitions one look makes (the rest wait for the next).
const MOST: usize = 100;

/// Looks every [`EVERY`] until the task is dropped.
pub async fn run(database: Database, log: Logger) {
    let mut every = tokio::time::interval(EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        every.tick().await;
        for _ in 0..MOST {
            match step(&database).await {
                Ok(Some((id, status))) => {
                    info!(log, "maintenance moved on"; "maintenance" => id,
                          "status" => status.as_str());
                }
                Ok(None) => break,
                Err(e) => {
                    warn!(log, "scheduler: a transition failed"; "error" => %e);
                    break;
                }
            }
        }
    }
}

/// Makes the next due transition, if one is due and not being made elsewhere: the
/// maintenance's id and its new status.
pub async fn step(database: &Database) -> Result<Option<(i64, MaintenanceStatus)>, BoardError> {
    let actor = Actor::<IncidentsWrite>::internal(SUBJECT);
    let transaction = database.connection().await?.begin().await?;
    let tx = transaction.client();
    let prepared = async {
        let due = tx
            .query_opt(
                "SELECT id, status FROM maintenances \
                 WHERE (status = 'scheduled' AND scheduled_for <= clock_timestamp()) \
                    OR (status = 'in_progress' AND scheduled_until <= clock_timestamp()) \
                 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                &[],
            )
            .await?;
        let Some(due) = due else {
            return Ok(None);
        };
        let id: i64 = due.try_get(0)?;
        let current = super::stored(due.try_get(1)?, MaintenanceStatus::parse)?;
        let (next, reports, message) = if current == MaintenanceStatus::Scheduled {
            let reports = starts(tx, id).await?;
            (
                MaintenanceStatus::InProgress,
                reports,
                "Started as scheduled.",
            )
        } else {
            let reports = ends(tx, id).await?;
            (
                MaintenanceStatus::Completed,
                reports,
                "Completed as scheduled.",
            )
        };
        transition(tx, id, current, next, message, actor.subject()).await?;
        Ok::<_, BoardError>(Some((id, next, reports)))
    }
    .await;
    match prepared {
        Ok(Some((id, next, reports))) => {
            finish(transaction, id, &reports, actor.subject(), None).await?;
            Ok(Some((id, next)))
        }
        Ok(None) => {
            transaction.rollback().await?;
            Ok(None)
        }
        Err(error) => {
            transaction.rollback().await?;
            Err(error)
        }
    }
}
