//! Components bound to GitHub, in PostgreSQL: made, read and removed through the API, read
//! by the poller (the due ones) and by GitHub's webhooks (those following a repository's
//! environment or workflow), and the poller's state written back.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use statusboard_api::{
    ApiError, ComponentStatus, ComponentsWrite, DeploymentsSource, ErrorCode, GithubBinding,
    GithubBindingUpdate, GithubObservation, GithubPolling, Slug, WorkflowSource, default_mapping,
};
use tokio_postgres::Row;
use tokio_postgres::types::{ToSql, Type};

pub use super::source::Source;
use super::source::check;
use crate::bearer_auth::Actor;
use crate::database::{Database, DatabaseError};

/// A binding as the poller and the webhooks use it.
#[derive(Debug, Clone)]
pub struct Binding {
    /// The component.
    pub component: String,
    /// `owner/name`.
    pub repository: String,
    /// What it follows.
    pub source: Source,
    /// The status each state sets (the defaults and the binding's own).
    pub mapping: BTreeMap<String, ComponentStatus>,
    /// The `ETag` of the deployments or runs list last read.
    pub list_etag: Option<String>,
    /// The deployment followed (deployments only).
    pub deployment_id: Option<i64>,
    /// The `ETag` of that deployment's statuses last read.
    pub status_etag: Option<String>,
    /// Polls failed in a row.
    pub failures: i32,
    /// The id of what it last saw.
    pub last_seen_id: Option<i64>,
}

impl Binding {
    /// The status `state` sets, if any.
    pub fn status_for(&self, state: &str) -> Option<ComponentStatus> {
        self.mapping.get(state).copied()
    }
}

/// Why a binding operation did nothing.
#[derive(Debug, thiserror::Error)]
pub enum BindingError {
    /// A field is out of bounds; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// No component has this slug.
    #[error("there is no component {0:?}")]
    ComponentNotFound(String),
    /// The component is not bound.
    #[error("the component {0:?} is not bound to GitHub")]
    NotFound(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

impl From<tokio_postgres::Error> for BindingError {
    fn from(error: tokio_postgres::Error) -> Self {
        Self::Database(error.into())
    }
}

impl From<BindingError> for ApiError {
    fn from(error: BindingError) -> Self {
        let code = match &error {
            BindingError::Database(_) => ErrorCode::Internal,
            BindingError::Invalid(_) => ErrorCode::InvalidInput,
            BindingError::ComponentNotFound(_) => ErrorCode::ComponentNotFound,
            BindingError::NotFound(_) => ErrorCode::GithubBindingNotFound,
        };
        match error {
            BindingError::Database(e) => e.into(),
            other => ApiError::new(code, other.to_string()),
        }
    }
}

/// The columns [`binding_from`] and [`api_binding_from`] read.
const COLUMNS: &str = "component, repository, environment, workflow_file, branch, \
                       mapping::text, list_etag, deployment_id, status_etag, failures, \
                       last_seen::text, last_poll_at, last_error, updated_at";

/// Binds the component `slug` to `update`'s source (replacing any binding it had: the
/// poller starts over, at once).
pub async fn put(
    database: &Database,
    slug: &Slug,
    update: &GithubBindingUpdate,
    _actor: &Actor<ComponentsWrite>,
    polling: GithubPolling,
) -> Result<GithubBinding, BindingError> {
    let source = check(update)?;
    let (environment, file, branch) = match &source {
        Source::Deployments { environment } => (Some(environment.as_str()), None, None),
        Source::Workflow { file, branch } => (None, Some(file.as_str()), Some(branch.as_str())),
    };
    let mapping = serde_json::to_string(&update.mapping).map_err(json_error)?;
    let row = database
        .first_row(
            &format!(
                "INSERT INTO github_bindings \
                 (component, repository, environment, workflow_file, branch, mapping) \
             SELECT slug, $2, $3, $4, $5, $6::jsonb FROM components WHERE slug = $1 \
             ON CONFLICT (component) DO UPDATE SET repository = EXCLUDED.repository, \
                 environment = EXCLUDED.environment, workflow_file = EXCLUDED.workflow_file, \
                 branch = EXCLUDED.branch, mapping = EXCLUDED.mapping, list_etag = NULL, \
                 deployment_id = NULL, status_etag = NULL, \
                 next_poll_at = clock_timestamp(), failures = 0, last_error = NULL, \
                 last_seen = NULL, updated_at = clock_timestamp() \
             RETURNING {COLUMNS}"
            ),
            &[
                (&slug.as_str(), Type::TEXT),
                (&update.repository, Type::TEXT),
                (&environment, Type::TEXT),
                (&file, Type::TEXT),
                (&branch, Type::TEXT),
                (&mapping, Type::TEXT),
            ],
        )
        .await?
        .ok_or_else(|| BindingError::ComponentNotFound(slug.as_str().to_owned()))?;
    api_binding_from(&row, polling)
}

/// The component `slug`'s binding.
pub async fn get(
    database: &Database,
    slug: &Slug,
    polling: GithubPolling,
) -> Result<GithubBinding, BindingError> {
    let row = database
        .first_row(
            &format!("SELECT {COLUMNS} FROM github_bindings WHERE component = $1"),
            &[(&slug.as_str(), Type::TEXT)],
        )
        .await?
        .ok_or_else(|| BindingError::NotFound(slug.as_str().to_owned()))?;
    api_binding_from(&row, polling)
}

/// Unbinds the component `slug`.
pub async fn delete(
    database: &Database,
    slug: &Slug,
    _actor: &Actor<ComponentsWrite>,
) -> Result<(), BindingError> {
    database
        .first_row(
            "DELETE FROM github_bindings WHERE component = $1 RETURNING 1",
            &[(&slug.as_str(), Type::TEXT)],
        )
        .await?
        .ok_or_else(|| BindingError::NotFound(slug.as_str().to_owned()))?;
    Ok(())
}

/// Up to `limit` bindings due for a poll, the longest waiting first.
pub async fn due(database: &Database, limit: i64) -> Result<Vec<Binding>, BindingError> {
    let connection = database.connection().await?;
    let rows = connection
        .client()
        .query_typed(
            &format!(
                "SELECT {COLUMNS} FROM github_bindings WHERE next_poll_at <= clock_timestamp() \
                 ORDER BY next_poll_at LIMIT $1"
            ),
            &[(&limit, Type::INT8)],
        )
        .await?;
    rows.iter().map(binding_from).collect()
}

/// The bindings that follow `repository`'s deployments to `environment`.
pub async fn following_deployments(
    database: &Database,
    repository: &str,
    environment: &str,
) -> Result<Vec<Binding>, BindingError> {
    following(
        database,
        "lower(repository) = lower($1) AND environment = $2",
        &[(&repository, Type::TEXT), (&environment, Type::TEXT)],
    )
    .await
}

/// The bindings that follow `repository`'s workflow `file` on `branch`.
pub async fn following_workflow(
    database: &Database,
    repository: &str,
    file: &str,
    branch: &str,
) -> Result<Vec<Binding>, BindingError> {
    following(
        database,
        "lower(repository) = lower($1) AND workflow_file = $2 AND branch = $3",
        &[
            (&repository, Type::TEXT),
            (&file, Type::TEXT),
            (&branch, Type::TEXT),
        ],
    )
    .await
}

async fn following(
    database: &Database,
    condition: &str,
    params: &[(&(dyn ToSql + Sync), Type)],
) -> Result<Vec<Binding>, BindingError> {
    let connection = database.connection().await?;
    let rows = connection
        .client()
        .query_typed(
            &format!("SELECT {COLUMNS} FROM github_bindings WHERE {condition}"),
            params,
        )
        .await?;
    rows.iter().map(binding_from).collect()
}

/// How a poll of a binding went.
#[derive(Debug)]
pub struct Polled {
    /// The validators and the deployment followed, for the next poll.
    pub list_etag: Option<String>,
    /// The deployment followed.
    pub deployment_id: Option<i64>,
    /// Its statuses' validator.
    pub status_etag: Option<String>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// When to poll it next.
    pub next_poll_at: DateTime<Utc>,
}

/// Writes a poll's outcome back to the binding of `component`.
pub async fn polled(
    database: &Database,
    component: &str,
    polled: &Polled,
) -> Result<(), BindingError> {
    database
        .first_row(
            "UPDATE github_bindings SET list_etag = $2, deployment_id = $3, status_etag = $4, \
             last_error = $5, next_poll_at = $6, last_poll_at = clock_timestamp(), \
             failures = CASE WHEN $5::text IS NULL THEN 0 ELSE failures + 1 END \
         WHERE component = $1 RETURNING 1",
            &[
                (&component, Type::TEXT),
                (&polled.list_etag, Type::TEXT),
                (&polled.deployment_id, Type::INT8),
                (&polled.status_etag, Type::TEXT),
                (&polled.error, Type::TEXT),
                (&polled.next_poll_at, Type::TIMESTAMPTZ),
            ],
        )
        .await?;
    Ok(())
}

/// Records `seen` as what the binding of `component` last saw, unless it already saw
/// something newer (a greater id); answers whether it was newer.
pub async fn saw(
    database: &Database,
    component: &str,
    seen: &GithubObservation,
) -> Result<bool, BindingError> {
    let json = serde_json::to_string(seen).map_err(json_error)?;
    let updated = database
        .first_row(
            "UPDATE github_bindings SET last_seen = $2::jsonb WHERE component = $1 \
           AND (last_seen IS NULL OR (last_seen->>'id')::int8 <= $3) RETURNING 1",
            &[
                (&component, Type::TEXT),
                (&json, Type::TEXT),
                (&seen.id, Type::INT8),
            ],
        )
        .await?;
    Ok(updated.is_some())
}

/// A JSON column that does not read as it was written.
fn json_error(error: serde_json::Error) -> DatabaseError {
    DatabaseError::Unexpected {
        what: format!("a GitHub binding's JSON: {error}"),
    }
}

/// The defaults with the binding's own mapping (JSON) over them.
fn effective(own: &str) -> Result<BTreeMap<String, ComponentStatus>, DatabaseError> {
    let own: BTreeMap<String, ComponentStatus> = serde_json::from_str(own).map_err(json_error)?;
    let mut mapping = default_mapping();
    mapping.extend(own);
    Ok(mapping)
}

fn source_from(row: &Row) -> Result<Source, DatabaseError> {
    let environment: Option<String> = row.try_get(2)?;
    let file: Option<String> = row.try_get(3)?;
    let branch: Option<String> = row.try_get(4)?;
    match (environment, file, branch) {
        (Some(environment), None, None) => Ok(Source::Deployments { environment }),
        (None, Some(file), Some(branch)) => Ok(Source::Workflow { file, branch }),
        _ => Err(DatabaseError::Unexpected {
            what: "a GitHub binding with no single source".to_owned(),
        }),
    }
}

fn last_seen_from(row: &Row) -> Result<Option<GithubObservation>, DatabaseError> {
    let seen: Option<String> = row.try_get(10)?;
    Ok(seen.and_then(|text| serde_json::from_str(&text).ok()))
}

fn binding_from(row: &Row) -> Result<Binding, BindingError> {
    let mapping: String = row.try_get(5).map_err(DatabaseError::from)?;
    Ok(Binding {
        component: row.try_get(0).map_err(DatabaseError::from)?,
        repository: row.try_get(1).map_err(DatabaseError::from)?,
        source: source_from(row)?,
        mapping: effective(&mapping)?,
        list_etag: row.try_get(6).map_err(DatabaseError::from)?,
        deployment_id: row.try_get(7).map_err(DatabaseError::from)?,
        status_etag: row.try_get(8).map_err(DatabaseError::from)?,
        failures: row.try_get(9).map_err(DatabaseError::from)?,
        last_seen_id: last_seen_from(row)?.map(|seen| seen.id),
    })
}

fn api_binding_from(row: &Row, polling: GithubPolling) -> Result<GithubBinding, BindingError> {
    let mapping: String = row.try_get(5).map_err(DatabaseError::from)?;
    let (deployments, workflow) = match source_from(row)? {
        Source::Deployments { environment } => (Some(DeploymentsSource { environment }), None),
        Source::Workflow { file, branch } => (None, Some(WorkflowSource { file, branch })),
    };
    Ok(GithubBinding {
        component: row.try_get(0).map_err(DatabaseError::from)?,
        repository: row.try_get(1).map_err(DatabaseError::from)?,
        deployments,
        workflow,
        mapping: effective(&mapping)?,
        polling,
        last_poll_at: row.try_get(11).map_err(DatabaseError::from)?,
        last_error: row.try_get(12).map_err(DatabaseError::from)?,
        last_seen: last_seen_from(row)?,
        updated_at: row.try_get(13).map_err(DatabaseError::from)?,
    })
}
