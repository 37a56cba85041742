//! Delivering: every replica runs [`run`], which leases due subscriptions one at a time
//! (`FOR UPDATE SKIP LOCKED`, a lease of [`LEASE`]) and delivers each one's changes in
//! the change log's order, one at a time, in a task of its own (at most [`CONCURRENCY`]
//! per replica), so that a slow or dead receiver holds up only its own subscription.
//!
//! * A `2xx` answer delivers the change: the subscription's cursor moves past it.
//! * Anything else (another status, a timeout, a refused address) is a failed attempt: the
//!   change is tried again after the next wait of [`SCHEDULE`] (with ±20 % jitter); a
//!   subscription failing for [`GIVE_UP_AFTER`] is disabled, a change in the log
//!   (`webhook_disabled`).
//! * Every write checks that this replica still holds the lease, so a replica that lost it
//!   (stopped, paused past [`LEASE`], killed) never moves a cursor another one owns; a
//!   killed one's subscriptions are taken over once its lease runs out. A change whose
//!   answer was lost that way may arrive twice; `webhook-id` (`msg_<subscription>_<change>`)
//!   is the same both times, for receivers to drop the second.
//! * Changes its filters do not let through are skipped (the cursor moves past them).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use slog::{Logger, warn};
use tokio::sync::Semaphore;

use super::outbound;
use super::signature::{self, Secret};
use crate::changes::read::{self, Logged, Range};
use crate::changes::{self, Change, Kind};
use crate::database::{Database, DatabaseError};

/// How often an idle replica looks for due subscriptions.
pub const POLL: Duration = Duration::from_millis(100);
/// How long a lease lasts; the holder renews it with every delivery. Longer than a
/// delivery may take ([`outbound::TOTAL_TIMEOUT`]), so that a lease never runs out while
/// its holder waits for an answer (two replicas would then deliver at once).
pub const LEASE: Duration = Duration::from_secs(20);
/// The most subscriptions one replica delivers at once.
pub const CONCURRENCY: usize = 64;
/// How often a replica measures the backlog for the metrics.
const BACKLOG_EVERY: Duration = Duration::from_secs(5);
/// How many changes a lease reads at once.
const BATCH: i64 = 100;
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
struct Leased {
    id: i64,
    url: String,
    kinds: Vec<String>,
    components: Vec<String>,
    secrets: Vec<Secret>,
    after_change: i64,
    attempts: i32,
}

/// Delivers until the task is dropped; `allow_private`: `WEBHOOK_ALLOW_PRIVATE_NETWORKS`.
pub async fn run(database: Database, allow_private: bool, log: Logger) {
    let http = match outbound::client(allow_private) {
        Ok(http) => http,
        Err(e) => {
            warn!(log, "webhooks: no HTTP client, nothing is delivered"; "error" => %e);
            return;
        }
    };
    let me = format!("{}-{}", std::process::id(), uuid_like());
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut measured = Instant::now();
    // The delivery tasks: dropped (aborted) with this one when the server stops; their
    // leases then run out and another replica goes on.
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        poll.tick().await;
        while tasks.try_join_next().is_some() {}
        if measured.elapsed() >= BACKLOG_EVERY {
            measured = Instant::now();
            if let Ok((pending, oldest)) = backlog(&database).await {
                crate::metrics::webhook_backlog(pending, oldest);
            }
        }
        let free = permits.available_permits();
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
        for leased in leased {
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                break;
            };
            let (database, http, me, log) =
                (database.clone(), http.clone(), me.clone(), log.clone());
            tasks.spawn(async move {
                if let Err(e) = deliver(&database, &http, &me, leased).await {
                    warn!(log, "webhooks: a delivery run failed"; "error" => %e);
                }
                drop(permit);
            });
        }
    }
}

/// The changes enabled subscriptions still wait for (summed), and the oldest one's age.
async fn backlog(database: &Database) -> Result<(i64, Duration), DatabaseError> {
    let connection = database.connection().await?;
    let row = connection
        .client()
        .query_one(
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
    let oldest: f64 = row.try_get(1)?;
    Ok((row.try_get(0)?, Duration::from_secs_f64(oldest.max(0.0))))
}

/// A name for this replica's leases that no other process has.
fn uuid_like() -> String {
    let mut bytes = [0u8; 8];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Leases up to `most` due subscriptions that have changes after their cursors.
async fn lease(database: &Database, me: &str, most: usize) -> Result<Vec<Leased>, DatabaseError> {
    let connection = database.connection().await?;
    let lease = LEASE.as_secs_f64();
    let most = i64::try_from(most).unwrap_or(i64::MAX);
    let rows = connection
        .client()
        .query(
            "UPDATE webhook_subscriptions s \
             SET leased_by = $1, leased_until = clock_timestamp() + make_interval(secs => $2) \
             WHERE s.id IN ( \
                 SELECT w.id FROM webhook_subscriptions w \
                 WHERE w.disabled_at IS NULL AND w.next_attempt_at <= clock_timestamp() \
                   AND (w.leased_until IS NULL OR w.leased_until < clock_timestamp()) \
                   AND EXISTS (SELECT 1 FROM changes c WHERE c.id > w.after_change) \
                 ORDER BY w.next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING s.id, s.url, s.kinds, s.components, s.secret, \
                 CASE WHEN s.previous_until > clock_timestamp() THEN s.previous_secret END, \
                 s.after_change, s.attempts",
            &[&me, &lease, &most],
        )
        .await?;
    rows.iter().map(leased_from).collect()
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
    })
}

/// Delivers `leased`'s changes in order until it has none left, one fails, or the lease
/// is lost; then lets the lease go.
async fn deliver(
    database: &Database,
    http: &reqwest::Client,
    me: &str,
    mut leased: Leased,
) -> Result<(), DatabaseError> {
    loop {
        let range = Range {
            after: leased.after_change,
            ..Range::default()
        };
        let batch = read::page(database, range, BATCH).await?;
        if batch.is_empty() {
            return release(database, &leased, me).await;
        }
        for change in &batch {
            if !wanted(&leased, change) {
                leased.after_change = change.id;
                continue;
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

/// What one attempt came to.
#[derive(Debug)]
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
    took: Duration,
}

impl Outcome {
    fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Posts `change` to `leased`'s URL, signed.
async fn attempt(http: &reqwest::Client, leased: &Leased, change: &Logged) -> Outcome {
    let started = Instant::now();
    let body = change.message();
    let id = format!("msg_{}_{}", leased.id, change.id);
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

/// Records the attempt and, when it delivered, moves the cursor past `change` and renews
/// the lease, if this replica still holds it; answers whether it does.
async fn record(
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
        .query(
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
                &leased.id,
                &change.id,
                &status,
                &outcome.error,
                &took,
                &delivered,
                &me,
                &lease,
            ],
        )
        .await?;
    Ok(!rows.is_empty())
}

/// Moves the cursor to `leased.after_change` (past skipped changes), renewing the lease;
/// whether this replica still holds it.
async fn advance(database: &Database, leased: &Leased, me: &str) -> Result<bool, DatabaseError> {
    let connection = database.connection().await?;
    let lease = LEASE.as_secs_f64();
    let updated = connection
        .client()
        .execute(
            "UPDATE webhook_subscriptions SET after_change = GREATEST(after_change, $2), \
                 leased_until = clock_timestamp() + make_interval(secs => $4) \
             WHERE id = $1 AND leased_by = $3",
            &[&leased.id, &leased.after_change, &me, &lease],
        )
        .await?;
    Ok(updated > 0)
}

/// Lets the lease go, the cursor past what was skipped.
async fn release(database: &Database, leased: &Leased, me: &str) -> Result<(), DatabaseError> {
    let connection = database.connection().await?;
    connection
        .client()
        .execute(
            "UPDATE webhook_subscriptions SET after_change = GREATEST(after_change, $2), \
                 leased_by = NULL, leased_until = NULL \
             WHERE id = $1 AND leased_by = $3",
            &[&leased.id, &leased.after_change, &me],
        )
        .await?;
    Ok(())
}

/// After a failed attempt: the next one after the schedule's wait, or, failing for
/// [`GIVE_UP_AFTER`], the subscription disabled (a change in the log); the lease goes.
async fn fail(database: &Database, leased: &Leased, me: &str) -> Result<(), DatabaseError> {
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
