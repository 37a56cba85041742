//! The `system` endpoints: liveness, readiness, and what the server says about itself
//! (its OpenAPI document and docs page).

use dropshot::{Body, HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext};
use http::Response;
use statusboard_api::{Health, HealthStatus, NotReady, Readiness, ReadyResponse};

use crate::context::ApiContext;
use crate::docs;
use crate::respond::respond;

/// `GET /api/v1/health`: always `ok`; touches nothing.
pub async fn health(
    rqctx: RequestContext<ApiContext>,
) -> Result<HttpResponseHeaders<HttpResponseOk<Health>>, HttpError> {
    respond(&rqctx, async {
        Ok(HttpResponseHeaders::new_unnamed(HttpResponseOk(Health {
            status: HealthStatus::Ok,
        })))
    })
    .await
}

/// `GET /api/v1/ready`: `200` when the database answers and the schema is migrated, else
/// `503` saying why.
pub async fn ready(rqctx: RequestContext<ApiContext>) -> Result<ReadyResponse, NotReady> {
    respond(&rqctx, async {
        let result = match rqctx.context().check_ready().await {
            Ok(()) => Ok(Readiness {
                status: HealthStatus::Ok,
                database: HealthStatus::Ok,
            }),
            Err(e) => Err(NotReady::database_unavailable(
                &rqctx.request_id,
                e.reason(),
            )),
        };
        Ok(ReadyResponse::new(result))
    })
    .await
}

/// `GET /api/v1/openapi.json`: the latest checked-in document.
pub async fn openapi_document(
    rqctx: RequestContext<ApiContext>,
) -> Result<Response<Body>, HttpError> {
    respond(&rqctx, async { docs::openapi_response() }).await
}

/// `GET /api/v1/docs`: the Redoc page.
pub async fn docs_page(rqctx: RequestContext<ApiContext>) -> Result<Response<Body>, HttpError> {
    respond(&rqctx, async { docs::page_response() }).await
}

/// `GET /api/v1/docs/redoc.standalone.js`: the script the docs page loads.
pub async fn docs_script(rqctx: RequestContext<ApiContext>) -> Result<Response<Body>, HttpError> {
    respond(&rqctx, async { docs::redoc_response() }).await
}
