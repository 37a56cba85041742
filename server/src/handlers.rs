//! The implementation of [`StatusboardApi`]: one function per endpoint, each passing its
//! result through the CORS policy.

use dropshot::{Body, HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext};
use http::Response;

use crate::context::ApiContext;
use crate::docs;
use statusboard_api::{Health, HealthStatus, NotReady, Readiness, ReadyResponse, StatusboardApi};

/// The type that implements the API trait; it is never constructed.
#[derive(Debug)]
pub enum StatusboardImpl {}

impl StatusboardApi for StatusboardImpl {
    type Context = ApiContext;

    async fn health(
        rqctx: RequestContext<ApiContext>,
    ) -> Result<HttpResponseHeaders<HttpResponseOk<Health>>, HttpError> {
        let result = Ok(HttpResponseOk(Health {
            status: HealthStatus::Ok,
        }));
        rqctx
            .context()
            .cors
            .respond(rqctx.request.headers(), result)
    }

    async fn ready(rqctx: RequestContext<ApiContext>) -> Result<ReadyResponse, NotReady> {
        let context = rqctx.context();
        let result = match context.check_ready().await {
            Ok(()) => Ok(Readiness {
                status: HealthStatus::Ok,
                database: HealthStatus::Ok,
            }),
            Err(e) => Err(NotReady::database_unavailable(
                &rqctx.request_id,
                e.reason(),
            )),
        };
        let mut response = ReadyResponse::new(result);
        context
            .cors
            .apply(rqctx.request.headers(), response.headers_mut());
        Ok(response)
    }

    async fn openapi_document(
        rqctx: RequestContext<ApiContext>,
    ) -> Result<Response<Body>, HttpError> {
        rqctx
            .context()
            .cors
            .respond_raw(rqctx.request.headers(), docs::openapi_response())
    }

    async fn docs_page(rqctx: RequestContext<ApiContext>) -> Result<Response<Body>, HttpError> {
        rqctx
            .context()
            .cors
            .respond_raw(rqctx.request.headers(), docs::page_response())
    }

    async fn docs_script(rqctx: RequestContext<ApiContext>) -> Result<Response<Body>, HttpError> {
        rqctx
            .context()
            .cors
            .respond_raw(rqctx.request.headers(), docs::redoc_response())
    }
}
