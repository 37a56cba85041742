//! The HTTP API, declared once as a dropshot API trait.
//!
//! The trait is the contract: `openapi/statusboard.json` is generated from it (through
//! [`statusboard_api_mod::stub_api_description`], which needs no implementation), the
//! client crate is generated from that document, and [`crate::handlers`] implements it.
//! Doc comments on the endpoints become the document's summaries and descriptions.

mod readiness;

use dropshot::{Body, HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext};
use http::Response;
pub use readiness::{NotReady, NotReadyStatus, Readiness, ReadyResponse};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

    /// The OpenAPI document of this API (the checked-in `openapi/statusboard.json`).
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
