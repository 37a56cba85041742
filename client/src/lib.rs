//! Typed Rust client for the statusboard API.
//!
//! Everything here is generated at build time by [progenitor] from
//! `openapi/statusboard/statusboard-latest.json`, the checked-in OpenAPI document, so the client cannot
//! drift from the document (and CI keeps the document equal to the server's API). Each
//! operation of the document is a method of [`Client`] named after its `operationId`,
//! documented with the operation's description; the request and response types live in
//! [`types`].
//!
//! A client is a base URL and a [`Session`] (its tokens, if any). Reading the board needs
//! no token; paginated operations also come as `…_stream` methods that fetch page after
//! page:
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use statusboard_client::{Client, Session};
//!
//! # async fn example() -> Result<(), statusboard_client::Error<statusboard_client::types::ApiError>> {
//! let client = Client::new("https://statusboard.example.com", Session::anonymous());
//! let components: Vec<_> = client.list_components().stream().try_collect().await?;
//! for component in components {
//!     println!("{}: {:?}", component.name, component.status);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Changing it needs a token with the operation's scope (the operation's docs name it),
//! given once to the session. With a token pair, a `401` is answered by refreshing the
//! pair once and sending the request again. [`Client::record_report`] retries transient
//! failures with one `Idempotency-Key`, so a report is recorded once:
//!
//! ```no_run
//! use statusboard_client::types::{ComponentStatus, NewStatusReport, TokenResponse};
//! use statusboard_client::{Client, Retry, Session};
//!
//! # async fn example(pair: TokenResponse) -> Result<(), Box<dyn std::error::Error>> {
//! // `pair`: the JSON that `statusboard-server token issue` printed.
//! let client = Client::new("https://statusboard.example.com", Session::with_tokens(&pair)?);
//! let report = NewStatusReport {
//!     status: ComponentStatus::DegradedPerformance,
//!     message: "p99 latency above 2 s".parse()?, // at most 2,000 characters
//! };
//! let recorded = client.record_report("checkout-api", &report, &Retry::default()).await?;
//! println!("recorded as report {}", recorded.id);
//! # Ok(())
//! # }
//! ```
//!
//! `put_component` answers `201 Created` for a new component and `200` for an update;
//! the document can show one success status per operation, so the client hands both to
//! the method as `200`, and a new component's answer keeps its `Location` header.
//!
//! To set timeouts, default headers or TLS options, configure a [`reqwest::Client`] and
//! pass it to [`Client::new_with_client`]:
//!
//! ```no_run
//! use std::time::Duration;
//! use statusboard_client::{ClientInfo, Session};
//!
//! let http = reqwest::Client::builder()
//!     .connect_timeout(Duration::from_secs(5))
//!     .timeout(Duration::from_secs(15))
//!     .build()
//!     .expect("a valid reqwest configuration");
//! let client = statusboard_client::Client::new_with_client(
//!     "https://statusboard.example.com",
//!     http,
//!     Session::anonymous(),
//! );
//! assert_eq!(client.baseurl(), "https://statusboard.example.com");
//! ```
//!
//! [progenitor]: https://github.com/oxidecomputer/progenitor

// The generated code carries the document's descriptions as doc comments.
#![allow(missing_docs, missing_debug_implementations, clippy::all)]

progenitor::generate_api!(
    spec = "../openapi/statusboard/statusboard-latest.json",
    derives = [schemars::JsonSchema, PartialEq],
    hooks = Expected,
    inner_type = crate::Session,
    interface = Builder,
);

mod failure;
mod live;
mod retry;
mod session;
mod tokens;
pub mod webhooks;

pub use failure::Failure;
pub use live::{BoardEvent, LiveError, Subscription};
pub use retry::Retry;
pub use session::{InvalidToken, Session};
pub use tokens::{FileTokenStore, TokenStore};

/// The README's Rust snippets, compiled as doc tests so that they cannot drift from the
/// client.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeSnippets;

/// Every request goes out as progenitor sends it (with the `api-version` header of the
/// document the client is built from); every error answer is screened so that its status
/// is never lost (see [`Failure`]).
impl progenitor_client::ClientHooks<Session> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &progenitor_client::OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        use progenitor_client::ClientInfo;
        let response = session::execute(
            &self.inner,
            &self.client,
            &self.baseurl,
            Self::api_version(),
            request,
        )
        .await?;
        let response = failure::as_documented(response, info.operation_id).await?;
        failure::screen(response, info.operation_id).await
    }

    /// A call whose refresh could not save its new pair fails saying so (see
    /// [`TokenStore::save`]).
    async fn post<E>(
        &self,
        _result: &reqwest::Result<reqwest::Response>,
        _info: &progenitor_client::OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        match self.inner.take_unsaved().await {
            Some(unsaved) => Err(progenitor_client::Error::Custom(unsaved)),
            None => Ok(()),
        }
    }
}

/// Re-exported so that users need not depend on reqwest themselves to configure a client.
pub use reqwest;
