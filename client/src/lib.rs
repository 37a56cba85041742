//! Typed Rust client for the statusboard API.
//!
//! Everything here is generated at build time by [progenitor] from
//! `openapi/statusboard.json`, the checked-in OpenAPI document, so the client cannot
//! drift from the document (and CI keeps the document equal to the server's API). Each
//! operation of the document is a method of [`Client`] named after its `operationId`,
//! documented with the operation's description; the request and response types live in
//! [`types`].
//!
//! ```no_run
//! use statusboard_client::{Client, types::HealthStatus};
//!
//! # async fn example() -> Result<(), statusboard_client::Error<statusboard_client::types::Error>> {
//! let client = Client::new("https://statusboard.example.com");
//! let health = client.health().await?.into_inner();
//! assert_eq!(health.status, HealthStatus::Ok);
//! # Ok(())
//! # }
//! ```
//!
//! To set timeouts, default headers or TLS options, configure a [`reqwest::Client`] and
//! pass it to [`Client::new_with_client`]:
//!
//! ```no_run
//! use std::time::Duration;
//! use statusboard_client::ClientInfo;
//!
//! let http = reqwest::Client::builder()
//!     .connect_timeout(Duration::from_secs(5))
//!     .timeout(Duration::from_secs(15))
//!     .build()
//!     .expect("a valid reqwest configuration");
//! let client = statusboard_client::Client::new_with_client("https://statusboard.example.com", http);
//! assert_eq!(client.baseurl(), "https://statusboard.example.com");
//! ```
//!
//! [progenitor]: https://github.com/oxidecomputer/progenitor

// The generated code carries the document's descriptions as doc comments.
#![allow(missing_docs, missing_debug_implementations, clippy::all)]

progenitor::generate_api!(
    spec = "../openapi/statusboard/statusboard-latest.json",
    derives = [schemars::JsonSchema],
    hooks = Expected,
);

mod failure;

pub use failure::Failure;

/// Every request goes out as progenitor sends it (with the `api-version` header of the
/// document the client is built from); every error answer is screened so that its status
/// is never lost (see [`Failure`]).
impl progenitor_client::ClientHooks for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &progenitor_client::OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client.execute(request).await?;
        failure::screen(response, info.operation_id).await
    }
}

/// Re-exported so that users need not depend on reqwest themselves to configure a client.
pub use reqwest;
