//! Every report in id order, settled ones only: API 3.0.0's live backlog, which resumes
//! after a report id.

use chrono::{DateTime, Utc};
use futures::{Stream, TryStreamExt};
use statusboard_api::StatusReport;
use tokio_postgres::types::Type;

use super::report_from;
use crate::board::BoardError;
use crate::database::Database;

/// How many reports [`after`] reads from the table at once.
const AFTER_PAGE: u32 = 1000;

/// Every report of every component with an id above `after`, recorded at or after `since`
/// when given, in id order (the live board's backlog and catch-up), read
/// `AFTER_PAGE` at a time as the stream is consumed.
pub fn after(
    database: &Database,
    after: i64,
    since: Option<DateTime<Utc>>,
) -> impl Stream<Item = Result<StatusReport, BoardError>> + '_ {
    // The state: the last id read, and whether the table has nothing after it.
    futures::stream::try_unfold((after, false), move |(after, done)| async move {
        if done {
            return Ok::<_, BoardError>(None);
        }
        let page = page_after(database, after, since, AFTER_PAGE).await?;
        let done = page.len() < AFTER_PAGE as usize;
        let last = page.last().map_or(after, |report| report.id);
        let page = futures::stream::iter(page.into_iter().map(Ok));
        Ok(Some((page, (last, done))))
    })
    .try_flatten()
}

/// Up to `limit` settled reports with an id above `after`, recorded at or after `since`,
/// in id order (a report's id is its change's: see [`crate::changes::read::settled`]).
async fn page_after(
    database: &Database,
    after: i64,
    since: Option<DateTime<Utc>>,
    limit: u32,
) -> Result<Vec<StatusReport>, BoardError> {
    let settled = crate::changes::read::settled(database).await?;
    let connection = database.connection().await?;
    let limit = i64::from(limit);
    let rows = connection
        .client()
        .query_typed(
            "SELECT id, component, status, message, reported_by, reported_at \
             FROM status_reports WHERE id > $1 AND id <= $4 \
               AND ($2 IS NULL OR reported_at >= $2) \
             ORDER BY id LIMIT $3",
            &[
                (&after, Type::INT8),
                (&since, Type::TIMESTAMPTZ),
                (&limit, Type::INT8),
                (&settled, Type::INT8),
            ],
        )
        .await?;
    rows.iter().map(|row| report_from(row, 0)).collect()
}
