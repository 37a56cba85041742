//! The `reports` endpoints: record a status report, list a component's reports.

use dropshot::{
    Header, HttpError, HttpResponseCreated, HttpResponseHeaders, HttpResponseOk, PaginationParams,
    Path, Query, RequestContext, ResultsPage, TypedBody, WhichPage,
};
use statusboard_api::{
    Bearer, ComponentPath, Deferred, DeferredBody, IdempotencyKeyHeader, NewStatusReport,
    ReportsPage, ReportsScan, ReportsWrite, StatusReport,
};

use crate::bearer_auth::authorize;
use crate::board::reports;
use crate::context::ApiContext;
use crate::respond::respond;

/// `POST /api/v1/components/{slug}/reports`: records a report, once per
/// `Idempotency-Key`.
pub async fn create(
    rqctx: RequestContext<ApiContext>,
    auth: Bearer<ReportsWrite>,
    idempotency: Deferred<Header<IdempotencyKeyHeader>>,
    path: Deferred<Path<ComponentPath>>,
    body: DeferredBody<TypedBody<NewStatusReport>>,
) -> Result<HttpResponseHeaders<HttpResponseCreated<StatusReport>>, HttpError> {
    respond(&rqctx, async {
        let context = rqctx.context();
        let claims = authorize(context, &auth)?;
        let key = idempotency.get()?.into_inner().idempotency_key;
        let report = reports::record(
            &context.database,
            &path.get()?.into_inner().slug,
            &body.get()?.into_inner(),
            &claims.sub,
            key.as_deref(),
        )
        .await?;
        Ok(HttpResponseHeaders::new_unnamed(HttpResponseCreated(
            report,
        )))
    })
    .await
}

/// `GET /api/v1/components/{slug}/reports`: a page of reports, newest first.
pub async fn list(
    rqctx: RequestContext<ApiContext>,
    path: Deferred<Path<ComponentPath>>,
    query: Deferred<Query<PaginationParams<ReportsScan, ReportsPage>>>,
) -> Result<HttpResponseHeaders<HttpResponseOk<ResultsPage<StatusReport>>>, HttpError> {
    respond(&rqctx, async {
        let params = query.get()?.into_inner();
        let limit = super::page_limit(&rqctx, &params)?;
        let (scan, after) = match params.page {
            WhichPage::First(scan) => (scan, None),
            WhichPage::Next(page) => (
                ReportsScan { since: page.since },
                Some((page.reported_at, page.id)),
            ),
        };
        let slug = path.get()?.into_inner().slug;
        let database = &rqctx.context().database;
        let items = reports::list(database, &slug, scan.since, after, limit).await?;
        let page = ResultsPage::new(items, &scan, |last: &StatusReport, scan| ReportsPage {
            since: scan.since,
            reported_at: last.reported_at,
            id: last.id,
        })?;
        Ok(HttpResponseHeaders::new_unnamed(HttpResponseOk(page)))
    })
    .await
}
