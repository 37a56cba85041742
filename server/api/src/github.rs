//! The GitHub integration (API 7.0.0 on): a component bound to a repository's deployments
//! to an environment, or to a workflow's runs on a branch, whose outcomes set the
//! component's status; and what GitHub's webhook deliveries are answered.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use dropshot::{ApiEndpointResponse, Body, HttpError, HttpResponse, HttpResponseOk};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::board::ComponentStatus;
use crate::wire_enum::wire_enum;

/// The states and conclusions a mapping may name: a deployment status's `state` and a
/// completed workflow run's `conclusion`, as GitHub spells them.
pub const GITHUB_STATES: [&str; 14] = [
    "success",
    "failure",
    "error",
    "inactive",
    "pending",
    "queued",
    "in_progress",
    "cancelled",
    "timed_out",
    "action_required",
    "neutral",
    "skipped",
    "stale",
    "startup_failure",
];

/// What a state sets when the binding's `mapping` does not name it: `success` →
/// `operational`, `failure` and `error` → `major_outage`; anything else changes nothing.
pub fn default_mapping() -> BTreeMap<String, ComponentStatus> {
    BTreeMap::from([
        ("success".to_owned(), ComponentStatus::Operational),
        ("failure".to_owned(), ComponentStatus::MajorOutage),
        ("error".to_owned(), ComponentStatus::MajorOutage),
    ])
}

/// Follow the latest deployment of the repository to an environment: its latest status.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct DeploymentsSource {
    /// The environment, as the deployments name it (`production`), 1 to 255 characters.
    #[schemars(length(min = 1, max = 255))]
    pub environment: String,
}

/// Follow a workflow's latest completed run on a branch: its conclusion.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct WorkflowSource {
    /// The workflow's file name under `.github/workflows/` (`deploy.yml`).
    #[schemars(length(min = 1, max = 255))]
    pub file: String,
    /// The branch (`main`).
    #[schemars(length(min = 1, max = 255))]
    pub branch: String,
}

/// A binding as it is asked for: a repository and exactly one source.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct GithubBindingUpdate {
    /// The repository, `owner/name`.
    #[schemars(length(min = 3, max = 200))]
    pub repository: String,
    /// Follow deployments (give this or `workflow`).
    #[serde(default)]
    pub deployments: Option<DeploymentsSource>,
    /// Follow a workflow's runs (give this or `deployments`).
    #[serde(default)]
    pub workflow: Option<WorkflowSource>,
    /// The status each state sets, over the defaults (`success` → `operational`,
    /// `failure` and `error` → `major_outage`); a state mapped to nothing changes
    /// nothing. Keys: a deployment status's `state` or a run's `conclusion`.
    #[serde(default)]
    pub mapping: BTreeMap<String, ComponentStatus>,
}

wire_enum! {
    /// Whether this server polls GitHub.
    GithubPolling ("github polling") {
        /// `GITHUB_TOKEN` is set: bindings are polled.
        Polling = "polling",
        /// `GITHUB_TOKEN` is not set: bindings are kept, nothing polls them (webhooks
        /// from GitHub still apply, when `GITHUB_WEBHOOK_SECRET` is set).
        NoToken = "no_token",
    }
}

wire_enum! {
    /// Where an observation came from.
    GithubVia ("github source") {
        /// Polling GitHub's API.
        Poll = "poll",
        /// A webhook delivery from GitHub.
        Webhook = "webhook",
    }
}

/// What the binding last saw on GitHub.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct GithubObservation {
    /// The deployment status's or the workflow run's id.
    pub id: i64,
    /// Its state (a deployment status) or conclusion (a run).
    pub state: String,
    /// The status it set the component to, when its state maps to one.
    pub status: Option<ComponentStatus>,
    /// When GitHub says it happened.
    pub at: DateTime<Utc>,
    /// How it was seen.
    pub via: GithubVia,
}

/// A component's binding to GitHub, and how polling it goes.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct GithubBinding {
    /// The component.
    pub component: String,
    /// The repository, `owner/name`.
    pub repository: String,
    /// Its deployments source, if it follows deployments.
    pub deployments: Option<DeploymentsSource>,
    /// Its workflow source, if it follows a workflow.
    pub workflow: Option<WorkflowSource>,
    /// The status each state sets (the defaults and the binding's own).
    pub mapping: BTreeMap<String, ComponentStatus>,
    /// Whether this server polls it.
    pub polling: GithubPolling,
    /// When it was last polled.
    pub last_poll_at: Option<DateTime<Utc>>,
    /// What went wrong at the last poll (a bad token, a missing repository, exhausted
    /// rate limits, GitHub's own errors); absent when it went well.
    pub last_error: Option<String>,
    /// What it last saw.
    pub last_seen: Option<GithubObservation>,
    /// When it was made or last changed.
    pub updated_at: DateTime<Utc>,
}

wire_enum! {
    /// What the server did with a webhook delivery from GitHub.
    GithubDeliveryOutcome ("github delivery outcome") {
        /// It concerned a bound component: its status was recorded or already was.
        Applied = "applied",
        /// This `X-GitHub-Delivery` was handled before.
        Duplicate = "duplicate",
        /// Not an event the server follows, or no binding follows it.
        Ignored = "ignored",
    }
}

/// The answer to a webhook delivery from GitHub: `200` when applied, `202` otherwise.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct GithubDelivery {
    /// What was done.
    pub outcome: GithubDeliveryOutcome,
    /// How many status reports it recorded.
    pub reports: u32,
}

impl HttpResponse for GithubDelivery {
    fn to_result(self) -> Result<http::Response<Body>, HttpError> {
        let status = HttpResponse::status_code(&self);
        let body =
            serde_json::to_vec(&self).map_err(|e| HttpError::for_internal_error(e.to_string()))?;
        http::Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, dropshot::CONTENT_TYPE_JSON)
            .body(Body::from(body))
            .map_err(|e| HttpError::for_internal_error(e.to_string()))
    }

    fn response_metadata() -> ApiEndpointResponse {
        let mut metadata = <HttpResponseOk<Self> as HttpResponse>::response_metadata();
        metadata.description =
            Some("`200` when the delivery was applied, `202` otherwise".to_owned());
        metadata
    }

    fn status_code(&self) -> http::StatusCode {
        match self.outcome {
            GithubDeliveryOutcome::Applied => http::StatusCode::OK,
            _ => http::StatusCode::ACCEPTED,
        }
    }
}
