//! The `events` endpoint's work: letting a subscriber of the live board in, in the
//! messages of the request's API version (see [`crate::live`]).

use dropshot::{HttpError, RequestContext, WebsocketUpgrade};
use http::header::{self, HeaderValue};
use statusboard_api::{ApiError, DeferredBody, ErrorCode, SwitchingToWebsocket};

use crate::context::ApiContext;
use crate::live::backlog::{Protocol, Start};
use crate::live::subscriber;

/// How long a client refused for too many subscribers is asked to wait.
const RETRY_AFTER_SECONDS: &str = "5";

/// Refuses a browser from another origin (`403`), a subscriber before the hub has caught
/// up with the log and one over the server's cap (`503` with `Retry-After`), all before
/// any upgrade, then serves the subscriber (see
/// [`crate::live`]).
pub async fn serve(
    rqctx: &RequestContext<ApiContext>,
    protocol: Protocol,
    after: Result<Option<i64>, HttpError>,
    upgrade: DeferredBody<WebsocketUpgrade>,
) -> Result<SwitchingToWebsocket, ApiError> {
    let context = rqctx.context();
    if !context.cors.may_open_socket(rqctx.request.headers()) {
        return Err(ApiError::new(
            ErrorCode::OriginNotAllowed,
            "this origin may not open the live board: it is not in CORS_ORIGINS",
        ));
    }
    if !context.hub.is_live() {
        // Until the hub has caught up with the log, it could miss what a subscriber needs.
        return Err(ApiError::new(
            ErrorCode::DatabaseUnavailable,
            "the live board is starting: it has not caught up with the change log yet",
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from_static("1")));
    }
    if context.hub.subscribers() >= context.live_max_subscribers {
        return Err(ApiError::new(
            ErrorCode::TooManySubscribers,
            "this server has as many live board subscribers as it holds: retry later",
        )
        .logging("LIVE_MAX_SUBSCRIBERS reached")
        .with_header(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECONDS),
        ));
    }
    let upgrade = upgrade.get()?;
    let start = Start {
        protocol,
        after: after?,
        window: context.live_window,
    };
    let (hub, database) = (context.hub.clone(), context.database.clone());
    Ok(upgrade.handle(move |connection| subscriber::serve(hub, database, start, connection))?)
}
