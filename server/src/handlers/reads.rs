//! How the handlers read: the size of a page, answers from the board in memory (with
//! the database as the fallback for what it does not hold), cacheable badges.

use dropshot::{PaginationParams, RequestContext};
use statusboard_api::{Answer, ApiError, Cacheable, MAX_PAGE_ITEMS, Rendered, Svg};

use crate::board::BoardError;
use crate::board::memory::Snapshot;
use crate::conditional::{self, cacheable};
use crate::context::ApiContext;
use crate::database::DatabaseError;
use crate::history::BADGE_CACHE_CONTROL;
use crate::respond::respond;

/// Today, in UTC: the last day of an uptime range left unsaid.
pub(super) fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The number of items the page `params` asks for: its `limit` (100 when left out), at
/// most [`MAX_PAGE_ITEMS`] (10.0.0 refuses more; the versions before ask for more and get
/// a page of that many).
pub(super) fn page_limit<S, P>(
    rqctx: &RequestContext<ApiContext>,
    params: &PaginationParams<S, P>,
) -> Result<u32, ApiError>
where
    S: serde::de::DeserializeOwned,
    P: serde::de::DeserializeOwned + serde::Serialize,
{
    Ok(rqctx.page_limit(params)?.get().min(MAX_PAGE_ITEMS))
}

/// Answers from the board in memory ([`crate::board::memory`]): `read` draws the answer
/// from the board as it is now, and the answer carries the board's validators (`ETag`,
/// `Last-Modified`, `Cache-Control`, `304`; see [`conditional::from_board`]). Runs no SQL;
/// `503 DatabaseUnavailable` until the board is first loaded.
pub(super) async fn from_board<T: dropshot::HttpResponse>(
    rqctx: &RequestContext<ApiContext>,
    read: impl FnOnce(&Snapshot) -> Result<T, ApiError>,
) -> Answer<T> {
    let memory = rqctx.context().hub.memory();
    let not_loaded = async move {
        Err(BoardError::Database(DatabaseError::unavailable(format!(
            "the board is not loaded yet: {}",
            memory.why_not_loaded()
        )))
        .into())
    };
    from_board_or(rqctx, |board| Some(read(board)), not_loaded).await
}

/// Answers `read` from the board as [`from_board`] does when the board holds what it asks
/// for (`read` answers `Some`); else answers `otherwise` (which reads the database, and
/// carries no validators).
pub(super) async fn from_board_or<T: dropshot::HttpResponse>(
    rqctx: &RequestContext<ApiContext>,
    read: impl FnOnce(&Snapshot) -> Option<Result<T, ApiError>>,
    otherwise: impl Future<Output = Result<T, ApiError>>,
) -> Answer<T> {
    let memory = rqctx.context().hub.memory();
    let stale = memory.stale_for();
    let Some((board, read)) = memory
        .current()
        .and_then(|board| read(&board).map(|read| (board, read)))
    else {
        return respond(rqctx, otherwise).await;
    };
    let mut answer = respond(rqctx, async { read }).await;
    if let Ok(answered) = &mut answer {
        let context = rqctx.context();
        conditional::from_board(
            rqctx.request.headers(),
            answered,
            &board,
            stale,
            &context.read_cache_control,
        );
    }
    answer
}

/// An SVG badge, cacheable.
pub(super) fn svg_answer(
    rqctx: &RequestContext<ApiContext>,
    svg: String,
) -> Cacheable<Rendered<Svg>> {
    let etag_source = svg.as_bytes().to_vec();
    cacheable(
        rqctx.request.headers(),
        Rendered::new(svg),
        &etag_source,
        BADGE_CACHE_CONTROL,
    )
}
