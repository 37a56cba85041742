//! The status board in PostgreSQL: [`components`] and their status [`reports`], the
//! [`incidents`] and [`maintenances`] that record reports too, the [`summary`] a page
//! reads, the [`scheduler`] that starts and ends maintenances, and the
//! [`idempotency`] keys that make retried writes safe.
//!
//! Each function takes the pool, runs its statements in one transaction, and answers the
//! API's types (crate `statusboard-api`). A component's status is its latest report's (by
//! `reported_at`, then `id`), read with the component, so that it can never disagree with
//! the reports; its `updated_at` is the later of its own last change and that report.
//!
//! A statement outside a transaction goes through `query_typed` (one round trip, no named
//! prepared statement), so that it stays correct behind a pooler in transaction mode
//! (PgBouncer); inside a transaction, any statement is.

pub mod components;
pub mod idempotency;
pub mod incidents;
pub mod maintenances;
pub mod memory;
pub mod reports;
pub mod scheduler;
pub mod summary;
pub mod uptime;

use statusboard_api::{ApiError, Component, ComponentStatus, ErrorCode};
use tokio_postgres::Row;

use crate::database::DatabaseError;

/// Why a board operation did nothing.
#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    /// The input is out of bounds; the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// No component has this slug.
    #[error("there is no component {0:?}")]
    ComponentNotFound(String),
    /// No incident has this id.
    #[error("there is no incident {0}")]
    IncidentNotFound(i64),
    /// No maintenance has this id.
    #[error("there is no scheduled maintenance {0}")]
    MaintenanceNotFound(i64),
    /// The resource's state does not allow the change; the message says why.
    #[error("{0}")]
    TransitionNotAllowed(String),
    /// An `Idempotency-Key` already recorded a different report.
    #[error(
        "the Idempotency-Key {0:?} was used for a different report in the last 24 hours: \
         send a new key for a new report"
    )]
    IdempotencyKeyReused(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// The database holds what its constraints should have kept out.
    #[error("the database holds an unexpected value: {0}")]
    Unexpected(String),
}

impl From<tokio_postgres::Error> for BoardError {
    fn from(error: tokio_postgres::Error) -> Self {
        Self::Database(error.into())
    }
}

/// The answer for each: `400 InvalidInput`, `404 ComponentNotFound`, `IncidentNotFound`,
/// `MaintenanceNotFound`, `409 TransitionNotAllowed`, `422 IdempotencyKeyReused`, the database's errors as usual, `500` for the unexpected.
impl From<BoardError> for ApiError {
    fn from(error: BoardError) -> Self {
        let code = match &error {
            BoardError::Invalid(_) => ErrorCode::InvalidInput,
            BoardError::ComponentNotFound(_) => ErrorCode::ComponentNotFound,
            BoardError::IncidentNotFound(_) => ErrorCode::IncidentNotFound,
            BoardError::MaintenanceNotFound(_) => ErrorCode::MaintenanceNotFound,
            BoardError::TransitionNotAllowed(_) => ErrorCode::TransitionNotAllowed,
            BoardError::IdempotencyKeyReused(_) => ErrorCode::IdempotencyKeyReused,
            BoardError::Database(_) | BoardError::Unexpected(_) => {
                return match error {
                    BoardError::Database(e) => e.into(),
                    other => ApiError::internal(other.to_string()),
                };
            }
        };
        ApiError::new(code, error.to_string())
    }
}

/// The columns [`component_from`] reads, from `components c` and its latest report.
const COMPONENT_COLUMNS: &str = "c.slug, c.name, c.description, \
     COALESCE(r.status, 'operational'), GREATEST(c.updated_at, r.reported_at), c.group_name \
     FROM components c LEFT JOIN LATERAL (\
         SELECT status, reported_at FROM status_reports \
         WHERE component = c.slug ORDER BY reported_at DESC, id DESC LIMIT 1\
     ) r ON true";

/// A component from a row of [`COMPONENT_COLUMNS`].
fn component_from(row: &Row) -> Result<Component, BoardError> {
    Ok(Component {
        slug: row.try_get(0)?,
        name: row.try_get(1)?,
        description: row.try_get(2)?,
        status: status_from(row.try_get(3)?)?,
        updated_at: row.try_get(4)?,
        group: row.try_get(5)?,
    })
}

/// A status as the database stores it (a `CHECK` keeps it one of ours).
fn status_from(name: &str) -> Result<ComponentStatus, BoardError> {
    stored(name, ComponentStatus::parse)
}

/// Fails with [`BoardError::ComponentNotFound`] when one of `slugs` is not a component;
/// otherwise locks them (in the transaction `tx`) against deletion until it ends.
async fn require_components(
    tx: &tokio_postgres::Client,
    slugs: &[&str],
) -> Result<(), BoardError> {
    let found = tx
        .query(
            "SELECT slug FROM components WHERE slug = ANY($1) FOR KEY SHARE",
            &[&slugs],
        )
        .await?;
    let found: Vec<String> = found.iter().map(|row| row.get(0)).collect();
    match slugs.iter().find(|slug| !found.iter().any(|f| f == *slug)) {
        Some(slug) => Err(BoardError::ComponentNotFound((*slug).to_owned())),
        None => Ok(()),
    }
}

/// `text` cut to at most `max` characters (with `…` when cut).
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// A name of one of the API's enums as the database stores it (a `CHECK` keeps it one of
/// ours), read with `parse`.
pub fn stored<T>(name: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T, BoardError> {
    parse(name).ok_or_else(|| BoardError::Unexpected(format!("the name {name:?}")))
}
