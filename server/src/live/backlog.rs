//! What a subscriber is sent before `caught_up`: [`backlog`], per protocol.
//!
//! * API 3.0.0 ([`Protocol::Reports`]): every report after `after` (a report id), or those
//!   of the window, from `status_reports`.
//! * API 4.0.0 on ([`Protocol::Changes`]): resuming, every change after `after` (a change
//!   id); otherwise, or when `after` is further behind than [`MAX_REPLAY`] changes or
//!   older than the window, a `board` message and then the window's reports (at most
//!   [`MAX_REPLAY`] changes back). Every query is served by an index.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};
use statusboard_api::{BoardEvent, v5};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::hub::Published;
use crate::board::{reports, summary};
use crate::changes::Kind;
use crate::changes::read::{self, Range};
use crate::database::Database;

/// The most changes a subscriber resuming with `after` is replayed; further behind, it
/// gets a fresh `board` message instead.
pub const MAX_REPLAY: i64 = 10_000;

/// Which messages a subscriber speaks: chosen by its API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// API 3.0.0: reports only, resumed after a report id.
    Reports,
    /// API 4.0.0 on: the change log, resumed after a change id; a subscriber of the major
    /// version `major` gets the kinds of changes that version knows
    /// ([`BoardEvent::since`]).
    Changes {
        /// The subscriber's major API version.
        major: u64,
    },
}

/// Where a subscription starts.
#[derive(Debug, Clone, Copy)]
pub struct Start {
    /// The messages it speaks.
    pub protocol: Protocol,
    /// Resume after this id (a report's, or a change's, by protocol).
    pub after: Option<i64>,
    /// `WS_INITIAL_HOURS`.
    pub window: Duration,
}

/// Why a subscription ended early.
pub type Ended = Box<dyn std::error::Error + Send + Sync>;

/// A message of the backlog, and the position it moves the subscriber to (the id live
/// messages are compared with: a report's for [`Protocol::Reports`], a change's else).
pub type Item = (i64, Utf8Bytes);

/// The messages to send before `caught_up`, in order.
pub fn backlog(database: &Database, start: Start) -> BoxStream<'_, Result<Item, Ended>> {
    let since = chrono::Duration::from_std(start.window)
        .ok()
        .and_then(|window| Utc::now().checked_sub_signed(window));
    match start.protocol {
        Protocol::Reports => {
            let (after, since) = match start.after {
                Some(after) => (after, None),
                None => (0, since),
            };
            reports::after(database, after, since)
                .map_ok(|report| {
                    let id = report.id;
                    let message = statusboard_api::v3::BoardEvent::Report(report);
                    (
                        id,
                        serde_json::to_string(&message).unwrap_or_default().into(),
                    )
                })
                .map_err(Ended::from)
                .boxed()
        }
        Protocol::Changes { major } => stream::once(changes(database, start.after, since, major))
            .try_flatten()
            .boxed(),
    }
}

/// The change log's backlog: a replay after `after` when it may resume, else the board.
async fn changes(
    database: &Database,
    after: Option<i64>,
    since: Option<DateTime<Utc>>,
    major: u64,
) -> Result<BoxStream<'_, Result<Item, Ended>>, Ended> {
    if let Some(after) = after
        && resumes(database, after, since).await?
    {
        let range = Range {
            after,
            ..Range::default()
        };
        return Ok(published(read::after(database, range), major));
    }
    let board = summary::read(database, summary::Updates::Latest).await?;
    let last = board.change;
    let board = if major > v5::MAJOR {
        serde_json::to_string(&BoardEvent::Board {
            change: last,
            components: board.components,
            incidents: board.incidents,
            maintenances: board.maintenances,
        })?
    } else {
        serde_json::to_string(&v5::BoardEvent::Board {
            change: last,
            components: board.components.into_iter().map(Into::into).collect(),
        })?
    };
    let board: Item = (last, board.into());
    // The window's reports, at most `MAX_REPLAY` changes back, up to what the board shows.
    let first = match since {
        Some(since) => read::first_since(database, since).await?,
        None => None,
    };
    let range = Range {
        after: first.map_or(last, |first| first - 1).max(last - MAX_REPLAY),
        up_to: Some(last),
        kind: Some(Kind::Report),
    };
    let window = published(read::after(database, range), major);
    Ok(stream::once(async { Ok(board) }).chain(window).boxed())
}

/// Whether a subscriber may resume after the change `after`: it is at most
/// [`MAX_REPLAY`] changes behind, and the first change it missed (if any) is in the window.
async fn resumes(
    database: &Database,
    after: i64,
    since: Option<DateTime<Utc>>,
) -> Result<bool, Ended> {
    Ok(match read::next_after(database, after).await? {
        None => true,
        Some((_, at)) if since.is_some_and(|since| at < since) => false,
        Some(_) => read::last_id(database).await? - after <= MAX_REPLAY,
    })
}

/// The changes' messages as the live board sends them to a subscriber of API version
/// `major` (the kinds it does not know left out).
fn published<'a>(
    changes: impl futures::Stream<Item = Result<read::Logged, crate::database::DatabaseError>>
    + Send
    + 'a,
    major: u64,
) -> BoxStream<'a, Result<Item, Ended>> {
    changes
        .map_err(Ended::from)
        .try_filter_map(move |change| {
            let published = Published::new(&change);
            let item = published
                .frame_for(major)
                .map(|frame| (published.change, frame.clone()));
            std::future::ready(Ok(item))
        })
        .boxed()
}
