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
mod reads;

use dropshot::{
    EmptyScanParams, HttpResponseAccepted, HttpResponseCreated, HttpResponseDeleted,
    HttpResponseOk, Path, Query, RequestContext, ResultsPage, UntypedBody, WebsocketUpgrade,
    WhichPage,
};
use http::Response;
use statusboard_api::{
    Answer, ApiError, Bearer, ChangesQuery, Component, ComponentPath, ComponentSaved,
    ComponentUpdate, ComponentsPage, ComponentsWrite, Deferred, DeferredBody, DeliveriesPage,
    DeliveryAttempt, DeliveryPath, EventsQuery, GithubBinding, GithubBindingUpdate,
    GithubDelivery, Health, HealthStatus, IdempotencyKey, Incident, IncidentPath, IncidentState,
    IncidentsPage, IncidentsScan, IncidentsWrite, LegacyAnswer, Maintenance, MaintenancePath,
    MaintenancesPage, MaintenancesScan, NewIncident, NewIncidentUpdate, NewMaintenance,
    NewMaintenanceUpdate, NewStatusReport, NewWebhook, NotReady, Readiness, RefreshRequest,
    ReportsPage, ReportsScan, ReportsWrite, Slug, SlugPath, StatusReport, StatusboardApi, Summary,
    SwitchingToWebsocket, TokenResponse, Webhook, WebhookCreated, WebhookPath, WebhookSecret,
    WebhooksPage, WebhooksWrite, v5,
};
use statusboard_api::{
    Atom, BADGE_DAYS_DEFAULT, Cacheable, CacheableJson, ComponentUptime, Rendered, ShieldsBadge,
    Svg, UPTIME_DAYS_DEFAULT, UptimeBadgeQuery, UptimePage, UptimeRange, UptimeScan,
};
use statusboard_api::{BoardState, DatabaseState, ObjectBody, PageQuery, Serialized};

use crate::bearer_auth::authorize;
use crate::board::BoardError;
use crate::board::components::{self, Group};
use crate::board::memory::Snapshot;
use crate::board::uptime::{self, Range};
use crate::board::{incidents, maintenances, reports};
use crate::conditional::cacheable;
use crate::context::ApiContext;
use crate::database::DatabaseError;
use crate::github::{bindings, webhook};
use crate::history::badge::Badge;
use crate::history::{BADGE_CACHE_CONTROL, FEED_CACHE_CONTROL, feed};
use crate::live::backlog::Protocol;
use crate::respond::respond;
use crate::webhooks::subscriptions;

use crate::{docs, grants, versioning};
use reads::{from_board, from_board_or, page_limit, svg_answer, today};

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
            let context = rqctx.context();
            let memory = context.hub.memory();
            let (board, stale) = (memory.current(), memory.stale_for());
            let checked = context.check_ready().await;
            let readiness = |database, board: &Snapshot| {
                HttpResponseOk(Readiness {
                    status: HealthStatus::Ok,
                    database,
                    board: BoardState {
                        change: board.change,
                        changed_at: board.changed_at,
                        stale_seconds: stale.map(|age| age.as_secs()),
                    },
                    github: context.github_polling,
                })
            };
            match (checked, board) {
                (Ok(()), Some(board)) => Ok(readiness(DatabaseState::Ok, &board)),
                // The database is gone, but the board it last gave can carry the service
                // for a while: reads answer from it, marked stale.
                (Err(e), Some(board))
                    if !context.is_draining()
                        && context.hub.is_live()
                        && !context.ready_max_stale.is_zero()
                        && stale.is_none_or(|age| age <= context.ready_max_stale) =>
                {
                    slog::warn!(rqctx.log, "ready on the board in memory"; "error" => %e);
                    Ok(readiness(DatabaseState::Unavailable, &board))
                }
                (checked, _) => {
                    let e = checked.err().unwrap_or_else(|| {
                        DatabaseError::unavailable("the board is not loaded yet")
                    });
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
        query: Deferred<PageQuery<EmptyScanParams, ComponentsPage>>,
    ) -> Answer<HttpResponseOk<ResultsPage<Component>>> {
        let params = query.get().map(PageQuery::into_inner);
        from_board(&rqctx, |board| {
            let params = params?;
            let limit = page_limit(&rqctx, &params)?;
            let after = match &params.page {
                WhichPage::First(_) => None,
                WhichPage::Next(page) => Some(page.after()?),
            };
            let items = board.components(after.as_ref().map(Slug::as_str), limit as usize);
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
        path: Deferred<SlugPath>,
    ) -> Answer<HttpResponseOk<Component>> {
        let slug = path.get().map(SlugPath::into_slug);
        from_board(&rqctx, |board| {
            let slug = slug?;
            match board.component(slug.as_str()) {
                Some(component) => Ok(HttpResponseOk(component.clone())),
                None => Err(BoardError::ComponentNotFound(slug.to_string()).into()),
            }
        })
        .await
    }

    async fn put_component(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<ComponentsWrite>,
        path: Deferred<SlugPath>,
        body: DeferredBody<ObjectBody<ComponentUpdate>>,
    ) -> Answer<ComponentSaved> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let slug = path.get()?.into_slug();
            let update = body.get()?.into_inner();
            let (component, created) =
                components::put(&context.database, &slug, &update, Group::Replace, &actor).await?;
            Ok(ComponentSaved::new(component, created))
        })
        .await
    }

    async fn put_component_v5(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<ComponentsWrite>,
        path: Deferred<Path<ComponentPath>>,
        body: DeferredBody<ObjectBody<v5::ComponentUpdate>>,
    ) -> Answer<ComponentSaved<v5::Component>, v5::ApiError> {
        let answer = respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let slug = path.and_then(SlugPath::try_from).get()?.into_slug();
            let v5::ComponentUpdate { name, description } = body.get()?.into_inner();
            let update = ComponentUpdate {
                name,
                description,
                group: None,
            };
            let (component, created) =
                components::put(&context.database, &slug, &update, Group::Keep, &actor).await?;
            Ok::<_, ApiError>(ComponentSaved::new(component, created))
        })
        .await;
        statusboard_api::earlier(answer, |saved| saved.map(Into::into))
    }

    async fn delete_component(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<ComponentsWrite>,
        path: Deferred<SlugPath>,
    ) -> Answer<HttpResponseDeleted> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let slug = path.get()?.into_slug();
            components::delete(&context.database, &slug, &actor).await?;
            Ok(HttpResponseDeleted())
        })
        .await
    }

    async fn create_report(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<ReportsWrite>,
        idempotency: IdempotencyKey,
        path: Deferred<SlugPath>,
        body: DeferredBody<ObjectBody<NewStatusReport>>,
    ) -> Answer<HttpResponseCreated<StatusReport>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let key = idempotency.get()?;
            let slug = path.get()?.into_slug();
            let report = body.get()?.into_inner();
            let recorded =
                reports::record(&context.database, &slug, &report, &actor, key.as_deref()).await?;
            Ok(HttpResponseCreated(recorded))
        })
        .await
    }

    async fn list_reports(
        rqctx: RequestContext<ApiContext>,
        path: Deferred<SlugPath>,
        query: Deferred<PageQuery<ReportsScan, ReportsPage>>,
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
            let slug = path.get()?.into_slug();
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
        body: DeferredBody<ObjectBody<RefreshRequest>>,
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

    async fn create_incident(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<IncidentsWrite>,
        idempotency: IdempotencyKey,
        body: DeferredBody<ObjectBody<NewIncident>>,
    ) -> Answer<HttpResponseCreated<Incident>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let key = idempotency.get()?;
            let incident = body.get()?.into_inner();
            let opened =
                incidents::open(&context.database, &incident, &actor, key.as_deref()).await?;
            Ok(HttpResponseCreated(opened))
        })
        .await
    }

    async fn list_incidents(
        rqctx: RequestContext<ApiContext>,
        query: Deferred<PageQuery<IncidentsScan, IncidentsPage>>,
    ) -> Answer<HttpResponseOk<ResultsPage<Incident>>> {
        let asked = query.get().map_err(ApiError::from).and_then(|params| {
            let params = params.into_inner();
            let limit = page_limit(&rqctx, &params)?;
            Ok(match params.page {
                WhichPage::First(scan) => (scan, None, limit),
                WhichPage::Next(page) => (
                    IncidentsScan { state: page.state },
                    Some(page.before),
                    limit,
                ),
            })
        });
        let page = |scan: &IncidentsScan, items| {
            let page = ResultsPage::new(items, scan, |last: &Incident, scan| IncidentsPage {
                state: scan.state,
                before: last.id,
            })?;
            Ok(HttpResponseOk(page))
        };
        let (scan, before, limit) = match asked {
            Ok(asked) => asked,
            Err(e) => return respond(&rqctx, async { Err(e) }).await,
        };
        let held = |board: &Snapshot| {
            if scan.state != IncidentState::Unresolved {
                return None;
            }
            let items = board.unresolved_incidents(before, limit as usize)?;
            Some(page(&scan, items))
        };
        from_board_or(&rqctx, held, async {
            let database = &rqctx.context().database;
            page(
                &scan,
                incidents::list(database, scan.state, before, limit).await?,
            )
        })
        .await
    }

    async fn get_incident(
        rqctx: RequestContext<ApiContext>,
        path: Deferred<Path<IncidentPath>>,
    ) -> Answer<HttpResponseOk<Incident>> {
        let id = match path.get() {
            Ok(path) => path.into_inner().id,
            Err(e) => return respond(&rqctx, async { Err(e.into()) }).await,
        };
        let held = |board: &Snapshot| Some(Ok(HttpResponseOk(board.incident(id)?.clone())));
        from_board_or(&rqctx, held, async {
            let incident = incidents::get(&rqctx.context().database, id).await?;
            Ok(HttpResponseOk(incident))
        })
        .await
    }

    async fn create_incident_update(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<IncidentsWrite>,
        idempotency: IdempotencyKey,
        path: Deferred<Path<IncidentPath>>,
        body: DeferredBody<ObjectBody<NewIncidentUpdate>>,
    ) -> Answer<HttpResponseCreated<Incident>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let key = idempotency.get()?;
            let id = path.get()?.into_inner().id;
            let update = body.get()?.into_inner();
            let updated =
                incidents::update(&context.database, id, &update, &actor, key.as_deref()).await?;
            Ok(HttpResponseCreated(updated))
        })
        .await
    }

    async fn create_maintenance(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<IncidentsWrite>,
        idempotency: IdempotencyKey,
        body: DeferredBody<ObjectBody<NewMaintenance>>,
    ) -> Answer<HttpResponseCreated<Maintenance>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let key = idempotency.get()?;
            let maintenance = body.get()?.into_inner();
            let announced =
                maintenances::announce(&context.database, &maintenance, &actor, key.as_deref())
                    .await?;
            Ok(HttpResponseCreated(announced))
        })
        .await
    }

    async fn list_maintenances(
        rqctx: RequestContext<ApiContext>,
        query: Deferred<PageQuery<MaintenancesScan, MaintenancesPage>>,
    ) -> Answer<HttpResponseOk<ResultsPage<Maintenance>>> {
        let asked = query.get().map_err(ApiError::from).and_then(|params| {
            let params = params.into_inner();
            let limit = page_limit(&rqctx, &params)?;
            Ok(match params.page {
                WhichPage::First(scan) => (scan, None, limit),
                WhichPage::Next(page) => {
                    let page = page.checked()?;
                    let after = Some((page.scheduled_for, page.id));
                    (MaintenancesScan { state: page.state }, after, limit)
                }
            })
        });
        let (scan, after, limit) = match asked {
            Ok(asked) => asked,
            Err(e) => return respond(&rqctx, async { Err(e) }).await,
        };
        let page = |items| {
            let page =
                ResultsPage::new(items, &scan, |last: &Maintenance, scan| MaintenancesPage {
                    state: scan.state,
                    scheduled_for: last.scheduled_for,
                    id: last.id,
                })?;
            Ok(HttpResponseOk(page))
        };
        let held = |board: &Snapshot| {
            let items = board.maintenances(scan.state, after, limit as usize)?;
            Some(page(items))
        };
        from_board_or(&rqctx, held, async {
            let database = &rqctx.context().database;
            page(maintenances::list(database, scan.state, after, limit).await?)
        })
        .await
    }

    async fn get_maintenance(
        rqctx: RequestContext<ApiContext>,
        path: Deferred<Path<MaintenancePath>>,
    ) -> Answer<HttpResponseOk<Maintenance>> {
        let id = match path.get() {
            Ok(path) => path.into_inner().id,
            Err(e) => return respond(&rqctx, async { Err(e.into()) }).await,
        };
        let held = |board: &Snapshot| Some(Ok(HttpResponseOk(board.maintenance(id)?.clone())));
        from_board_or(&rqctx, held, async {
            let maintenance = maintenances::get(&rqctx.context().database, id).await?;
            Ok(HttpResponseOk(maintenance))
        })
        .await
    }

    async fn create_maintenance_update(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<IncidentsWrite>,
        idempotency: IdempotencyKey,
        path: Deferred<Path<MaintenancePath>>,
        body: DeferredBody<ObjectBody<NewMaintenanceUpdate>>,
    ) -> Answer<HttpResponseCreated<Maintenance>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let key = idempotency.get()?;
            let id = path.get()?.into_inner().id;
            let update = body.get()?.into_inner();
            let updated =
                maintenances::update(&context.database, id, &update, &actor, key.as_deref())
                    .await?;
            Ok(HttpResponseCreated(updated))
        })
        .await
    }

    async fn get_summary(
        rqctx: RequestContext<ApiContext>,
    ) -> Answer<HttpResponseOk<Serialized<Summary>>> {
        from_board(&rqctx, |board| {
            let summary = board
                .summary()
                .map_err(|e| BoardError::Unexpected(e.to_string()))?;
            Ok(HttpResponseOk(summary))
        })
        .await
    }

    async fn create_webhook(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<WebhooksWrite>,
        body: DeferredBody<ObjectBody<NewWebhook>>,
    ) -> Answer<HttpResponseCreated<WebhookCreated>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let new = body.get()?.into_inner();
            let private = context.webhook_allow_private_networks;
            let (webhook, secret) =
                subscriptions::create(&context.database, &new, &actor, private).await?;
            Ok(HttpResponseCreated(WebhookCreated {
                webhook,
                secret: secret.expose(),
            }))
        })
        .await
    }

    async fn list_webhooks(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<WebhooksWrite>,
        query: Deferred<PageQuery<EmptyScanParams, WebhooksPage>>,
    ) -> Answer<HttpResponseOk<ResultsPage<Webhook>>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let params = query.get()?.into_inner();
            let limit = page_limit(&rqctx, &params)?;
            let after = match &params.page {
                WhichPage::First(_) => 0,
                WhichPage::Next(page) => page.after,
            };
            let items = subscriptions::list(&context.database, &actor, after, limit).await?;
            let page = ResultsPage::new(items, &EmptyScanParams {}, |last: &Webhook, _| {
                WebhooksPage { after: last.id }
            })?;
            Ok(HttpResponseOk(page))
        })
        .await
    }

    async fn get_webhook(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<WebhooksWrite>,
        path: Deferred<Path<WebhookPath>>,
    ) -> Answer<HttpResponseOk<Webhook>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let id = path.get()?.into_inner().id;
            Ok(HttpResponseOk(
                subscriptions::get(&context.database, &actor, id).await?,
            ))
        })
        .await
    }

    async fn delete_webhook(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<WebhooksWrite>,
        path: Deferred<Path<WebhookPath>>,
    ) -> Answer<HttpResponseDeleted> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let id = path.get()?.into_inner().id;
            subscriptions::delete(&context.database, &actor, id).await?;
            Ok(HttpResponseDeleted())
        })
        .await
    }

    async fn rotate_webhook_secret(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<WebhooksWrite>,
        path: Deferred<Path<WebhookPath>>,
    ) -> Answer<HttpResponseOk<WebhookSecret>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let id = path.get()?.into_inner().id;
            let (secret, previous_secret_until) =
                subscriptions::rotate(&context.database, &actor, id).await?;
            Ok(HttpResponseOk(WebhookSecret {
                secret: secret.expose(),
                previous_secret_until,
            }))
        })
        .await
    }

    async fn list_webhook_deliveries(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<WebhooksWrite>,
        path: Deferred<Path<WebhookPath>>,
        query: Deferred<PageQuery<EmptyScanParams, DeliveriesPage>>,
    ) -> Answer<HttpResponseOk<ResultsPage<DeliveryAttempt>>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let id = path.get()?.into_inner().id;
            let params = query.get()?.into_inner();
            let limit = page_limit(&rqctx, &params)?;
            let before = match &params.page {
                WhichPage::First(_) => None,
                WhichPage::Next(page) => Some(page.before),
            };
            let items =
                subscriptions::attempts(&context.database, &actor, id, before, limit).await?;
            let page =
                ResultsPage::new(items, &EmptyScanParams {}, |last: &DeliveryAttempt, _| {
                    DeliveriesPage { before: last.id }
                })?;
            Ok(HttpResponseOk(page))
        })
        .await
    }

    async fn retry_webhook_delivery(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<WebhooksWrite>,
        path: Deferred<Path<DeliveryPath>>,
    ) -> Answer<HttpResponseAccepted<Webhook>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let DeliveryPath { id, delivery } = path.get()?.into_inner();
            let webhook = subscriptions::retry(&context.database, &actor, id, delivery).await?;
            Ok(HttpResponseAccepted(webhook))
        })
        .await
    }

    async fn put_github_binding(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<ComponentsWrite>,
        path: Deferred<SlugPath>,
        body: DeferredBody<ObjectBody<GithubBindingUpdate>>,
    ) -> Answer<HttpResponseOk<GithubBinding>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let slug = path.get()?.into_slug();
            let update = body.get()?.into_inner();
            let polling = context.github_polling;
            let binding =
                bindings::put(&context.database, &slug, &update, &actor, polling).await?;
            Ok(HttpResponseOk(binding))
        })
        .await
    }

    async fn get_github_binding(
        rqctx: RequestContext<ApiContext>,
        path: Deferred<SlugPath>,
    ) -> Answer<HttpResponseOk<GithubBinding>> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let slug = path.get()?.into_slug();
            let binding = bindings::get(&context.database, &slug, context.github_polling).await?;
            Ok(HttpResponseOk(binding))
        })
        .await
    }

    async fn delete_github_binding(
        rqctx: RequestContext<ApiContext>,
        auth: Bearer<ComponentsWrite>,
        path: Deferred<SlugPath>,
    ) -> Answer<HttpResponseDeleted> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let actor = authorize(context, &auth)?;
            let slug = path.get()?.into_slug();
            bindings::delete(&context.database, &slug, &actor).await?;
            Ok(HttpResponseDeleted())
        })
        .await
    }

    async fn receive_github_webhook(
        rqctx: RequestContext<ApiContext>,
        body: DeferredBody<UntypedBody>,
    ) -> Answer<GithubDelivery> {
        respond(&rqctx, async {
            let context = rqctx.context();
            let body = body.get()?;
            let secret = context.github_webhook_secret.as_ref();
            let headers = rqctx.request.headers();
            webhook::receive(&context.database, secret, headers, body.as_bytes()).await
        })
        .await
    }

    async fn get_component_uptime(
        rqctx: RequestContext<ApiContext>,
        path: Deferred<SlugPath>,
        query: Deferred<Query<UptimeRange>>,
    ) -> Answer<HttpResponseOk<ComponentUptime>> {
        respond(&rqctx, async {
            let slug = path.get()?.into_slug();
            let asked = query.get()?.into_inner();
            let to = asked.to.unwrap_or_else(today);
            let range = match asked.from {
                Some(from) => Range::new(from, to)?,
                None => Range::ending(to, UPTIME_DAYS_DEFAULT, "to")?,
            };
            let database = &rqctx.context().database;
            let answer = uptime::component(database, &slug, range, chrono::Utc::now()).await?;
            Ok(HttpResponseOk(answer))
        })
        .await
    }

    async fn list_uptime(
        rqctx: RequestContext<ApiContext>,
        query: Deferred<PageQuery<UptimeScan, UptimePage>>,
    ) -> Answer<HttpResponseOk<ResultsPage<ComponentUptime>>> {
        respond(&rqctx, async {
            let params = query.get()?.into_inner();
            let limit = page_limit(&rqctx, &params)?;
            let (range, after) = match &params.page {
                WhichPage::First(scan) => {
                    let days = scan.days.unwrap_or(UPTIME_DAYS_DEFAULT);
                    (Range::ending(today(), days, "days")?, None)
                }
                WhichPage::Next(page) => (Range::new(page.from, page.to)?, Some(page.after()?)),
            };
            let database = &rqctx.context().database;
            let now = chrono::Utc::now();
            let items = uptime::page(database, after.as_ref(), limit, range, now).await?;
            let scan = UptimeScan { days: None };
            let page = ResultsPage::new(items, &scan, |last: &ComponentUptime, _| UptimePage {
                from: range.from(),
                to: range.to(),
                after: last.component.clone(),
            })?;
            Ok(HttpResponseOk(page))
        })
        .await
    }

    async fn get_status_badge(
        rqctx: RequestContext<ApiContext>,
        path: Deferred<SlugPath>,
    ) -> Answer<Cacheable<Rendered<Svg>>> {
        respond(&rqctx, async {
            let slug = path.get()?.into_slug();
            let component = components::get(&rqctx.context().database, &slug).await?;
            let svg = Badge::status(&component.name, component.status).svg();
            Ok::<_, ApiError>(svg_answer(&rqctx, svg))
        })
        .await
    }

    async fn get_uptime_badge(
        rqctx: RequestContext<ApiContext>,
        path: Deferred<SlugPath>,
        query: Deferred<Query<UptimeBadgeQuery>>,
    ) -> Answer<Cacheable<Rendered<Svg>>> {
        respond(&rqctx, async {
            let slug = path.get()?.into_slug();
            let days = query.get()?.into_inner().days.unwrap_or(BADGE_DAYS_DEFAULT);
            let range = Range::ending(today(), days, "days")?;
            let database = &rqctx.context().database;
            let component = components::get(database, &slug).await?;
            let uptime = uptime::component(database, &slug, range, chrono::Utc::now()).await?;
            let svg = Badge::uptime(&component.name, uptime.uptime).svg();
            Ok::<_, ApiError>(svg_answer(&rqctx, svg))
        })
        .await
    }

    async fn get_shields_badge(
        rqctx: RequestContext<ApiContext>,
        path: Deferred<SlugPath>,
    ) -> Answer<CacheableJson<ShieldsBadge>> {
        respond(&rqctx, async {
            let slug = path.get()?.into_slug();
            let component = components::get(&rqctx.context().database, &slug).await?;
            let badge = Badge::status(&component.name, component.status).shields();
            let body =
                serde_json::to_vec(&badge).map_err(|e| ApiError::internal(e.to_string()))?;
            let headers = rqctx.request.headers();
            Ok::<_, ApiError>(cacheable(
                headers,
                HttpResponseOk(badge),
                &body,
                BADGE_CACHE_CONTROL,
            ))
        })
        .await
    }

    async fn get_incidents_feed(
        rqctx: RequestContext<ApiContext>,
    ) -> Answer<Cacheable<Rendered<Atom>>> {
        respond(&rqctx, async {
            let xml = feed::read(&rqctx.context().database).await?.render();
            let headers = rqctx.request.headers();
            let body = xml.as_bytes().to_vec();
            Ok::<_, ApiError>(cacheable(
                headers,
                Rendered::new(xml),
                &body,
                FEED_CACHE_CONTROL,
            ))
        })
        .await
    }
}
