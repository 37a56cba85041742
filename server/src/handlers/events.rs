//! The `events` endpoint: the live board over a WebSocket.

use dropshot::{
    ClientErrorStatusCode, HttpError, Query, RequestContext, WebsocketEndpointResult,
    WebsocketUpgrade,
};
use statusboard_api::{Deferred, DeferredBody, EventsQuery};

use crate::context::ApiContext;
use crate::live::subscriber::{self, Start};
use crate::respond::{Upgraded, respond};

/// `GET /api/v1/events`: refuses a browser from another origin (`403`, before any
/// upgrade), then serves the subscriber (see [`crate::live`]).
pub async fn events(
    rqctx: RequestContext<ApiContext>,
    query: Deferred<Query<EventsQuery>>,
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
        let upgrade = upgrade.get()?;
        let after = query.get()?.into_inner().after;
        let start = Start {
            after,
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
