//! The `system` endpoints' answers: the liveness check's [`Health`], the readiness check's
//! `200` with [`Readiness`] and `503` with [`NotReady`].

use chrono::{DateTime, Utc};
use dropshot::{ErrorStatusCode, HttpError, HttpResponseError};
use http::HeaderMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};
use crate::github::GithubPolling;

/// The answer of the readiness check when the service is ready (API 9.0.0 on): it can
/// serve the board, from the database or, through an outage, from the board it last knew.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Readiness {
    /// `ok`: the service is ready.
    pub status: HealthStatus,
    /// `ok`: the database answers and its schema is up to date; `unavailable`: it cannot be
    /// reached, and the service answers reads from the board it last knew (marked stale)
    /// and writes with `503`, for at most `READY_MAX_STALE_SECONDS`.
    pub database: DatabaseState,
    /// The board this server answers reads from.
    pub board: BoardState,
    /// Whether this server polls GitHub for the components bound to it (`no_token`
    /// without `GITHUB_TOKEN`: bindings are kept, nothing polls them).
    pub github: GithubPolling,
}

crate::wire_enum::wire_enum! {
    /// Whether the database can be reached.
    DatabaseState ("database state") {
        /// It answers, and its schema is up to date.
        Ok = "ok",
        /// It cannot be reached now.
        Unavailable = "unavailable",
    }
}

/// The board a server holds in memory and answers reads from.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct BoardState {
    /// The last change it reflects.
    pub change: i64,
    /// When that change was made (when the board was loaded, for the first).
    pub changed_at: DateTime<Utc>,
    /// How many seconds ago it was last known current; `null` while it is (the server
    /// follows the change log).
    pub stale_seconds: Option<u64>,
}

/// The readiness check's answer as the versions from 7.0.0 to 8.0.0 have it.
pub mod v8 {
    use super::*;

    /// The answer of the readiness check when the service is ready.
    #[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
    pub struct Readiness {
        /// `ok`: the service is ready.
        pub status: HealthStatus,
        /// `ok`: the database answers and its schema is up to date.
        pub database: HealthStatus,
        /// Whether this server polls GitHub for the components bound to it (`no_token`
        /// without `GITHUB_TOKEN`: bindings are kept, nothing polls them).
        pub github: GithubPolling,
    }

    impl Readiness {
        /// `readiness` as these versions say it: not ready (`503`) when the database cannot
        /// be reached, whatever the board in memory could serve.
        #[allow(clippy::result_large_err)] // The endpoint's error, by value as every answer.
        pub fn from_latest(
            readiness: super::Readiness,
            request_id: &str,
        ) -> Result<Self, NotReady> {
            match readiness.database {
                DatabaseState::Ok => Ok(Self {
                    status: readiness.status,
                    database: HealthStatus::Ok,
                    github: readiness.github,
                }),
                DatabaseState::Unavailable => Err(NotReady::database_unavailable(
                    request_id,
                    "the database cannot be reached".to_owned(),
                )),
            }
        }
    }
}

/// The readiness check's answer as the versions before 7.0.0 have it.
pub mod v6 {
    use super::*;

    /// The answer of the readiness check when the service is ready.
    #[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
    pub struct Readiness {
        /// `ok`: the service is ready.
        pub status: HealthStatus,
        /// `ok`: the database answers and its schema is up to date.
        pub database: HealthStatus,
    }

    impl From<super::v8::Readiness> for Readiness {
        fn from(readiness: super::v8::Readiness) -> Self {
            Self {
                status: readiness.status,
                database: readiness.database,
            }
        }
    }
}

/// The answer of the readiness check when the service is not ready (`503`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct NotReady {
    /// `unavailable`: the service cannot serve traffic now.
    pub status: NotReadyStatus,
    /// Why: what failed when reaching the database.
    pub database: String,
    /// The request's id, as in every error answer.
    pub request_id: String,
    /// `DatabaseUnavailable`, as in every error answer.
    pub error_code: String,
    /// A human-readable summary, as in every error answer.
    pub message: String,
    #[serde(skip)]
    #[schemars(skip)]
    status_code: Option<ErrorStatusCode>,
    #[serde(skip)]
    #[schemars(skip)]
    headers: HeaderMap,
}

impl NotReady {
    /// Not ready because of `why`, for the request `request_id`.
    pub fn database_unavailable(request_id: &str, why: String) -> Self {
        Self {
            status: NotReadyStatus::Unavailable,
            message: format!("database unavailable: {why}"),
            database: why,
            request_id: request_id.to_owned(),
            error_code: ErrorCode::DatabaseUnavailable.as_str().to_owned(),
            status_code: None,
            headers: HeaderMap::new(),
        }
    }

    /// The headers the answer carries.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<HttpError> for NotReady {
    fn from(error: HttpError) -> Self {
        let mut error = ApiError::from(error);
        Self {
            status: NotReadyStatus::Unavailable,
            database: error.message.clone(),
            request_id: String::new(),
            error_code: error.error_code.as_str().to_owned(),
            message: std::mem::take(&mut error.message),
            status_code: Some(error.status()),
            headers: std::mem::take(error.headers_mut()),
        }
    }
}

impl HttpResponseError for NotReady {
    fn status_code(&self) -> ErrorStatusCode {
        self.status_code
            .unwrap_or(ErrorStatusCode::SERVICE_UNAVAILABLE)
    }
}

/// The state reported when the service is not ready.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NotReadyStatus {
    /// The service cannot serve traffic now.
    Unavailable,
}

/// The answer of the liveness check.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Health {
    /// Always `ok` when the service answers.
    pub status: HealthStatus,
}

/// The state of the service or one of its parts.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Working.
    Ok,
}
