//! Reading the change log: the settled changes after an id in order ([`after`],
//! [`page`]), where a time window starts ([`first_since`]), the first change after an id
//! ([`next_after`]), the last id settled ([`settled`]). Every query is served by an index
//! (the primary key, or `changes_at`).

use chrono::{DateTime, Utc};
use futures::{Stream, TryStreamExt};
use tokio_postgres::Row;
use tokio_postgres::types::Type;

use super::Kind;
use crate::database::{Database, DatabaseError};

/// A change as the log holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    /// Its id, drawn in order (a change may commit after one with a greater id: see
    /// [`settled`]).
    pub id: i64,
    /// Its kind, as stored (see [`Kind::as_str`]).
    pub kind: String,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// What changed, as the API shows it.
    pub data: serde_json::Value,
}

impl Logged {
    /// The change as the live board and webhooks send it:
    /// `{"type": <kind>, "change": <id>, …data}`, JSON text.
    pub fn message(&self) -> String {
        message(&self.kind, Some(self.id), &self.data)
    }
}

/// `{"type": kind, "change": change, …data}` as JSON text (API 3.0.0's report messages
/// carry no `change`).
pub fn message(kind: &str, change: Option<i64>, data: &serde_json::Value) -> String {
    let mut object = serde_json::Map::new();
    object.insert("type".to_owned(), kind.into());
    if let Some(change) = change {
        object.insert("change".to_owned(), change.into());
    }
    if let serde_json::Value::Object(fields) = data {
        for (name, value) in fields {
            object.entry(name.clone()).or_insert_with(|| value.clone());
        }
    }
    serde_json::Value::Object(object).to_string()
}

/// How many changes [`after`] reads at once.
const PAGE: i64 = 1000;

/// Which changes [`after`] reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Range {
    /// Those with an id above this.
    pub after: i64,
    /// And at most this, when given: an id known settled (from [`settled`], or a change
    /// read before), so that the read needs not settle.
    pub up_to: Option<i64>,
    /// And of this kind only, when given.
    pub kind: Option<Kind>,
}

/// The changes of `range` in id order, read `PAGE` at a time as the stream is consumed.
pub fn after(
    database: &Database,
    range: Range,
) -> impl Stream<Item = Result<Logged, DatabaseError>> + '_ {
    // The state: the last id read, and whether the log has nothing after it.
    futures::stream::try_unfold((range.after, false), move |(after, done)| async move {
        if done {
            return Ok::<_, DatabaseError>(None);
        }
        let page = page(database, Range { after, ..range }, PAGE).await?;
        let done = page.len() < PAGE as usize;
        let last = page.last().map_or(after, |change| change.id);
        Ok(Some((
            futures::stream::iter(page.into_iter().map(Ok)),
            (last, done),
        )))
    })
    .try_flatten()
}

/// Up to `limit` changes of `range`, in id order, none of them after an id that may still
/// be committing: whoever reads on after the last one misses none.
///
/// The changes read are settled when their ids follow `range.after` with no hole (no id in
/// between can be in flight) or when `range.up_to` bounds them; else the read waits for
/// the writers in flight ([`settled`]) and reads again up to the id it answers.
pub async fn page(
    database: &Database,
    range: Range,
    limit: i64,
) -> Result<Vec<Logged>, DatabaseError> {
    let connection = database.connection().await?;
    let client = connection.client();
    let changes = read_page(client, range, limit).await?;
    if range.up_to.is_some() || holeless(range.after, &changes) == changes.len() {
        return Ok(changes);
    }
    let up_to = Some(settled_on(client).await?);
    read_page(client, Range { up_to, ..range }, limit).await
}

/// Up to `limit` changes after `after` that are settled without waiting for anyone: those
/// whose ids follow `after` with no hole. Answers them, and whether a change after a hole
/// was left for later (the hole's id may still commit, or may never: a writer that rolled
/// back). For a reader that would rather wait for the next notification than hold writers
/// back ([`settled`]) at every hole: the live board's hub.
pub async fn before_any_hole(
    database: &Database,
    after: i64,
    limit: i64,
) -> Result<(Vec<Logged>, bool), DatabaseError> {
    let connection = database.connection().await?;
    let range = Range {
        after,
        ..Range::default()
    };
    let mut changes = read_page(connection.client(), range, limit).await?;
    let settled = holeless(after, &changes);
    let hole = settled < changes.len();
    changes.truncate(settled);
    Ok((changes, hole))
}

/// How many of `changes` are the ids right after `after`, one after another.
fn holeless(after: i64, changes: &[Logged]) -> usize {
    changes
        .iter()
        .zip(after.saturating_add(1)..)
        .take_while(|(change, id)| change.id == *id)
        .count()
}

/// Up to `limit` changes of `range` as the log shows them now, in id order.
async fn read_page(
    client: &tokio_postgres::Client,
    range: Range,
    limit: i64,
) -> Result<Vec<Logged>, DatabaseError> {
    let kind = range.kind.map(Kind::as_str);
    let rows = client
        .query_typed(
            "SELECT id, kind, at, data::text FROM changes \
             WHERE id > $1 AND ($2::int8 IS NULL OR id <= $2) \
               AND ($3::text IS NULL OR kind = $3) \
             ORDER BY id LIMIT $4",
            &[
                (&range.after, Type::INT8),
                (&range.up_to, Type::INT8),
                (&kind, Type::TEXT),
                (&limit, Type::INT8),
            ],
        )
        .await?;
    rows.iter().map(logged_from).collect()
}

/// The last id settled: every writer that held an id up to it has committed or rolled back,
/// so a read that starts now sees every change up to it that will ever be (see
/// `changes_settled()`, migration `V11`). It waits for the writers in flight, and holds
/// new ones back only while it waits (at most the pool's `lock_timeout`).
pub async fn settled(database: &Database) -> Result<i64, DatabaseError> {
    let connection = database.connection().await?;
    settled_on(connection.client()).await
}

/// [`settled`] on a connection already taken, outside any transaction (the lock goes with
/// the statement).
async fn settled_on(client: &tokio_postgres::Client) -> Result<i64, DatabaseError> {
    let rows = client.query_typed("SELECT changes_settled()", &[]).await?;
    Ok(rows.first().map_or(Ok(0), |row| row.try_get(0))?)
}

/// The id of the first change made at or after `since`, if any.
pub async fn first_since(
    database: &Database,
    since: DateTime<Utc>,
) -> Result<Option<i64>, DatabaseError> {
    let connection = database.connection().await?;
    let rows = connection
        .client()
        .query_typed(
            "SELECT id FROM changes WHERE at >= $1 ORDER BY at, id LIMIT 1",
            &[(&since, Type::TIMESTAMPTZ)],
        )
        .await?;
    Ok(rows.first().map(|row| row.get(0)))
}

/// The first change after the id `after`: its id and time, if there is one.
pub async fn next_after(
    database: &Database,
    after: i64,
) -> Result<Option<(i64, DateTime<Utc>)>, DatabaseError> {
    let connection = database.connection().await?;
    let rows = connection
        .client()
        .query_typed(
            "SELECT id, at FROM changes WHERE id > $1 ORDER BY id LIMIT 1",
            &[(&after, Type::INT8)],
        )
        .await?;
    Ok(rows.first().map(|row| (row.get(0), row.get(1))))
}

/// The greatest change id so far (0 before the first).
pub async fn last_id(database: &Database) -> Result<i64, DatabaseError> {
    let connection = database.connection().await?;
    let rows = connection
        .client()
        .query_typed("SELECT COALESCE(max(id), 0) FROM changes", &[])
        .await?;
    Ok(rows.first().map_or(0, |row| row.get(0)))
}

/// A change from a row of `id, kind, at, data::text`.
fn logged_from(row: &Row) -> Result<Logged, DatabaseError> {
    let data: String = row.try_get(3)?;
    Ok(Logged {
        id: row.try_get(0)?,
        kind: row.try_get(1)?,
        at: row.try_get(2)?,
        data: serde_json::from_str(&data).map_err(|e| DatabaseError::Unexpected {
            what: format!("the data of change {}: {e}", row.get::<_, i64>(0)),
        })?,
    })
}
