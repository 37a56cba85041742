//! Polling GitHub, one replica at a time: every replica tries, each [`TICK`], to hold the
//! poller's lease (the one row of `github_poller`); the holder polls the due bindings one
//! request at a time (GitHub's secondary limits ask for that), renewing the lease before
//! each request. A killed holder's lease runs out after [`LEASE`]; a stopping one lets it
//! go.
//!
//! * A binding is polled every `GITHUB_POLL_SECONDS`, with `If-None-Match`: an unchanged
//!   list is a `304`, which GitHub does not count, and records nothing.
//! * A rate limit that ran out (`x-ratelimit-remaining: 0`, `retry-after`) pauses every
//!   request until it resets; the pause is in the lease's row, so a new holder keeps it.
//! * `5xx` and unreachable: that binding backs off (the poll interval doubled per failure,
//!   at most an hour). Every error shows on its binding (`last_error`) and in the metrics.

use std::time::Duration;

use chrono::{DateTime, Utc};
use slog::{Logger, info, warn};
use statusboard_api::GithubVia;
use tokio_postgres::types::Type;

use super::bindings::{self, Binding, Polled, Source};
use super::client::{
    Deployment, DeploymentStatus, Fetched, GithubClient, GithubError, WorkflowRuns,
};
use super::observe::{self, Seen};
use crate::config::Secret;
use crate::database::{Database, DatabaseError, new_lease_holder};

/// How often each replica tries to hold the lease and looks for due bindings.
pub const TICK: Duration = Duration::from_secs(1);
/// How long the lease lasts; renewed before each request, longer than one may take.
pub const LEASE: Duration = Duration::from_secs(15);
/// The longest a failing binding waits between polls.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How many due bindings one look takes.
const BATCH: i64 = 50;

/// What the poller needs.
#[derive(Debug, Clone)]
pub struct PollerSettings {
    /// `GITHUB_API_URL`.
    pub api_url: String,
    /// `GITHUB_TOKEN`.
    pub token: Secret,
    /// `GITHUB_POLL_SECONDS`.
    pub every: Duration,
}

/// Polls until the task is dropped or `stopping` turns true; then lets the lease go.
pub async fn run(
    database: Database,
    settings: PollerSettings,
    log: Logger,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let client = match GithubClient::new(&settings.api_url, &settings.token) {
        Ok(client) => client,
        Err(e) => {
            warn!(log, "github: no HTTP client, nothing is polled"; "error" => %e);
            return;
        }
    };
    let me = new_lease_holder();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut holding = false;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopping.changed() => break,
        }
        let lease = Lease {
            database: &database,
            me: &me,
        };
        match lease.take().await {
            Ok(Some(paused_until)) => {
                if !holding {
                    info!(log, "github: this replica polls");
                    holding = true;
                }
                if paused_until.is_some_and(|until| until > Utc::now()) {
                    continue;
                }
                if let Err(e) = poll_due(&lease, &client, &settings, &log, &stopping).await {
                    warn!(log, "github: polling failed"; "error" => %e);
                }
            }
            Ok(None) => holding = false,
            Err(e) => warn!(log, "github: the poller's lease failed"; "error" => %e),
        }
    }
    let lease = Lease {
        database: &database,
        me: &me,
    };
    if let Err(e) = lease.release().await {
        warn!(log, "github: the lease could not be let go; it runs out"; "error" => %e);
    }
}

/// The poller's lease, as this replica (`me`) holds it or tries to.
struct Lease<'a> {
    database: &'a Database,
    me: &'a str,
}

impl Lease<'_> {
    /// Takes or renews the lease: `Some(paused_until)` when this replica holds it.
    async fn take(&self) -> Result<Option<Option<DateTime<Utc>>>, DatabaseError> {
        let connection = self.database.connection().await?;
        let lease = LEASE.as_secs_f64();
        let rows = connection
            .client()
            .query_typed(
                "UPDATE github_poller SET leased_by = $1, \
                     leased_until = clock_timestamp() + make_interval(secs => $2) \
                 WHERE id = 1 AND (leased_by = $1 OR leased_until IS NULL \
                                   OR leased_until < clock_timestamp()) \
                 RETURNING paused_until",
                &[(&self.me, Type::TEXT), (&lease, Type::FLOAT8)],
            )
            .await?;
        rows.first()
            .map(|row| row.try_get(0).map_err(DatabaseError::from))
            .transpose()
    }

    /// Whether this replica still holds the lease (renewing it).
    async fn renew(&self) -> Result<bool, DatabaseError> {
        Ok(self.take().await?.is_some())
    }

    /// Pauses every request until `until`.
    async fn pause(&self, until: DateTime<Utc>) -> Result<(), DatabaseError> {
        let connection = self.database.connection().await?;
        connection
            .client()
            .query_typed(
                "UPDATE github_poller SET paused_until = $2 WHERE id = 1 AND leased_by = $1",
                &[(&self.me, Type::TEXT), (&until, Type::TIMESTAMPTZ)],
            )
            .await?;
        Ok(())
    }

    /// Lets the lease go.
    async fn release(&self) -> Result<(), DatabaseError> {
        let connection = self.database.connection().await?;
        connection
            .client()
            .query_typed(
                "UPDATE github_poller SET leased_by = NULL, leased_until = NULL \
                 WHERE id = 1 AND leased_by = $1",
                &[(&self.me, Type::TEXT)],
            )
            .await?;
        Ok(())
    }
}

/// Polls the due bindings, one request at a time, while this replica holds the lease.
async fn poll_due(
    lease: &Lease<'_>,
    client: &GithubClient,
    settings: &PollerSettings,
    log: &Logger,
    stopping: &tokio::sync::watch::Receiver<bool>,
) -> Result<(), bindings::BindingError> {
    let database = lease.database;
    for binding in bindings::due(database, BATCH).await? {
        if *stopping.borrow() {
            return Ok(());
        }
        let outcome = poll(lease, client, &binding).await;
        let now = Utc::now();
        let mut polled = Polled {
            list_etag: binding.list_etag.clone(),
            deployment_id: binding.deployment_id,
            status_etag: binding.status_etag.clone(),
            error: None,
            next_poll_at: now + settings.every,
        };
        match outcome {
            Ok(Some(state)) => {
                polled.list_etag = state.list_etag;
                polled.deployment_id = state.deployment_id;
                polled.status_etag = state.status_etag;
                if let Some(seen) = state.seen
                    && let Err(e) = observe::apply(database, &binding, &seen).await
                {
                    warn!(log, "github: applying what was seen failed";
                        "component" => &binding.component, "error" => %e);
                }
            }
            // The lease was lost: the new holder polls it.
            Ok(None) => return Ok(()),
            Err(PollError::Github(error)) => {
                polled.error = Some(error.to_string());
                match error {
                    GithubError::RateLimited { until } => {
                        polled.next_poll_at = until.max(polled.next_poll_at);
                        bindings::polled(database, &binding.component, &polled).await?;
                        lease.pause(until).await?;
                        warn!(log, "github: rate limit ran out, pausing"; "until" => %until);
                        return Ok(());
                    }
                    GithubError::Server(_) | GithubError::Transport(_) => {
                        polled.next_poll_at = now + backoff(settings.every, binding.failures);
                    }
                    _ => {}
                }
            }
            Err(PollError::Database(e)) => return Err(e.into()),
        }
        bindings::polled(database, &binding.component, &polled).await?;
    }
    Ok(())
}

/// The wait after `failures` failed polls in a row (and this one): doubled each time.
fn backoff(every: Duration, failures: i32) -> Duration {
    let doubled = every.saturating_mul(2u32.saturating_pow(failures.clamp(0, 16) as u32 + 1));
    doubled.min(MAX_BACKOFF).max(every)
}

/// What one poll found.
struct PollState {
    list_etag: Option<String>,
    deployment_id: Option<i64>,
    status_etag: Option<String>,
    seen: Option<Seen>,
}

#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error(transparent)]
    Github(#[from] GithubError),
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

/// Asks GitHub about `binding`: `None` when the lease was lost before a request.
async fn poll(
    lease: &Lease<'_>,
    client: &GithubClient,
    binding: &Binding,
) -> Result<Option<PollState>, PollError> {
    let repository = &binding.repository;
    let mut state = PollState {
        list_etag: binding.list_etag.clone(),
        deployment_id: binding.deployment_id,
        status_etag: binding.status_etag.clone(),
        seen: None,
    };
    match &binding.source {
        Source::Deployments { environment } => {
            if !lease.renew().await? {
                return Ok(None);
            }
            let path = format!(
                "/repos/{repository}/deployments?environment={}&per_page=1",
                encode(environment)
            );
            if let Fetched::Fresh { value, etag } = client
                .get::<Vec<Deployment>>(&path, state.list_etag.as_deref())
                .await?
            {
                state.list_etag = etag;
                let latest = value.first().map(|d| d.id);
                if latest != state.deployment_id {
                    state.deployment_id = latest;
                    state.status_etag = None;
                }
            }
            let Some(deployment) = state.deployment_id else {
                return Ok(Some(state));
            };
            if !lease.renew().await? {
                return Ok(None);
            }
            let path = format!("/repos/{repository}/deployments/{deployment}/statuses?per_page=1");
            if let Fetched::Fresh { value, etag } = client
                .get::<Vec<DeploymentStatus>>(&path, state.status_etag.as_deref())
                .await?
            {
                state.status_etag = etag;
                state.seen = value.first().map(|status| Seen {
                    id: status.id,
                    state: status.state.clone(),
                    at: status.created_at,
                    via: GithubVia::Poll,
                });
            }
        }
        Source::Workflow { file, branch } => {
            if !lease.renew().await? {
                return Ok(None);
            }
            let path = format!(
                "/repos/{repository}/actions/workflows/{}/runs?branch={}&status=completed&per_page=1",
                encode(file),
                encode(branch)
            );
            if let Fetched::Fresh { value, etag } = client
                .get::<WorkflowRuns>(&path, state.list_etag.as_deref())
                .await?
            {
                state.list_etag = etag;
                state.seen = value.workflow_runs.first().and_then(|run| {
                    Some(Seen {
                        id: run.id,
                        state: run.conclusion.clone()?,
                        at: run.updated_at,
                        via: GithubVia::Poll,
                    })
                });
            }
        }
    }
    Ok(Some(state))
}

/// `text` as a URL path segment or query value.
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_binding_backs_off_to_an_hour_at_most() {
        let every = Duration::from_secs(60);
        assert_eq!(backoff(every, 0), Duration::from_secs(120));
        assert_eq!(backoff(every, 1), Duration::from_secs(240));
        assert_eq!(backoff(every, 30), MAX_BACKOFF);
    }
}
