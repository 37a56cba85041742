//! What the poller or a webhook saw on GitHub, applied to a bound component: a state that
//! maps to a status the component does not have records a report by `github`, with the
//! `Idempotency-Key` `github:<kind>:<id>`, so that poll and push, a retry or a second
//! replica, never record it twice. Something older than what the binding already saw
//! changes nothing.

use chrono::{DateTime, Utc};
use statusboard_api::{GithubObservation, GithubVia, NewStatusReport, Slug};

use super::bindings::{self, Binding, BindingError, Source};
use crate::bearer_auth::Actor;
use crate::board::{BoardError, components, reports};
use crate::database::Database;

/// The subject of the reports the integration records.
pub const SUBJECT: &str = "github";

/// A deployment status or a completed workflow run, as seen.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The deployment status's or the run's id.
    pub id: i64,
    /// Its state or conclusion.
    pub state: String,
    /// When GitHub says it happened.
    pub at: DateTime<Utc>,
    /// How it was seen.
    pub via: GithubVia,
}

/// Why applying failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Reading or writing the binding failed.
    #[error(transparent)]
    Binding(#[from] BindingError),
    /// Reading the component or recording the report failed.
    #[error(transparent)]
    Board(#[from] BoardError),
}

/// Applies `seen` to `binding`; answers whether a report was recorded.
pub async fn apply(
    database: &Database,
    binding: &Binding,
    seen: &Seen,
) -> Result<bool, ApplyError> {
    let status = binding.status_for(&seen.state);
    let observation = GithubObservation {
        id: seen.id,
        state: seen.state.clone(),
        status,
        at: seen.at,
        via: seen.via,
    };
    if !bindings::saw(database, &binding.component, &observation).await? {
        return Ok(false);
    }
    let Some(status) = status else {
        return Ok(false);
    };
    let slug = Slug::parse(&binding.component)
        .map_err(|e| BoardError::Unexpected(format!("a bound component's slug: {e}")))?;
    if components::get(database, &slug).await?.status == status {
        return Ok(false);
    }
    let (kind, what) = match &binding.source {
        Source::Deployments { environment } => (
            "deployment_status",
            format!("deployment of {} to {environment}", binding.repository),
        ),
        Source::Workflow { file, branch } => (
            "workflow_run",
            format!("{file} on {branch} of {}", binding.repository),
        ),
    };
    let report = NewStatusReport {
        status,
        message: format!("GitHub: {what}: {} ({kind} {})", seen.state, seen.id),
    };
    let key = format!("github:{kind}:{}", seen.id);
    reports::record(
        database,
        &slug,
        &report,
        &Actor::internal(SUBJECT),
        Some(&key),
    )
    .await?;
    Ok(true)
}
