//! The implementation of [`StatusboardApi`]: the trait's methods hand each request to the
//! module of its resource, whose function runs the work inside
//! [`respond`](crate::respond::respond), the one wrapper that gives every answer its common
//! headers and metrics.
//!
//! | module | endpoints |
//! |---|---|
//! | [`system`] | health, readiness, the OpenAPI document and docs page |

pub mod system;

use dropshot::{Body, HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext};
use http::Response;
use statusboard_api::{Health, NotReady, ReadyResponse, StatusboardApi};

use crate::context::ApiContext;

/// The type that implements the API trait; it is never constructed.
#[derive(Debug)]
pub enum StatusboardImpl {}

impl StatusboardApi for StatusboardImpl {
    type Context = ApiContext;

    async fn health(
        rqctx: RequestContext<ApiContext>,
    ) -> Result<HttpResponseHeaders<HttpResponseOk<Health>>, HttpError> {
        system::health(rqctx).await
    }

    async fn ready(rqctx: RequestContext<ApiContext>) -> Result<ReadyResponse, NotReady> {
        system::ready(rqctx).await
    }

    async fn openapi_document(
        rqctx: RequestContext<ApiContext>,
    ) -> Result<Response<Body>, HttpError> {
        system::openapi_document(rqctx).await
    }

    async fn docs_page(rqctx: RequestContext<ApiContext>) -> Result<Response<Body>, HttpError> {
        system::docs_page(rqctx).await
    }

    async fn docs_script(rqctx: RequestContext<ApiContext>) -> Result<Response<Body>, HttpError> {
        system::docs_script(rqctx).await
    }
}
