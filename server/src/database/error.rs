//! Why a database operation failed, and what HTTP status that becomes.

use deadpool_postgres::PoolError;
use statusboard_api::{ApiError, ErrorCode};
use tokio_postgres::error::SqlState;

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// PostgreSQL cannot be reached, or did not answer in time. Becomes `503`.
    #[error("database unavailable: {reason}")]
    Unavailable {
        /// What failed, for logs and the `503` body.
        reason: String,
    },
    /// A statement failed. Becomes `500`, unless the connection was lost (`503`).
    #[error("database query failed: {}", describe(.0))]
    Query(#[source] tokio_postgres::Error),
    /// The pool could not be built (a configuration problem).
    #[error("cannot build the database pool: {0}")]
    Pool(String),
    /// The TLS settings of `DATABASE_URL` cannot be used.
    #[error("{0}")]
    Tls(#[from] super::tls::TlsError),
    /// Applying migrations failed.
    #[error("migrations failed: {0}")]
    Migration(String),
    /// The database holds what this server cannot read. Becomes `500`.
    #[error("the database holds an unexpected value: {what}")]
    Unexpected {
        /// What could not be read.
        what: String,
    },
}

impl DatabaseError {
    /// A failed checkout: whatever happened while connecting (refused, timed out, TLS,
    /// authentication), the database is unavailable to this server.
    pub(super) fn from_pool(error: PoolError) -> Self {
        let reason = match error {
            PoolError::Backend(e) => describe(&e),
            PoolError::Closed => "the pool is closed (the server is stopping)".to_owned(),
            other => other.to_string(),
        };
        Self::Unavailable { reason }
    }

    /// The kind of failure, as the metrics count it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unavailable { .. } => "unavailable",
            Self::Query(_) => "query",
            Self::Pool(_) => "pool",
            Self::Tls(_) => "tls",
            Self::Migration(_) => "migration",
            Self::Unexpected { .. } => "unexpected",
        }
    }

    /// What went wrong, without the "database unavailable" prefix.
    pub fn reason(&self) -> String {
        match self {
            Self::Unavailable { reason } => reason.clone(),
            other => other.to_string(),
        }
    }

    /// Whether the database itself is unreachable (as opposed to a failed statement).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

impl From<tokio_postgres::Error> for DatabaseError {
    fn from(error: tokio_postgres::Error) -> Self {
        // No SQL state means the error is not PostgreSQL's answer to a statement: the
        // connection could not be made or was lost. Classes 08 (connection exception)
        // and 57P (the server is shutting down or restarting) mean the same.
        let connection_lost = error
            .code()
            .is_some_and(|c| c.code().starts_with("08") || c.code().starts_with("57P"));
        // A session bounded by its timeouts gave up: a lock held too long elsewhere
        // (`lock_timeout`, 55P03) or a statement that ran too long (`statement_timeout`,
        // 57014). The database cannot serve this now; the client may retry.
        let timed_out = error
            .code()
            .is_some_and(|c| *c == SqlState::LOCK_NOT_AVAILABLE || *c == SqlState::QUERY_CANCELED);
        if error.is_closed() || connection_lost || timed_out || error.code().is_none() {
            return Self::Unavailable {
                reason: describe(&error),
            };
        }
        Self::Query(error)
    }
}

/// A driver error as PostgreSQL or the driver explained it: the server's message and
/// SQLSTATE (`relation "notes" does not exist (SQLSTATE 42P01)`), or the driver's error with
/// its cause (`error performing TLS handshake: invalid peer certificate: UnknownIssuer`),
/// never tokio-postgres' bare "db error".
fn describe(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return format!("{} (SQLSTATE {})", db.message(), db.code().code());
    }
    std::error::Error::source(error)
        .map_or_else(|| error.to_string(), |cause| format!("{error}: {cause}"))
}

impl From<DatabaseError> for ApiError {
    fn from(error: DatabaseError) -> Self {
        match error {
            DatabaseError::Unavailable { .. } => {
                ApiError::new(ErrorCode::DatabaseUnavailable, error.to_string())
            }
            other => ApiError::internal(other.to_string()),
        }
    }
}
