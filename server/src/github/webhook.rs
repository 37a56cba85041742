//! GitHub's webhook deliveries: the signature checked (`X-Hub-Signature-256`, HMAC-SHA256
//! of the raw body with `GITHUB_WEBHOOK_SECRET`, compared in constant time), a delivery
//! handled once (`X-GitHub-Delivery`), and the two events the integration follows,
//! `deployment_status` and `workflow_run` (`completed`), applied to the bindings that
//! follow them as polling would. The payloads are read for the few fields used only, so
//! that GitHub's additions never refuse a delivery.

use aws_lc_rs::hmac;
use chrono::{DateTime, Utc};
use http::HeaderMap;
use serde::Deserialize;
use statusboard_api::{ApiError, ErrorCode, GithubDelivery, GithubDeliveryOutcome, GithubVia};
use tokio_postgres::types::Type;

use super::bindings;
use super::observe::{self, Seen};
use crate::config::Secret;
use crate::database::{Database, DatabaseError};

/// Whether `signature` (`sha256=<hex>`) is `secret`'s for `body`.
pub fn signed(secret: &Secret, signature: Option<&str>, body: &[u8]) -> bool {
    let Some(tag) = signature
        .and_then(|s| s.strip_prefix("sha256="))
        .and_then(decode_hex)
    else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.expose().as_bytes());
    // Constant time.
    hmac::verify(&key, body, &tag).is_ok()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// An event the integration follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A deployment status was created.
    DeploymentStatus {
        /// `owner/name`.
        repository: String,
        /// The deployment's environment.
        environment: String,
        /// The status's id.
        id: i64,
        /// Its state.
        state: String,
        /// When it was made.
        at: DateTime<Utc>,
    },
    /// A workflow run completed.
    WorkflowRun {
        /// `owner/name`.
        repository: String,
        /// The workflow's file name (the last part of its path).
        file: String,
        /// The run's branch.
        branch: String,
        /// The run's id.
        id: i64,
        /// Its conclusion.
        conclusion: String,
        /// When it last changed.
        at: DateTime<Utc>,
    },
}

#[derive(Deserialize)]
struct Repository {
    full_name: String,
}

#[derive(Deserialize)]
struct DeploymentStatusPayload {
    deployment_status: StatusPart,
    deployment: DeploymentPart,
    repository: Repository,
}

#[derive(Deserialize)]
struct StatusPart {
    id: i64,
    state: String,
    created_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct DeploymentPart {
    environment: String,
}

#[derive(Deserialize)]
struct WorkflowRunPayload {
    action: String,
    workflow_run: RunPart,
    repository: Repository,
}

#[derive(Deserialize)]
struct RunPart {
    id: i64,
    path: String,
    head_branch: Option<String>,
    conclusion: Option<String>,
    updated_at: DateTime<Utc>,
}

/// The event `kind` (`X-GitHub-Event`) with `body`, if the integration follows it;
/// `Err` when a followed event's body is not GitHub's shape.
pub fn parse(kind: &str, body: &[u8]) -> Result<Option<Event>, serde_json::Error> {
    match kind {
        "deployment_status" => {
            let payload: DeploymentStatusPayload = serde_json::from_slice(body)?;
            Ok(Some(Event::DeploymentStatus {
                repository: payload.repository.full_name,
                environment: payload.deployment.environment,
                id: payload.deployment_status.id,
                state: payload.deployment_status.state,
                at: payload.deployment_status.created_at,
            }))
        }
        "workflow_run" => {
            let payload: WorkflowRunPayload = serde_json::from_slice(body)?;
            let run = payload.workflow_run;
            let (Some(conclusion), Some(branch)) = (run.conclusion, run.head_branch) else {
                return Ok(None);
            };
            if payload.action != "completed" {
                return Ok(None);
            }
            let file = run.path.rsplit('/').next().unwrap_or_default().to_owned();
            Ok(Some(Event::WorkflowRun {
                repository: payload.repository.full_name,
                file,
                branch,
                id: run.id,
                conclusion,
                at: run.updated_at,
            }))
        }
        _ => Ok(None),
    }
}

/// Handles one delivery: `secret` is `GITHUB_WEBHOOK_SECRET`.
pub async fn receive(
    database: &Database,
    secret: Option<&Secret>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<GithubDelivery, ApiError> {
    let Some(secret) = secret else {
        return Err(ApiError::new(
            ErrorCode::IntegrationNotConfigured,
            "GitHub's webhooks are not configured on this server: set GITHUB_WEBHOOK_SECRET",
        ));
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if !signed(secret, header("x-hub-signature-256"), body) {
        return Err(ApiError::new(
            ErrorCode::InvalidSignature,
            "X-Hub-Signature-256 is missing or is not the HMAC-SHA256 of the body with \
             GITHUB_WEBHOOK_SECRET",
        ));
    }
    let ignored = GithubDelivery {
        outcome: GithubDeliveryOutcome::Ignored,
        reports: 0,
    };
    let event = match parse(header("x-github-event").unwrap_or_default(), body) {
        Ok(Some(event)) => event,
        Ok(None) => return Ok(ignored),
        Err(e) => {
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                format!("the payload is not GitHub's: {e}"),
            ));
        }
    };
    if let Some(delivery) = header("x-github-delivery")
        && !first_time(database, delivery).await?
    {
        return Ok(GithubDelivery {
            outcome: GithubDeliveryOutcome::Duplicate,
            reports: 0,
        });
    }
    let (following, seen) = match event {
        Event::DeploymentStatus {
            repository,
            environment,
            id,
            state,
            at,
        } => (
            bindings::following_deployments(database, &repository, &environment).await,
            Seen {
                id,
                state,
                at,
                via: GithubVia::Webhook,
            },
        ),
        Event::WorkflowRun {
            repository,
            file,
            branch,
            id,
            conclusion,
            at,
        } => (
            bindings::following_workflow(database, &repository, &file, &branch).await,
            Seen {
                id,
                state: conclusion,
                at,
                via: GithubVia::Webhook,
            },
        ),
    };
    let following = following?;
    if following.is_empty() {
        return Ok(ignored);
    }
    let mut reports = 0;
    for binding in &following {
        if observe::apply(database, binding, &seen)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?
        {
            reports += 1;
        }
    }
    Ok(GithubDelivery {
        outcome: GithubDeliveryOutcome::Applied,
        reports,
    })
}

/// Whether the delivery `id` is new (and remembers it).
async fn first_time(database: &Database, id: &str) -> Result<bool, DatabaseError> {
    let id: String = id.chars().take(100).collect();
    let connection = database.connection().await?;
    let rows = connection
        .client()
        .query_typed(
            "INSERT INTO github_deliveries (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING 1",
            &[(&id, Type::TEXT)],
        )
        .await?;
    Ok(!rows.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_the_hmac_of_the_raw_body_with_the_secret() {
        // GitHub's documented example: secret "It's a Secret to Everybody", payload
        // "Hello, World!".
        let secret = Secret::new("It's a Secret to Everybody");
        let signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert!(signed(&secret, Some(signature), b"Hello, World!"));
        assert!(!signed(&secret, Some(signature), b"Hello, World?"));
        assert!(!signed(
            &Secret::new("another"),
            Some(signature),
            b"Hello, World!"
        ));
        assert!(!signed(&secret, None, b"Hello, World!"));
        assert!(!signed(&secret, Some("sha1=757107"), b"Hello, World!"));
    }
}
