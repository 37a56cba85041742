//! The `reports` endpoints: record a status report, list a component's reports.

use dropshot::{
    Header, HttpError, HttpResponseCreated, HttpResponseHeaders, HttpResponseOk,
    PaginationParams, Path, Query, RequestContext, ResultsPage, TypedBody, WhichPage,
};
use statusboard_api::{
    Bearer, ComponentPath, IdempotencyKeyHeader, NewStatusReport, ReportsPage, ReportsScan,
    ReportsWrite, StatusReport,
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
    idempotency: Header<IdempotencyKeyHeader>,
    path: Path<ComponentPath>,
    body: TypedBody<NewStatusReport>,
) -> Result<HttpResponseHeaders<HttpResponseCreated<StatusReport>>, HttpError> {
    respond(&rqctx, async {
        let context = rqctx.context();
        let claims = authorize(context, &auth)?;
        let key = idempotency.into_inner().idempotency_key;
        let report = reports::record(
            &context.database,
            &path.into_inner().slug,
            &body.into_inner(),
            &claims.sub,
            key.as_deref(),
        )
        .await?;
        Ok(HttpResponseHeaders::new_unnamed(HttpResponseCreated(report)))
    })
    .await
}

/// `GET /api/v1/components/{slug}/reports`: a page of reports, newest first.
pub async fn list(
    rqctx: RequestContext<ApiContext>,
    path: Path<ComponentPath>,
    query: Query<PaginationParams<ReportsScan, ReportsPage>>,
) -> Result<HttpResponseHeaders<HttpResponseOk<ResultsPage<StatusReport>>>, HttpError> {
    respond(&rqctx, async {
        let params = query.into_inner();
        let limit = rqctx.page_limit(&params)?.get();
        let (scan, after) = match params.page {
            WhichPage::First(scan) => (scan, None),
            WhichPage::Next(page) => (
                ReportsScan { since: page.since },
                Some((page.reported_at, page.id)),
            ),
        };
        let slug = path.into_inner().slug;
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
