//! The types progenitor generates from GitHub's published descriptions: what the fake
//! GitHub's answers and the tests' webhook payloads must read as.
#![allow(missing_docs, clippy::all, unused, unreachable_pub)]

/// GitHub's REST API (deployments, deployment statuses, workflow runs, rate limit).
pub mod rest {
    progenitor::generate_api!(spec = "github/rest-api-trimmed.json", interface = Builder);
}

/// GitHub's webhook payloads (`deployment_status`, `workflow_run`).
pub mod payloads {
    progenitor::generate_api!(
        spec = "github/webhook-payloads-trimmed.json",
        interface = Builder
    );
}
