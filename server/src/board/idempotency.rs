//! `Idempotency-Key`s: a key is claimed in the transaction of the write it guards, so
//! that retries and races with one key make one write. A key belongs to its subject for
//! 24 hours, to one request (the same key with another request is
//! [`BoardError::IdempotencyKeyReused`]); a second request with it gets the first answer.
//!
//! Reports keep the id of the report a key recorded ([`super::reports`]); the other writes
//! keep their answer's body ([`claim`], [`remember`]).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::BoardError;
use crate::database::OpenTransaction;

/// How long an `Idempotency-Key` keeps answering its first request.
pub const HOURS: i32 = 24;

/// Claims the key `$2` of the subject `$1` for the request `$3` (`$4`: [`HOURS`]):
/// answers a row when the key is new (or older than [`HOURS`], then claimed afresh), none
/// when it is taken. A concurrent claim of the same key waits until the first commits.
pub const CLAIM_SQL: &str = "INSERT INTO idempotency_keys (subject, key, request) \
     VALUES ($1, $2, $3) \
     ON CONFLICT (subject, key) DO UPDATE \
         SET request = EXCLUDED.request, report_id = NULL, response = NULL, \
             created_at = clock_timestamp() \
         WHERE idempotency_keys.created_at < clock_timestamp() - make_interval(hours => $4) \
     RETURNING 1";

/// What a write found before its last statement: the answer its key already gave, or
/// what is left to finish (and commit).
#[derive(Debug)]
pub enum Prepared<T, R> {
    /// The key already made this request: its answer.
    Answered(T),
    /// The write to finish.
    Ready(R),
}

/// Ends a write's transaction: commits an answer its key already gave, hands what is
/// `Ready` to `finish` (which commits), or, on an error, rolls back (keeping the
/// connection) and answers the error.
pub async fn end<T, R, F>(
    transaction: OpenTransaction,
    prepared: Result<Prepared<T, R>, BoardError>,
    finish: impl FnOnce(OpenTransaction, R) -> F,
) -> Result<T, BoardError>
where
    F: std::future::Future<Output = Result<T, BoardError>>,
{
    match prepared {
        Ok(Prepared::Answered(first)) => {
            transaction.commit().await?;
            Ok(first)
        }
        Ok(Prepared::Ready(ready)) => finish(transaction, ready).await,
        Err(error) => {
            transaction.rollback().await?;
            Err(error)
        }
    }
}

/// What claiming a key found.
#[derive(Debug)]
pub enum Claimed<T> {
    /// The key is new: the write goes on, and [`remember`]s its answer.
    New,
    /// The key already made this request: its answer, to answer again.
    Answered(T),
}

/// Claims `key` of `subject` for `request` (what the key stands for: the operation and its
/// input) in the transaction `tx`; a key out of bounds is [`BoardError::Invalid`].
pub async fn claim<T: DeserializeOwned>(
    tx: &tokio_postgres::Client,
    subject: &str,
    key: &str,
    request: &str,
) -> Result<Claimed<T>, BoardError> {
    statusboard_api::Limits::idempotency_key(key).map_err(BoardError::Invalid)?;
    let claimed = tx
        .query_opt(CLAIM_SQL, &[&subject, &key, &request, &HOURS])
        .await?;
    if claimed.is_some() {
        return Ok(Claimed::New);
    }
    let row = tx
        .query_one(
            "SELECT request, response::text FROM idempotency_keys \
             WHERE subject = $1 AND key = $2",
            &[&subject, &key],
        )
        .await?;
    let first: String = row.try_get(0)?;
    let response: Option<String> = row.try_get(1)?;
    match response {
        Some(response) if first == request => serde_json::from_str(&response)
            .map(Claimed::Answered)
            .map_err(|e| BoardError::Unexpected(format!("a remembered answer: {e}"))),
        _ => Err(BoardError::IdempotencyKeyReused(key.to_owned())),
    }
}

/// Keeps `answer` as what `key` of `subject` answers, in the transaction that claimed it.
pub async fn remember(
    tx: &tokio_postgres::Client,
    subject: &str,
    key: &str,
    answer: &impl Serialize,
) -> Result<(), BoardError> {
    let answer = serde_json::to_string(answer)
        .map_err(|e| BoardError::Unexpected(format!("an answer to remember: {e}")))?;
    tx.execute(
        "UPDATE idempotency_keys SET response = $3::text::jsonb \
         WHERE subject = $1 AND key = $2",
        &[&subject, &key, &answer],
    )
    .await?;
    Ok(())
}

/// What a key stands for: the operation and its input, as JSON (a struct serializes its
/// fields in one order, so one input is one text).
pub fn request(operation: &str, input: &impl Serialize) -> String {
    format!(
        "{operation}\n{}",
        serde_json::to_string(input).unwrap_or_default()
    )
}
