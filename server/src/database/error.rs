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
        /// What failed, in full (PostgreSQL's or the driver's own words), for the logs.
        reason: String,
        /// What failed, as anyone may be told: no PostgreSQL text (which can name hosts,
        /// users and `pg_hba.conf` rules), the SQLSTATE class at most.
        shown: String,
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
    /// Unavailable for `reason`, a text of this server's own that anyone may read.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self::Unavailable {
            shown: reason.clone(),
            reason,
        }
    }

    /// A failed checkout: whatever happened while connecting (refused, timed out, TLS,
    /// authentication), the database is unavailable to this server.
    pub(super) fn from_pool(error: PoolError) -> Self {
        match error {
            PoolError::Backend(e) => Self::Unavailable {
                reason: describe(&e),
                shown: shown(&e),
            },
            PoolError::Closed => Self::unavailable("the pool is closed (the server is stopping)"),
            other => Self::Unavailable {
                reason: other.to_string(),
                shown: "no connection in time".to_owned(),
            },
        }
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

    /// What went wrong, as anyone may be told (without the "database unavailable" prefix):
    /// none of PostgreSQL's own words, which go to the logs through `Display`.
    pub fn shown(&self) -> String {
        match self {
            Self::Unavailable { shown, .. } => shown.clone(),
            Self::Unexpected { .. } | Self::Migration(_) => "an unexpected fault".to_owned(),
            Self::Query(error) => shown(error),
            Self::Pool(_) | Self::Tls(_) => "the server's database settings".to_owned(),
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
        let unreachable = error.code().is_none() && !is_misuse(&error);
        if error.is_closed() || connection_lost || timed_out || unreachable {
            return Self::Unavailable {
                reason: describe(&error),
                shown: shown(&error),
            };
        }
        Self::Query(error)
    }
}

/// Whether the driver refused what this server asked of it, with no word from the
/// database: a value that does not convert to or from its column's type, a column or a
/// parameter count that does not match. The server's fault (`500`), not the database's
/// absence. tokio-postgres names these kinds only in its messages.
fn is_misuse(error: &tokio_postgres::Error) -> bool {
    const MISUSES: [&str; 5] = [
        "error serializing parameter ",
        "error deserializing column ",
        "invalid column ",
        "query returned an unexpected number of ",
        "expected ",
    ];
    let text = error.to_string();
    MISUSES.iter().any(|misuse| text.starts_with(misuse))
}

/// A driver error as anyone may be told: its SQLSTATE's class (`28`: invalid
/// authorization), or that the server could not be reached or answered no more; never
/// the text, which names hosts, users and configuration.
fn shown(error: &tokio_postgres::Error) -> String {
    match error.code() {
        Some(code) => {
            let class = code.code().get(..2).unwrap_or_default();
            format!("the database answered with an error of SQLSTATE class {class}")
        }
        None if error.is_closed() => "the connection to the database was lost".to_owned(),
        None => "the database cannot be reached".to_owned(),
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

/// What a `503 DatabaseUnavailable` asks a client to wait before trying again.
pub const RETRY_AFTER_SECONDS: &str = "5";

impl From<DatabaseError> for ApiError {
    fn from(error: DatabaseError) -> Self {
        match error {
            // Worth trying again soon: the pool reconnects on its own.
            DatabaseError::Unavailable { .. } => ApiError::new(
                ErrorCode::DatabaseUnavailable,
                format!("database unavailable: {}", error.shown()),
            )
            .logging(error.to_string())
            .with_header(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static(RETRY_AFTER_SECONDS),
            ),
            other => ApiError::internal(other.to_string()),
        }
    }
}
