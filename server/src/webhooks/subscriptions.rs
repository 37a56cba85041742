//! Webhook subscriptions in PostgreSQL: created with a new signing secret (shown once),
//! read, deleted. A subscription starts after the last change committed when it is made:
//! it gets every later change its filters let through.

use chrono::{DateTime, Utc};
use statusboard_api::Slug;
use tokio_postgres::Row;
use tokio_postgres::types::Type;

use super::outbound::{self, Refused};
use super::signature::Secret;
use crate::database::{Database, DatabaseError};

/// What a subscriber asks for.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    /// Where deliveries go: `https` to a public address (see [`outbound`]).
    pub url: String,
    /// What it is for, for people (at most 500 characters).
    pub description: String,
    /// Only these kinds of change (`report`, `incident`, …); none: every kind.
    pub kinds: Vec<String>,
    /// Only changes about these components (by slug); none: every change.
    pub components: Vec<String>,
}

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// Its id.
    pub id: i64,
    /// Where deliveries go.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// Its kinds filter (empty: every kind).
    pub kinds: Vec<String>,
    /// Its components filter (empty: every change).
    pub components: Vec<String>,
    /// Who made it (a token's subject).
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The last change delivered or skipped.
    pub after_change: i64,
    /// When it was disabled (after failing for [`super::lease::GIVE_UP_AFTER`]).
    pub disabled_at: Option<DateTime<Utc>>,
}

/// Why a subscription was not made.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    /// The URL is refused; the message says why.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// A field is out of bounds; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

impl From<tokio_postgres::Error> for SubscriptionError {
    fn from(error: tokio_postgres::Error) -> Self {
        Self::Database(error.into())
    }
}

/// The columns [`subscription_from`] reads.
const COLUMNS: &str = "id, url, description, kinds, components, created_by, created_at, \
                       after_change, disabled_at";

/// Makes `new` for `subject`; answers it and its secret (to show once). `allow_private`:
/// `WEBHOOK_ALLOW_PRIVATE_NETWORKS`.
pub async fn create(
    database: &Database,
    new: &NewSubscription,
    subject: &str,
    allow_private: bool,
) -> Result<(Subscription, Secret), SubscriptionError> {
    let url = outbound::check_url(&new.url, allow_private)?;
    if !allow_private && let Some(url::Host::Domain(host)) = url.host() {
        outbound::check_host(host).await?;
    }
    if new.description.chars().count() > 500 {
        return Err(SubscriptionError::Invalid(
            "description must have at most 500 characters".to_owned(),
        ));
    }
    for slug in &new.components {
        Slug::parse(slug).map_err(|e| SubscriptionError::Invalid(format!("components: {e}")))?;
    }
    let secret = Secret::generate();
    let connection = database.connection().await?;
    let row = connection
        .client()
        .query_typed(
            &format!(
                "INSERT INTO webhook_subscriptions \
                     (url, description, kinds, components, secret, created_by, after_change) \
                 SELECT $1, $2, $3, $4, $5, $6, COALESCE(max(id), 0) FROM changes \
                 RETURNING {COLUMNS}"
            ),
            &[
                (&new.url, Type::TEXT),
                (&new.description, Type::TEXT),
                (&new.kinds, Type::TEXT_ARRAY),
                (&new.components, Type::TEXT_ARRAY),
                (&secret.expose(), Type::TEXT),
                (&subject, Type::TEXT),
            ],
        )
        .await?;
    let row = row
        .first()
        .ok_or_else(|| SubscriptionError::Invalid("the insert returned no row".to_owned()))?;
    Ok((subscription_from(row)?, secret))
}

/// The subscription `id`, if there is one.
pub async fn get(database: &Database, id: i64) -> Result<Option<Subscription>, DatabaseError> {
    let connection = database.connection().await?;
    let row = connection
        .client()
        .query_typed(
            &format!("SELECT {COLUMNS} FROM webhook_subscriptions WHERE id = $1"),
            &[(&id, Type::INT8)],
        )
        .await?;
    row.first().map(subscription_from).transpose()
}

/// Deletes the subscription `id`; whether there was one.
pub async fn delete(database: &Database, id: i64) -> Result<bool, DatabaseError> {
    let connection = database.connection().await?;
    let deleted = connection
        .client()
        .query_typed(
            "DELETE FROM webhook_subscriptions WHERE id = $1 RETURNING 1",
            &[(&id, Type::INT8)],
        )
        .await?;
    Ok(!deleted.is_empty())
}

fn subscription_from(row: &Row) -> Result<Subscription, DatabaseError> {
    Ok(Subscription {
        id: row.try_get(0)?,
        url: row.try_get(1)?,
        description: row.try_get(2)?,
        kinds: row.try_get(3)?,
        components: row.try_get(4)?,
        created_by: row.try_get(5)?,
        created_at: row.try_get(6)?,
        after_change: row.try_get(7)?,
        disabled_at: row.try_get(8)?,
    })
}
