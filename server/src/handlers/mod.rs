//! The implementation of [`StatusboardApi`]: each endpoint's handler, written once, here.
//!
//! A handler runs its work inside [`respond`], the one wrapper that turns its result into
//! the answer (an error too goes out with the common headers), and hands the work to the
//! module that owns it: [`crate::board`] for components and reports, [`crate::grants`]
//! for tokens, [`events`] for the live board, [`crate::docs`] for the docs. A write first
//! gets its [`Actor`](crate::bearer_auth::Actor) from
//! [`authorize`], which the board's writes require.
//!
//! The operations of the versions before 5.0.0 are the trait's own (`…_v4`): they answer
//! the same, described with dropshot's `Error` schema.

pub mod events;

use dropshot::{
    EmptyScanParams, HttpResponseCreated, HttpResponseDeleted, HttpResponseOk, PaginationParams,
    Path, Query, RequestContext, ResultsPage, TypedBody, WebsocketUpgrade, WhichPage,
};
use http::Response;
use statusboard_api::{
    Answer, ApiError, Bearer, ChangesQuery, Component, ComponentPath, ComponentSaved,
    ComponentUpdate, ComponentsPage, ComponentsWrite, Deferred, DeferredBody, EventsQuery, Health,
    HealthStatus, IdempotencyKey, LegacyAnswer, NewStatusReport, NotReady, Readiness,
    RefreshRequest, ReportsPage, ReportsScan, ReportsWrite, Slug, StatusReport, StatusboardApi,
    SwitchingToWebsocket, TokenResponse,
};

use crate::bearer_auth::authorize;
use crate::board::{components, reports};
use crate::context::ApiContext;
use crate::live::backlog::Protocol;
use crate::respond::respond;
use crate::{docs, grants, versioning};

/// The most items a page holds, whatever `limit` asks (dropshot's own bound is 10,000,
/// which would let a few anonymous requests build hundreds of megabytes).
pub const MAX_PAGE_ITEMS: u32 = 1000;

/// The number of items the page `params` asks for: its `limit` (100 when left out), at
/// most [`MAX_PAGE_ITEMS`].
fn page_limit<S, P>(
    rqctx: &RequestContext<ApiContext>,
    params: &PaginationParams<S, P>,
) -> Result<u32, ApiError>
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

    async fn health(rqctx: RequestContext<ApiContext>) -> Answer<HttpResponseOk<Health>> {
        respond(&rqctx, async {
            Ok::<_, ApiError>(HttpResponseOk(Health {
                status: HealthStatus::Ok,
            }))
        })
        .await
    }

    async fn ready(
        rqctx: RequestContext<ApiContext>,
    ) -> Answer<HttpResponseOk<Readiness>, NotReady> {
        respond(&rqctx, async {
            match rqctx.context().check_ready().await {
                Ok(()) => Ok(HttpResponseOk(Readiness {
                    status: HealthStatus::Ok,
                    database: HealthStatus::Ok,
                })),
                Err(e) => {
                    // The whole story for the operator; the client learns what it may.
                    slog::warn!(rqctx.log, "not ready"; "error" => %e);
                    Err(NotReady::database_unavailable(&rqctx.request_id, e.shown()))
                }
            }
        })
        .await
    }

    async fn openapi_document(
        rqctx: RequestContext<ApiContext>,
    ) -> Answer<Response<dropshot::Body>> {
        respond(&rqctx, async { Ok(docs::openapi_response()?) }).await
    }

    async fn docs_page(rqctx: RequestContext<ApiContext>) -> Answer<Response<dropshot::Body>> {
        respond(&rqctx, async { Ok(docs::page_response()?) }).await
    }

    async fn docs_script(rqctx: RequestContext<ApiContext>) -> Answer<Response<dropshot::Body>> {
        respond(&rqctx, async { Ok(docs::redoc_response()?) }).await
    }

    async fn list_components(
        rqctx: RequestContext<ApiContext>,
        query: Deferred<Query<PaginationParams<EmptyScanParams, ComponentsPage>>>,
    ) -> Answer<HttpResponseOk<ResultsPage<Component>>> {
        respond(&rqctx, async {
            let params = query.get()?.into_inner();
            let limit = page_limit(&rqctx, &params)?;
            let after = match &params.page {
                WhichPage::First(_) => None,
                WhichPage::Next(page) => Some(page.after()?),
            };
            let after = after.as_ref().map(Slug::as_str);
            let items = components::list(&rqctx.context().database, after, limit).await?;
            let page = ResultsPage::new(items, &EmptyScanParams {}, |last: &Component, _| {
                ComponentsPage {
                    after: last.slug.clone(),
                }
            })?;
            Ok(HttpResponseOk(page))
        })
        .await
    }

    async fn get_component(
        rqctx: RequestContext<ApiContext>,
        path: Deferred<Path<ComponentPath>>,
    ) -> Answer<HttpResponseOk<Component>> {
        respond(&rqctx, async {
            let slug = path.get()?.into_inner().slug()?;
            let component = components::get(&rqctx.context().database, &slug).await?;
            Ok(HttpResponseOk(component))
        })
        .await
    }

    async fn put_component(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<ComponentsWrite>,
        path: Deferred<Path<ComponentPath>>,
        body: DeferredBody<TypedBody<ComponentUpdate>>,
    ) -> Answer<ComponentSaved> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let slug = path.get()?.into_inner().slug()?;
            let update = body.get()?.into_inner();
            let (component, created) =
                components::put(&context.database, &slug, &update, &actor).await?;
            Ok(ComponentSaved::new(component, created))
        })
        .await
    }

    async fn delete_component(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<ComponentsWrite>,
        path: Deferred<Path<ComponentPath>>,
    ) -> Answer<HttpResponseDeleted> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let slug = path.get()?.into_inner().slug()?;
            components::delete(&context.database, &slug, &actor).await?;
            Ok(HttpResponseDeleted())
        })
        .await
    }

    async fn create_report(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<ReportsWrite>,
        idempotency: IdempotencyKey,
        path: Deferred<Path<ComponentPath>>,
        body: DeferredBody<TypedBody<NewStatusReport>>,
    ) -> Answer<HttpResponseCreated<StatusReport>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let key = idempotency.get()?;
            let slug = path.get()?.into_inner().slug()?;
            let report = body.get()?.into_inner();
            let recorded =
                reports::record(&context.database, &slug, &report, &actor, key.as_deref()).await?;
            Ok(HttpResponseCreated(recorded))
        })
        .await
    }

    async fn list_reports(
        rqctx: RequestContext<ApiContext>,
        path: Deferred<Path<ComponentPath>>,
        query: Deferred<Query<PaginationParams<ReportsScan, ReportsPage>>>,
    ) -> Answer<HttpResponseOk<ResultsPage<StatusReport>>> {
        respond(&rqctx, async {
            let params = query.get()?.into_inner();
            let limit = page_limit(&rqctx, &params)?;
            let (scan, after) = match params.page {
                WhichPage::First(scan) => (scan, None),
                WhichPage::Next(page) => {
                    let page = page.checked()?;
                    (
                        ReportsScan { since: page.since },
                        Some((page.reported_at, page.id)),
                    )
                }
            };
            let slug = path.get()?.into_inner().slug()?;
            let database = &rqctx.context().database;
            let items = reports::list(database, &slug, scan.since, after, limit).await?;
            let page = ResultsPage::new(items, &scan, |last: &StatusReport, scan| ReportsPage {
                since: scan.since,
                reported_at: last.reported_at,
                id: last.id,
            })?;
            Ok(HttpResponseOk(page))
        })
        .await
    }

    async fn events_v3(
        rqctx: RequestContext<ApiContext>,
        query: Deferred<Query<EventsQuery>>,
        upgrade: DeferredBody<WebsocketUpgrade>,
    ) -> LegacyAnswer<SwitchingToWebsocket> {
        let after = query.get().map(|query| query.into_inner().after);
        Ok(respond(
            &rqctx,
            events::serve(&rqctx, Protocol::Reports, after, upgrade),
        )
        .await?)
    }

    async fn events(
        rqctx: RequestContext<ApiContext>,
        query: Deferred<Query<ChangesQuery>>,
        upgrade: DeferredBody<WebsocketUpgrade>,
    ) -> Answer<SwitchingToWebsocket> {
        let after = query.get().map(|query| query.into_inner().after);
        let request = &rqctx.request;
        // The router chose this endpoint, so the version is a supported one.
        let major = versioning::supported()
            .for_parts(request.headers(), request.uri())
            .map_or(u64::MAX, |version| version.major);
        let protocol = Protocol::Changes { major };
        respond(&rqctx, events::serve(&rqctx, protocol, after, upgrade)).await
    }

    async fn refresh_token(
        rqctx: RequestContext<ApiContext>,
        body: DeferredBody<TypedBody<RefreshRequest>>,
    ) -> Answer<HttpResponseOk<TokenResponse>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let request = body.get()?.into_inner();
            let pair =
                grants::refresh(&context.database, &context.auth, &request.refresh_token).await?;
            Ok(HttpResponseOk(pair))
        })
        .await
    }
}
