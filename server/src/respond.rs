//! The one way a handler answers: [`respond`].
//!
//! Every endpoint's handler runs its work inside [`respond`], which turns its result,
//! success or error, into an [`Answered`] (so that an error goes out with headers too),
//! records the request's id in an error, logs the error's internal message, adds the
//! headers every answer carries (CORS and `Vary`, see
//! [`crate::cors`]; `Connection: close` while the server drains), and records it in the
//! metrics (count, latency, in flight; see
//! [`crate::metrics`]). A write that committed a change answers once the replica's board in
//! memory reflects it ([`crate::board::memory`]). Nothing else needs remembering when adding
//! an endpoint:
//!
//! ```ignore
//! async fn health(rqctx: RequestContext<ApiContext>) -> Answer<HttpResponseOk<Health>> {
//!     respond(&rqctx, async { Ok(HttpResponseOk(Health { status: HealthStatus::Ok })) }).await
//! }
//! ```

use std::time::Instant;

use dropshot::{HttpResponse, RequestContext};
use http::header::{self, HeaderValue};
use slog::info;
use statusboard_api::{Answer, Answered, ErrorBody};

use crate::context::ApiContext;
use crate::{changes, metrics};

/// How long a write waits for its replica's board in memory to reflect its change before
/// it answers anyway (the hub applies a change within milliseconds of its commit; longer
/// only while it reconnects to the database).
const APPLIED_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs a handler's `work` and answers its result, success or error, with the headers
/// every answer carries. Always `Ok`: the error travels inside the [`Answered`].
pub async fn respond<T, E>(
    rqctx: &RequestContext<ApiContext>,
    work: impl Future<Output = Result<T, E>>,
) -> Answer<T, E>
where
    T: HttpResponse,
    E: ErrorBody + std::fmt::Display,
{
    let started = Instant::now();
    let in_flight = metrics::InFlight::enter();
    let (mut result, written) = changes::tracking(work).await;
    if written > 0 && result.is_ok() {
        // The writer reads its own write on this replica.
        let memory = rqctx.context().hub.memory();
        if !memory.wait_applied(written, APPLIED_WITHIN).await {
            info!(rqctx.log, "the board in memory is behind the write"; "change" => written);
        }
    }
    if let Err(error) = &mut result {
        error.set_request_id(&rqctx.request_id);
        info!(rqctx.log, "request failed"; "error" => %error);
    }
    let mut answer = Answered::new(result);
    let status = answer.status();
    let context = rqctx.context();
    let headers = answer.headers_mut();
    context.cors.apply(rqctx.request.headers(), headers);
    if context.is_draining() {
        // Keep-alive clients reconnect, and the load balancer sends them elsewhere.
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    drop(in_flight);
    metrics::request(
        &rqctx.endpoint.operation_id,
        rqctx.request.method(),
        status,
        started.elapsed(),
    );
    Ok(answer)
}
