//! GitHub's objects as the fake answers them and as its webhooks carry them: each built
//! from GitHub's published schema ([`example`]) with the fields a test cares about set,
//! and read back through the type progenitor generates from that schema ([`read_as`]).

use serde_json::{Value, json};

use super::examples::{example, payloads, rest};
use super::types;

/// GitHub's error body (`basic-error`).
pub(super) fn error(message: &str) -> Value {
    example(
        rest(),
        "basic-error",
        &[
            ("/message", json!(message)),
            ("/documentation_url", json!("https://docs.github.com/rest")),
        ],
    )
}

/// Panics unless `value` reads as `T`, one of the types generated from GitHub's schemas.
pub(super) fn read_as<T: serde::de::DeserializeOwned>(value: &Value) {
    if let Err(e) = serde_json::from_value::<T>(value.clone()) {
        panic!(
            "the fake's answer is not GitHub's shape ({}): {e}\n{value:#}",
            std::any::type_name::<T>()
        );
    }
}

/// A deployment.
pub(super) fn deployment(repository: &str, id: i64, environment: &str) -> Value {
    example(
        rest(),
        "deployment",
        &[
            ("/id", json!(id)),
            ("/environment", json!(environment)),
            ("/ref", json!("main")),
            ("/task", json!("deploy")),
            (
                "/url",
                json!(format!(
                    "https://api.github.com/repos/{repository}/deployments/{id}"
                )),
            ),
        ],
    )
}

/// A status of the deployment `deployment`.
pub(super) fn deployment_status(
    repository: &str,
    deployment: i64,
    environment: &str,
    id: i64,
    state: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Value {
    example(
        rest(),
        "deployment-status",
        &[
            ("/id", json!(id)),
            ("/state", json!(state)),
            ("/environment", json!(environment)),
            ("/created_at", json!(at)),
            (
                "/deployment_url",
                json!(format!(
                    "https://api.github.com/repos/{repository}/deployments/{deployment}"
                )),
            ),
        ],
    )
}

/// A completed run of the workflow `file`.
pub(super) fn workflow_run(
    repository: &str,
    id: i64,
    file: &str,
    branch: &str,
    conclusion: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Value {
    example(
        rest(),
        "workflow-run",
        &[
            ("/id", json!(id)),
            ("/path", json!(format!(".github/workflows/{file}"))),
            ("/head_branch", json!(branch)),
            ("/status", json!("completed")),
            ("/conclusion", json!(conclusion)),
            ("/updated_at", json!(at)),
            ("/repository/full_name", json!(repository)),
        ],
    )
}

/// A webhook delivery's body for the event `kind` (`deployment_status`, `workflow_run`),
/// built from GitHub's payload schema with `fields` set and read back as its generated
/// type; and the `X-Hub-Signature-256` that `secret` gives it.
pub fn signed_payload(kind: &str, fields: &[(&str, Value)], secret: &str) -> (Vec<u8>, String) {
    let value = match kind {
        "deployment_status" => {
            let value = example(payloads(), "webhook-deployment-status-created", fields);
            read_as::<types::payloads::types::WebhookDeploymentStatusCreated>(&value);
            value
        }
        "workflow_run" => {
            let value = example(payloads(), "webhook-workflow-run-completed", fields);
            read_as::<types::payloads::types::WebhookWorkflowRunCompleted>(&value);
            value
        }
        other => panic!("no payload for {other}"),
    };
    let body = serde_json::to_vec(&value).expect("JSON");
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, &body);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    (body, format!("sha256={hex}"))
}
