//! The statusboard HTTP API, declared once as a dropshot API trait, with its types and
//! its versions: the contract everything else follows.
//!
//! * The OpenAPI documents under `openapi/statusboard/` are generated from the trait
//!   (through [`statusboard_api_mod::stub_api_description`], which needs no
//!   implementation) by `cargo xtask openapi generate`, one per version in
//!   [`supported_versions`].
//! * The clients (`client/`) are generated from those documents.
//! * The server (`statusboard-server`) implements the trait and serves every supported
//!   version, chosen by the request's [`VERSION_HEADER`].
//!
//! Doc comments on the endpoints become the documents' summaries and descriptions.
//!
//! This crate has no implementation and depends on no database, JWT or runtime crate, so
//! that generating the documents compiles only what they need.
//!
//! # Changing the API
//!
//! A version that is on `main` is released: its document must never change in a way a
//! client could see. To change the API, add a version to the list below (newest first),
//! mark what changed with `versions = VERSION_<NAME>..` (new or changed endpoints) or
//! `versions = ..VERSION_<NAME>` (what the new version retires), and run
//! `cargo xtask openapi generate`. Until it reaches `main`, a new version may change freely.

mod readiness;

use dropshot_api_manager_types::api_versions;

use dropshot::{Body, HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext};
use http::Response;
pub use readiness::{NotReady, NotReadyStatus, Readiness, ReadyResponse};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

api_versions!([
    // Newest first. To add a version, copy the line below, above itself, with the next
    // major number and a name for the change, e.g. `(2, UPTIME_IN_HEALTH),`.
    (1, INITIAL),
]);

/// The name the API manager gives the documents: `openapi/statusboard/statusboard-*.json`.
pub const IDENT: &str = "statusboard";

/// The documents' title.
pub const TITLE: &str = "Statusboard API";

/// The documents' description.
pub const DESCRIPTION: &str = "The statusboard backend's HTTP API. Every path lives under \
    `/api/v1`; errors carry dropshot's JSON error body (`request_id`, `message`, \
    `error_code`). Clients choose the API version with the `api-version` request header \
    (without it, the latest version answers). Browsers may call it from the origins listed \
    in the server's `CORS_ORIGINS`, with credentials.";

/// The request header that names the API version a client speaks (`api-version: 1.0.0`).
/// Progenitor's clients send it on every request.
pub const VERSION_HEADER: &str = "api-version";

/// The statusboard API. Every path lives under `/api/v1`.
#[dropshot::api_description {
    tag_config = {
        allow_other_tags = false,
        policy = dropshot::EndpointTagPolicy::ExactlyOne,
        tags = {
            "system" = {
                description = "Liveness and readiness of the service, for load balancers and \
                               orchestrators.",
            },
        },
    },
}]
pub trait StatusboardApi {
    /// The server context every handler receives.
    type Context;

    /// Check that the service is alive.
    ///
    /// Answers `{"status": "ok"}` whenever the process serves HTTP. It needs no
    /// authentication and does not touch the database, so it stays up while the database
    /// is down; use it as a liveness probe.
    #[endpoint {
        method = GET,
        path = "/api/v1/health",
        operation_id = "health",
        tags = ["system"],
    }]
    async fn health(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseHeaders<HttpResponseOk<Health>>, HttpError>;

    /// Check that the service is ready to serve traffic.
    ///
    /// Answers `200` with `{"status": "ok", "database": "ok"}` when a database connection
    /// checks out, answers `SELECT 1` and the schema migrations are applied, all within
    /// `DATABASE_CONNECT_TIMEOUT_SECONDS`. Otherwise answers `503` with
    /// `{"status": "unavailable", "database": "<why>"}` (plus the usual `request_id`,
    /// `error_code` and `message` of an error). Use it as a readiness probe: it recovers
    /// by itself when the database comes back.
    #[endpoint {
        method = GET,
        path = "/api/v1/ready",
        operation_id = "ready",
        tags = ["system"],
    }]
    async fn ready(rqctx: RequestContext<Self::Context>) -> Result<ReadyResponse, NotReady>;

    /// The OpenAPI document of the latest API version (the checked-in
    /// `openapi/statusboard/statusboard-latest.json`).
    #[endpoint {
        method = GET,
        path = "/api/v1/openapi.json",
        operation_id = "openapi_document",
        tags = ["system"],
        unpublished = true,
    }]
    async fn openapi_document(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, HttpError>;

    /// Human-readable API documentation (Redoc), served without any CDN.
    #[endpoint {
        method = GET,
        path = "/api/v1/docs",
        operation_id = "docs_page",
        tags = ["system"],
        unpublished = true,
    }]
    async fn docs_page(rqctx: RequestContext<Self::Context>) -> Result<Response<Body>, HttpError>;

    /// The Redoc script the docs page loads.
    #[endpoint {
        method = GET,
        path = "/api/v1/docs/redoc.standalone.js",
        operation_id = "docs_script",
        tags = ["system"],
        unpublished = true,
    }]
    async fn docs_script(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, HttpError>;
}

/// The answer of the liveness check.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Health {
    /// Always `ok` when the service answers.
    pub status: HealthStatus,
}

/// The state of the service or one of its parts.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Working.
    Ok,
}
