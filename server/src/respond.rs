//! The one way a handler answers: [`respond`].
//!
//! Every endpoint's handler runs its work inside [`respond`], which adds to the answer,
//! success or error, the headers every answer carries (CORS and `Vary`, see
//! [`crate::cors`]; `Connection: close` while the server drains), and records it in the
//! metrics (count, latency, in flight; see
//! [`crate::metrics`]). Nothing else needs remembering when adding an endpoint:
//!
//! ```ignore
//! async fn health(rqctx: RequestContext<ApiContext>) -> Result<HttpResponseHeaders<HttpResponseOk<Health>>, HttpError> {
//!     respond(&rqctx, async {
//!         Ok(HttpResponseHeaders::new_unnamed(HttpResponseOk(Health { status: HealthStatus::Ok })))
//!     })
//!     .await
//! }
//! ```

use std::time::Instant;

use dropshot::{
    Body, HttpCodedResponse, HttpError, HttpResponse, HttpResponseError, HttpResponseHeaders,
    RequestContext,
};
use http::header::{self, HeaderValue};
use http::{HeaderMap, Response, StatusCode};
use statusboard_api::{ComponentSaved, NotReady, ReadyResponse};

use crate::context::ApiContext;
use crate::metrics;

/// Runs a handler's `work` and adds the headers every answer carries to its result.
pub async fn respond<R, E>(
    rqctx: &RequestContext<ApiContext>,
    work: impl Future<Output = Result<R, E>>,
) -> Result<R, E>
where
    R: Answer,
    E: Answer,
{
    let started = Instant::now();
    let in_flight = metrics::InFlight::enter();
    let mut result = work.await;
    let (status, headers) = match &mut result {
        Ok(answer) => (answer.status(), answer.headers_mut()),
        Err(error) => (error.status(), error.headers_mut()),
    };
    if let Some(headers) = headers {
        let context = rqctx.context();
        context.cors.apply(rqctx.request.headers(), headers);
        if context.is_draining() {
            // Keep-alive clients reconnect, and the load balancer sends them elsewhere.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
    }
    drop(in_flight);
    metrics::request(
        &rqctx.endpoint.operation_id,
        rqctx.request.method(),
        status,
        started.elapsed(),
    );
    result
}

/// What a handler can answer: something with a status that carries headers (or, for an
/// error type that cannot, says so).
pub trait Answer {
    /// The status the answer goes out with.
    fn status(&self) -> StatusCode;
    /// The headers sent with the answer; `None` when this type cannot carry any.
    fn headers_mut(&mut self) -> Option<&mut HeaderMap>;
}

impl<T: HttpCodedResponse> Answer for HttpResponseHeaders<T> {
    fn status(&self) -> StatusCode {
        T::STATUS_CODE
    }
    fn headers_mut(&mut self) -> Option<&mut HeaderMap> {
        Some(HttpResponseHeaders::headers_mut(self))
    }
}

impl Answer for Response<Body> {
    fn status(&self) -> StatusCode {
        Response::status(self)
    }
    fn headers_mut(&mut self) -> Option<&mut HeaderMap> {
        Some(Response::headers_mut(self))
    }
}

impl Answer for ReadyResponse {
    fn status(&self) -> StatusCode {
        HttpResponse::status_code(self)
    }
    fn headers_mut(&mut self) -> Option<&mut HeaderMap> {
        Some(ReadyResponse::headers_mut(self))
    }
}

impl Answer for ComponentSaved {
    fn status(&self) -> StatusCode {
        HttpResponse::status_code(self)
    }
    fn headers_mut(&mut self) -> Option<&mut HeaderMap> {
        Some(ComponentSaved::headers_mut(self))
    }
}

/// The `101` of a WebSocket upgrade (what `WebsocketUpgrade::handle` answers), whose
/// headers dropshot writes itself; its refusals are ordinary errors, with their headers.
#[derive(Debug)]
pub struct Upgraded<T>(pub T);

impl<T> Answer for Upgraded<T> {
    fn status(&self) -> StatusCode {
        StatusCode::SWITCHING_PROTOCOLS
    }
    fn headers_mut(&mut self) -> Option<&mut HeaderMap> {
        None
    }
}

impl Answer for HttpError {
    fn status(&self) -> StatusCode {
        self.status_code.as_status()
    }
    fn headers_mut(&mut self) -> Option<&mut HeaderMap> {
        Some(HttpError::headers_mut(self))
    }
}

/// Dropshot's custom error types carry no headers: `/ready` answers its `503` through
/// [`ReadyResponse`] instead, and returns this error type only for the record.
impl Answer for NotReady {
    fn status(&self) -> StatusCode {
        HttpResponseError::status_code(self).as_status()
    }
    fn headers_mut(&mut self) -> Option<&mut HeaderMap> {
        None
    }
}
