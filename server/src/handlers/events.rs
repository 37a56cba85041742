//! The `events` endpoint: the live board over a WebSocket, in the messages of the
//! request's API version.

use dropshot::{
    ClientErrorStatusCode, ErrorStatusCode, HttpError, Query, RequestContext,
    WebsocketEndpointResult, WebsocketUpgrade,
};
use http::header::{self, HeaderValue};
use statusboard_api::{ChangesQuery, Deferred, DeferredBody, EventsQuery};

use crate::context::ApiContext;
use crate::live::backlog::{Protocol, Start};
use crate::live::subscriber;
use crate::respond::{Upgraded, respond};

/// How long a client refused for too many subscribers is asked to wait.
const RETRY_AFTER_SECONDS: &str = "5";

/// `GET /api/v1/events` in API 3.0.0: reports only, resumed after a report id.
pub async fn events_v3(
    rqctx: RequestContext<ApiContext>,
    query: Deferred<Query<EventsQuery>>,
    upgrade: DeferredBody<WebsocketUpgrade>,
) -> WebsocketEndpointResult {
    let after = query.get().map(|query| query.into_inner().after);
    serve(rqctx, Protocol::Reports, after, upgrade).await
}

/// `GET /api/v1/events` from API 4.0.0 on: the change log.
pub async fn events(
    rqctx: RequestContext<ApiContext>,
    query: Deferred<Query<ChangesQuery>>,
    upgrade: DeferredBody<WebsocketUpgrade>,
) -> WebsocketEndpointResult {
    let after = query.get().map(|query| query.into_inner().after);
    serve(rqctx, Protocol::Changes, after, upgrade).await
}

/// Refuses a browser from another origin (`403`) and a subscriber over the server's cap
/// (`503` with `Retry-After`), both before any upgrade, then serves the subscriber (see
/// [`crate::live`]).
async fn serve(
    rqctx: RequestContext<ApiContext>,
    protocol: Protocol,
    after: Result<Option<i64>, HttpError>,
    upgrade: DeferredBody<WebsocketUpgrade>,
) -> WebsocketEndpointResult {
    respond(&rqctx, async {
        let context = rqctx.context();
        if !context.cors.may_open_socket(rqctx.request.headers()) {
            return Err(HttpError::for_client_error(
                Some("OriginNotAllowed".to_owned()),
                ClientErrorStatusCode::FORBIDDEN,
                "this origin may not open the live board: it is not in CORS_ORIGINS".to_owned(),
            ));
        }
        if context.hub.subscribers() >= context.live_max_subscribers {
            let mut error = HttpError {
                status_code: ErrorStatusCode::SERVICE_UNAVAILABLE,
                error_code: Some("TooManySubscribers".to_owned()),
                external_message: "this server has as many live board subscribers as it \
                                   holds: retry later"
                    .to_owned(),
                internal_message: "LIVE_MAX_SUBSCRIBERS reached".to_owned(),
                headers: None,
            };
            error.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
            return Err(error);
        }
        let upgrade = upgrade.get()?;
        let start = Start {
            protocol,
            after: after?,
            window: context.live_window,
        };
        let (hub, database) = (context.hub.clone(), context.database.clone());
        upgrade
            .handle(move |connection| subscriber::serve(hub, database, start, connection))
            .map(Upgraded)
    })
    .await
    .map(|upgraded| upgraded.0)
}
