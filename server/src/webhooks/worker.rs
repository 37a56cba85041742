//! Delivering: every replica runs [`Workers`], which lease the due subscriptions they have
//! room for ([`LEASES_PER_POLL`] at a time, `FOR UPDATE SKIP LOCKED`, a lease of
//! [`LEASE`](super::lease::LEASE)) and deliver each one's changes in the change log's
//! order, one at a time, in a task of its own (at most [`CONCURRENCY`] per replica), so
//! that a slow or dead receiver holds up only its own subscription.
//!
//! * A `2xx` answer delivers the change: the subscription's cursor moves past it.
//! * Anything else (another status, a timeout, a refused address) is a failed attempt: the
//!   change is tried again after the next wait of [`SCHEDULE`](super::lease::SCHEDULE)
//!   (with ±20 % jitter); a subscription failing for
//!   [`GIVE_UP_AFTER`](super::lease::GIVE_UP_AFTER) is disabled, a change in the log
//!   (`webhook_disabled`).
//! * Every write checks that this replica still holds the lease, so a replica that lost it
//!   (stopped, paused past its lease, killed) never moves a cursor another one owns; a
//!   killed one's subscriptions are taken over once its lease runs out. A change whose
//!   answer was lost that way may arrive twice; `webhook-id` (`msg_<subscription>_<change>`)
//!   is the same both times, for receivers to drop the second.
//! * Changes its filters do not let through are skipped (the cursor moves past them).
//! * A delivery asked for again (a retry of a delivered change) is sent first, once,
//!   recorded as an attempt; the cursor does not move.
//! * A stopping replica leases nothing more, lets attempts under way finish (at most
//!   [`STOP_GRACE`]) and lets its leases go, so that the others go on at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use slog::{Logger, info, warn};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use super::lease::{
    Leased, Outcome, advance, fail, lease, record, record_again, redeliveries, release,
    release_all,
};
use super::outbound;
use super::signature::{self, Secret};
use super::subscriptions::webhook_id;
use crate::changes::Kind;
use crate::changes::read::{self, Logged, Range};
use crate::database::{Database, DatabaseError, new_lease_holder};

/// How often an idle replica looks for due subscriptions.
pub const POLL: Duration = Duration::from_millis(100);
/// The most subscriptions one replica delivers at once.
pub const CONCURRENCY: usize = 64;
/// The most subscriptions one replica leases per look, so that replicas looking at the
/// same time share a backlog of many subscriptions rather than the first taking them all;
/// a look that took this many is followed by another at once, so the cap costs no
/// throughput.
pub const LEASES_PER_POLL: usize = 16;
/// How long a stopping replica lets attempts under way finish before it gives up on them
/// and lets its leases go.
pub const STOP_GRACE: Duration = Duration::from_secs(2);
/// How often a replica measures the backlog for the metrics.
const BACKLOG_EVERY: Duration = Duration::from_secs(5);
/// How many changes a lease reads at once.
const BATCH: i64 = 100;

/// A replica's delivery workers, running until [`Workers::stop`].
#[derive(Debug)]
pub struct Workers {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Workers {
    /// Starts delivering; `allow_private`: `WEBHOOK_ALLOW_PRIVATE_NETWORKS`.
    pub fn start(database: Database, allow_private: bool, log: Logger) -> Self {
        let (stop, stopping) = watch::channel(false);
        let task = tokio::spawn(run(database, allow_private, log, stopping));
        Self { stop, task }
    }

    /// Stops: no more leases; each delivery task ends after its attempt under way (at
    /// most [`STOP_GRACE`], then it is abandoned), and every lease this replica holds is
    /// let go, so that the others go on at once. Resolves when that is done.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Delivers until `stopping` turns true.
async fn run(
    database: Database,
    allow_private: bool,
    log: Logger,
    mut stopping: watch::Receiver<bool>,
) {
    let http = match outbound::client(allow_private) {
        Ok(http) => http,
        Err(e) => {
            warn!(log, "webhooks: no HTTP client, nothing is delivered"; "error" => %e);
            return;
        }
    };
    let me = new_lease_holder();
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut measured = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    // Whether the last look took as many as it asked for: then more may be due, and the
    // next look follows at once rather than after `POLL`.
    let mut again = false;
    loop {
        if again {
            tokio::task::yield_now().await;
            if *stopping.borrow() {
                break;
            }
        } else {
            tokio::select! {
                _ = poll.tick() => {}
                _ = stopping.changed() => break,
            }
        }
        again = false;
        while tasks.try_join_next().is_some() {}
        if measured.elapsed() >= BACKLOG_EVERY {
            measured = Instant::now();
            if let Ok((pending, oldest)) = backlog(&database).await {
                crate::metrics::webhook_backlog(pending, oldest);
            }
        }
        let free = permits.available_permits().min(LEASES_PER_POLL);
        if free == 0 {
            continue;
        }
        let leased = match lease(&database, &me, free).await {
            Ok(leased) => leased,
            Err(e) => {
                warn!(log, "webhooks: leasing failed"; "error" => %e);
                continue;
            }
        };
        again = leased.len() == free;
        for leased in leased {
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                break;
            };
            let (database, http, me, log, stopping) = (
                database.clone(),
                http.clone(),
                me.clone(),
                log.clone(),
                stopping.clone(),
            );
            tasks.spawn(async move {
                if let Err(e) = deliver(&database, &http, &me, leased, &stopping).await {
                    warn!(log, "webhooks: a delivery run failed"; "error" => %e);
                }
                drop(permit);
            });
        }
    }
    // Stopping: the tasks end after their attempt under way, or are abandoned.
    let finished = tokio::time::timeout(STOP_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.shutdown().await;
    match release_all(&database, &me).await {
        Ok(released) => info!(log, "webhooks: stopped";
            "abandoned_attempts" => finished.is_err(), "leases_released" => released),
        Err(e) => warn!(log, "webhooks: the leases could not be let go; they run out";
            "error" => %e),
    }
}

/// The changes enabled subscriptions still wait for (summed), and the oldest one's age.
async fn backlog(database: &Database) -> Result<(i64, Duration), DatabaseError> {
    let connection = database.connection().await?;
    let row = connection
        .client()
        .query_typed(
            "SELECT COALESCE(sum(GREATEST(m.last - s.after_change, 0)), 0)::int8, \
                 COALESCE(extract(epoch FROM clock_timestamp() - min(c.at)), 0)::float8 \
             FROM webhook_subscriptions s \
             CROSS JOIN (SELECT COALESCE(max(id), 0) AS last FROM changes) m \
             LEFT JOIN LATERAL (SELECT at FROM changes WHERE id > s.after_change \
                                ORDER BY id LIMIT 1) c ON true \
             WHERE s.disabled_at IS NULL",
            &[],
        )
        .await?;
    let row = row.first().ok_or_else(|| DatabaseError::Unexpected {
        what: "the webhooks' backlog query answered no row".to_owned(),
    })?;
    let oldest: f64 = row.try_get(1)?;
    Ok((row.try_get(0)?, Duration::from_secs_f64(oldest.max(0.0))))
}

/// Sends `leased`'s deliveries asked for again, then, when its next change is due, its
/// changes in order until it has none left, one fails, the lease is lost or the replica
/// stops; then lets the lease go.
async fn deliver(
    database: &Database,
    http: &reqwest::Client,
    me: &str,
    mut leased: Leased,
    stopping: &watch::Receiver<bool>,
) -> Result<(), DatabaseError> {
    for change in redeliveries(database, &leased).await? {
        let range = Range {
            after: change - 1,
            up_to: Some(change),
            ..Range::default()
        };
        let found = read::page(database, range, 1).await?;
        let outcome = match found.first() {
            Some(logged) => Some(attempt(http, &leased, logged).await),
            None => None,
        };
        if !record_again(database, &leased, me, change, outcome.as_ref()).await? {
            return Ok(());
        }
    }
    if !leased.due {
        return release(database, &leased, me).await;
    }
    loop {
        let range = Range {
            after: leased.after_change,
            ..Range::default()
        };
        let batch = read::page(database, range, BATCH).await?;
        if batch.is_empty() || *stopping.borrow() {
            return release(database, &leased, me).await;
        }
        for change in &batch {
            if !wanted(&leased, change) {
                leased.after_change = change.id;
                continue;
            }
            if *stopping.borrow() {
                return release(database, &leased, me).await;
            }
            let outcome = attempt(http, &leased, change).await;
            let held = record(database, &leased, me, change, &outcome).await?;
            if !held {
                return Ok(());
            }
            if outcome.delivered() {
                leased.after_change = change.id;
                leased.attempts = 0;
            } else {
                return fail(database, &leased, me).await;
            }
        }
        // Skipped changes at the end of the batch: the cursor moves past them too.
        if !advance(database, &leased, me).await? {
            return Ok(());
        }
    }
}

/// Whether `leased`'s filters let `change` through.
fn wanted(leased: &Leased, change: &Logged) -> bool {
    if change.kind == Kind::GrantRevoked.as_str() || change.kind == Kind::WebhookDisabled.as_str()
    {
        return false;
    }
    let kind_ok = leased.kinds.is_empty() || leased.kinds.contains(&change.kind);
    let component_ok = leased.components.is_empty() || {
        let about = ["component", "slug"]
            .iter()
            .filter_map(|field| change.data.get(field).and_then(|v| v.as_str()))
            .chain(
                change
                    .data
                    .get("components")
                    .and_then(|c| c.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.get("slug").and_then(|s| s.as_str()).or(c.as_str())),
            )
            .collect::<Vec<_>>();
        about
            .iter()
            .any(|slug| leased.components.iter().any(|c| c == slug))
    };
    kind_ok && component_ok
}

/// Posts `change` to `leased`'s URL, signed.
async fn attempt(http: &reqwest::Client, leased: &Leased, change: &Logged) -> Outcome {
    let started = Instant::now();
    let body = change.message();
    let id = webhook_id(leased.id, change.id);
    let timestamp = Utc::now().timestamp();
    let secrets: Vec<&Secret> = leased.secrets.iter().collect();
    let answer = http
        .post(&leased.url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signature::header(&secrets, &id, timestamp, body.as_bytes()),
        )
        .body(body)
        .send()
        .await;
    match answer {
        Ok(answer) => {
            let status = answer.status().as_u16();
            outbound::drain(answer).await;
            let delivered = (200..300).contains(&status);
            crate::metrics::webhook_attempt(if delivered { "delivered" } else { "failed" });
            Outcome {
                status: Some(status),
                error: None,
                took: started.elapsed(),
            }
        }
        Err(e) => {
            let refused = outbound::refusal(&e);
            crate::metrics::webhook_attempt(if refused.is_some() {
                "refused"
            } else {
                "failed"
            });
            Outcome {
                status: None,
                error: Some(match refused {
                    Some(refused) => refused.to_string(),
                    None => format!("{e}"),
                }),
                took: started.elapsed(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leased(kinds: &[&str], components: &[&str]) -> Leased {
        Leased {
            id: 1,
            url: String::new(),
            kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
            components: components.iter().map(|c| (*c).to_owned()).collect(),
            secrets: vec![],
            after_change: 0,
            attempts: 0,
            due: true,
        }
    }

    fn change(kind: &str, data: serde_json::Value) -> Logged {
        Logged {
            id: 1,
            kind: kind.to_owned(),
            at: Utc::now(),
            data,
        }
    }

    #[test]
    fn filters_let_through_the_kinds_and_components_asked_for() {
        let report = change("report", serde_json::json!({"component": "db"}));
        let incident = change(
            "incident",
            serde_json::json!({"components": [{"slug": "api", "status": "major_outage"}]}),
        );
        let maintenance = change("maintenance", serde_json::json!({"components": ["db"]}));
        assert!(wanted(&leased(&[], &[]), &report));
        assert!(wanted(&leased(&["report"], &[]), &report));
        assert!(!wanted(&leased(&["incident"], &[]), &report));
        assert!(wanted(&leased(&[], &["db"]), &report));
        assert!(!wanted(&leased(&[], &["db"]), &incident));
        assert!(wanted(&leased(&[], &["api"]), &incident));
        assert!(wanted(&leased(&[], &["db"]), &maintenance));
        let revoked = change("grant_revoked", serde_json::json!({"family": 1}));
        assert!(!wanted(&leased(&[], &[]), &revoked));
    }
}
