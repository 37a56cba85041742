//! The `components` endpoints: list, read, create or update, delete.

use dropshot::{
    EmptyScanParams, HttpError, HttpResponseDeleted, HttpResponseHeaders, HttpResponseOk,
    PaginationParams, Path, Query, RequestContext, ResultsPage, TypedBody, WhichPage,
};
use statusboard_api::{
    Bearer, Component, ComponentPath, ComponentSaved, ComponentUpdate, ComponentsPage,
    ComponentsWrite, Deferred, DeferredBody,
};

use crate::bearer_auth::authorize;
use crate::board::components;
use crate::context::ApiContext;
use crate::respond::respond;

/// `GET /api/v1/components`: a page of components ordered by slug.
pub async fn list(
    rqctx: RequestContext<ApiContext>,
    query: Deferred<Query<PaginationParams<EmptyScanParams, ComponentsPage>>>,
) -> Result<HttpResponseHeaders<HttpResponseOk<ResultsPage<Component>>>, HttpError> {
    respond(&rqctx, async {
        let params = query.get()?.into_inner();
        let limit = super::page_limit(&rqctx, &params)?;
        let after = match &params.page {
            WhichPage::First(_) => None,
            WhichPage::Next(page) => Some(page.after.as_str()),
        };
        let items = components::list(&rqctx.context().database, after, limit).await?;
        let page = ResultsPage::new(items, &EmptyScanParams {}, |last: &Component, _| {
            ComponentsPage {
                after: last.slug.clone(),
            }
        })?;
        Ok(HttpResponseHeaders::new_unnamed(HttpResponseOk(page)))
    })
    .await
}

/// `GET /api/v1/components/{slug}`: one component.
pub async fn get(
    rqctx: RequestContext<ApiContext>,
    path: Deferred<Path<ComponentPath>>,
) -> Result<HttpResponseHeaders<HttpResponseOk<Component>>, HttpError> {
    respond(&rqctx, async {
        let slug = path.get()?.into_inner().slug;
        let component = components::get(&rqctx.context().database, &slug).await?;
        Ok(HttpResponseHeaders::new_unnamed(HttpResponseOk(component)))
    })
    .await
}

/// `PUT /api/v1/components/{slug}`: creates (`201`) or updates (`200`).
pub async fn put(
    rqctx: RequestContext<ApiContext>,
    auth: Bearer<ComponentsWrite>,
    path: Deferred<Path<ComponentPath>>,
    body: DeferredBody<TypedBody<ComponentUpdate>>,
) -> Result<ComponentSaved, HttpError> {
    respond(&rqctx, async {
        let context = rqctx.context();
        let claims = authorize(context, &auth)?;
        let slug = path.get()?.into_inner().slug;
        let update = body.get()?.into_inner();
        let (component, created) =
            components::put(&context.database, &slug, &update, &claims.sub).await?;
        Ok(ComponentSaved::new(component, created))
    })
    .await
}

/// `DELETE /api/v1/components/{slug}`: the component and its reports.
pub async fn delete(
    rqctx: RequestContext<ApiContext>,
    auth: Bearer<ComponentsWrite>,
    path: Deferred<Path<ComponentPath>>,
) -> Result<HttpResponseHeaders<HttpResponseDeleted>, HttpError> {
    respond(&rqctx, async {
        let context = rqctx.context();
        let claims = authorize(context, &auth)?;
        let slug = path.get()?.into_inner().slug;
        components::delete(&context.database, &slug, &claims.sub).await?;
        Ok(HttpResponseHeaders::new_unnamed(HttpResponseDeleted()))
    })
    .await
}
