//! The implementation of [`StatusboardApi`]: the trait's methods hand each request to the
//! module of its resource, whose function runs the work inside
//! [`respond`](crate::respond::respond), the one wrapper that gives every answer its common
//! headers and metrics.
//!
//! | module | endpoints |
//! |---|---|
//! | [`system`] | health, readiness, the OpenAPI document and docs page |
//! | [`components`] | list, read, create or update, delete components |
//! | [`reports`] | record and list a component's status reports |
//! | [`auth`] | refresh a token pair |
//! | [`events`] | the live board (a WebSocket) |

pub mod auth;
pub mod components;
pub mod events;
pub mod reports;
pub mod system;

use dropshot::{
    Body, EmptyScanParams, Header, HttpError, HttpResponseCreated, HttpResponseDeleted,
    HttpResponseHeaders, HttpResponseOk, PaginationParams, Path, Query, RequestContext,
    ResultsPage, TypedBody, WebsocketEndpointResult, WebsocketUpgrade,
};
use http::Response;
use statusboard_api::{
    Bearer, ChangesQuery, Component, ComponentPath, ComponentSaved, ComponentUpdate,
    ComponentsPage, ComponentsWrite, Deferred, DeferredBody, EventsQuery, Health,
    IdempotencyKeyHeader, NewStatusReport, NotReady, ReadyResponse, RefreshRequest, ReportsPage,
    ReportsScan, ReportsWrite, StatusReport, StatusboardApi, TokenResponse,
};

use crate::context::ApiContext;

/// The most items a page holds, whatever `limit` asks (dropshot's own bound is 10,000,
/// which would let a few anonymous requests build hundreds of megabytes).
pub const MAX_PAGE_ITEMS: u32 = 1000;

/// The number of items the page `params` asks for: its `limit` (100 when left out), at
/// most [`MAX_PAGE_ITEMS`].
fn page_limit<S, P>(
    rqctx: &RequestContext<ApiContext>,
    params: &PaginationParams<S, P>,
) -> Result<u32, HttpError>
where
    S: serde::de::DeserializeOwned,
    P: serde::de::DeserializeOwned + serde::Serialize,
{
    Ok(rqctx.page_limit(params)?.get().min(MAX_PAGE_ITEMS))
}

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

    async fn list_components(
        rqctx: RequestContext<ApiContext>,
        query: Deferred<Query<PaginationParams<EmptyScanParams, ComponentsPage>>>,
    ) -> Result<HttpResponseHeaders<HttpResponseOk<ResultsPage<Component>>>, HttpError> {
        components::list(rqctx, query).await
    }

    async fn get_component(
        rqctx: RequestContext<ApiContext>,
        path: Deferred<Path<ComponentPath>>,
    ) -> Result<HttpResponseHeaders<HttpResponseOk<Component>>, HttpError> {
        components::get(rqctx, path).await
    }

    async fn put_component(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<ComponentsWrite>,
        path: Deferred<Path<ComponentPath>>,
        body: DeferredBody<TypedBody<ComponentUpdate>>,
    ) -> Result<ComponentSaved, HttpError> {
        components::put(rqctx, auth, path, body).await
    }

    async fn delete_component(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<ComponentsWrite>,
        path: Deferred<Path<ComponentPath>>,
    ) -> Result<HttpResponseHeaders<HttpResponseDeleted>, HttpError> {
        components::delete(rqctx, auth, path).await
    }

    async fn create_report(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<ReportsWrite>,
        idempotency: Deferred<Header<IdempotencyKeyHeader>>,
        path: Deferred<Path<ComponentPath>>,
        body: DeferredBody<TypedBody<NewStatusReport>>,
    ) -> Result<HttpResponseHeaders<HttpResponseCreated<StatusReport>>, HttpError> {
        reports::create(rqctx, auth, idempotency, path, body).await
    }

    async fn list_reports(
        rqctx: RequestContext<ApiContext>,
        path: Deferred<Path<ComponentPath>>,
        query: Deferred<Query<PaginationParams<ReportsScan, ReportsPage>>>,
    ) -> Result<HttpResponseHeaders<HttpResponseOk<ResultsPage<StatusReport>>>, HttpError> {
        reports::list(rqctx, path, query).await
    }

    async fn refresh_token(
        rqctx: RequestContext<ApiContext>,
        body: DeferredBody<TypedBody<RefreshRequest>>,
    ) -> Result<HttpResponseHeaders<HttpResponseOk<TokenResponse>>, HttpError> {
        auth::refresh(rqctx, body).await
    }

    async fn events_v3(
        rqctx: RequestContext<ApiContext>,
        query: Deferred<Query<EventsQuery>>,
        upgrade: DeferredBody<WebsocketUpgrade>,
    ) -> WebsocketEndpointResult {
        events::events_v3(rqctx, query, upgrade).await
    }

    async fn events(
        rqctx: RequestContext<ApiContext>,
        query: Deferred<Query<ChangesQuery>>,
        upgrade: DeferredBody<WebsocketUpgrade>,
    ) -> WebsocketEndpointResult {
        events::events(rqctx, query, upgrade).await
    }
}
