//! The implementation of [`StatusboardApi`]: one function per endpoint, each running its
//! work inside [`respond`], the one wrapper that gives every answer its common headers.

use dropshot::{Body, HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext};
use http::Response;
use statusboard_api::{Health, HealthStatus, NotReady, Readiness, ReadyResponse, StatusboardApi};

use crate::context::ApiContext;
use crate::docs;
use crate::respond::respond;

/// The type that implements the API trait; it is never constructed.
#[derive(Debug)]
pub enum StatusboardImpl {}

impl StatusboardApi for StatusboardImpl {
    type Context = ApiContext;

    async fn health(
        rqctx: RequestContext<ApiContext>,
    ) -> Result<HttpResponseHeaders<HttpResponseOk<Health>>, HttpError> {
        respond(&rqctx, async {
            Ok(HttpResponseHeaders::new_unnamed(HttpResponseOk(Health {
                status: HealthStatus::Ok,
            })))
        })
        .await
    }

    async fn ready(rqctx: RequestContext<ApiContext>) -> Result<ReadyResponse, NotReady> {
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

    async fn openapi_document(
        rqctx: RequestContext<ApiContext>,
    ) -> Result<Response<Body>, HttpError> {
        respond(&rqctx, async { docs::openapi_response() }).await
    }

    async fn docs_page(rqctx: RequestContext<ApiContext>) -> Result<Response<Body>, HttpError> {
        respond(&rqctx, async { docs::page_response() }).await
    }

    async fn docs_script(rqctx: RequestContext<ApiContext>) -> Result<Response<Body>, HttpError> {
        respond(&rqctx, async { docs::redoc_response() }).await
    }
}
