//! The implementation of [`StatusboardApi`]: one function per endpoint, each passing its
//! result through the CORS policy.

use dropshot::{HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext};

use crate::api::{Health, HealthStatus, StatusboardApi};
use crate::context::ApiContext;

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
}
