//! Webhook subscriptions in PostgreSQL, as the API shows them: made with a new signing
//! secret (shown once), listed, read, deleted, their secret rotated, their attempts read,
//! a delivery retried. A subscription starts after the last change committed when it is
//! made: it gets every later change its filters let through.
//!
//! Each function takes the writer's [`Actor`] with the scope `webhooks:write`: only a
//! request that passed `authorize` can reach a subscription (its secret signs, its URL
//! may be private to its owner). Every statement is one round trip (`query_typed`), so
//! that it works behind PgBouncer in transaction mode.

use chrono::{DateTime, Utc};
use statusboard_api::{
    ApiError, DeliveryAttempt, ErrorCode, NewWebhook, Slug, WEBHOOK_COMPONENTS_MAX, Webhook,
    WebhookKind, WebhookState, WebhooksWrite,
};
use tokio_postgres::Row;
use tokio_postgres::types::Type;

use super::outbound::{self, Refused};
use super::signature::Secret;
use crate::bearer_auth::Actor;
use crate::database::{Database, DatabaseError};

/// How long a rotated secret keeps signing beside its successor.
pub const PREVIOUS_SECRET_LASTS: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Why a subscription operation did nothing.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    /// The URL is refused; the message says why.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// A field is out of bounds; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// No subscription has this id.
    #[error("no webhook subscription has the id {0}")]
    NotFound(i64),
    /// The subscription never attempted this change.
    #[error("webhook subscription {0} never attempted change {1}")]
    DeliveryNotFound(i64, i64),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

impl From<tokio_postgres::Error> for SubscriptionError {
    fn from(error: tokio_postgres::Error) -> Self {
        Self::Database(error.into())
    }
}

impl From<SubscriptionError> for ApiError {
    fn from(error: SubscriptionError) -> Self {
        let code = match &error {
            SubscriptionError::Database(_) => ErrorCode::Internal,
            SubscriptionError::Refused(_) | SubscriptionError::Invalid(_) => {
                ErrorCode::InvalidInput
            }
            SubscriptionError::NotFound(_) => ErrorCode::WebhookNotFound,
            SubscriptionError::DeliveryNotFound(..) => ErrorCode::DeliveryNotFound,
        };
        match error {
            SubscriptionError::Database(e) => e.into(),
            other => ApiError::new(code, other.to_string()),
        }
    }
}

/// The columns [`webhook_from`] reads.
const COLUMNS: &str = "id, url, description, kinds, components, created_by, created_at, \
                       after_change, failing_since, next_attempt_at, disabled_at, \
                       CASE WHEN previous_until > clock_timestamp() THEN previous_until END";

/// Makes `new` for `actor`; answers it and its secret (to show once). `allow_private`:
/// `WEBHOOK_ALLOW_PRIVATE_NETWORKS`.
pub async fn create(
    database: &Database,
    new: &NewWebhook,
    actor: &Actor<WebhooksWrite>,
    allow_private: bool,
) -> Result<(Webhook, Secret), SubscriptionError> {
    let url = outbound::check_url(&new.url, allow_private)?;
    if new.url.chars().count() > 2000 {
        return Err(SubscriptionError::Invalid(
            "url must have at most 2000 characters".to_owned(),
        ));
    }
    if new.description.chars().count() > 500 || new.description.contains('\0') {
        return Err(SubscriptionError::Invalid(
            "description must have at most 500 characters, none of them NUL".to_owned(),
        ));
    }
    if new.components.len() > WEBHOOK_COMPONENTS_MAX {
        return Err(SubscriptionError::Invalid(format!(
            "components must name at most {WEBHOOK_COMPONENTS_MAX} slugs"
        )));
    }
    for slug in &new.components {
        Slug::parse(slug).map_err(|e| SubscriptionError::Invalid(format!("components: {e}")))?;
    }
    if !allow_private && let Some(url::Host::Domain(host)) = url.host() {
        outbound::check_host(host).await?;
    }
    let mut kinds: Vec<&str> = new.kinds.iter().map(|k| k.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut components = new.components.clone();
    components.sort_unstable();
    components.dedup();
    let secret = Secret::generate();
    let row = database
        .first_row(
            &format!(
                "INSERT INTO webhook_subscriptions \
                 (url, description, kinds, components, secret, created_by, after_change) \
             SELECT $1, $2, $3, $4, $5, $6, COALESCE(max(id), 0) FROM changes \
             RETURNING {COLUMNS}"
            ),
            &[
                (&new.url, Type::TEXT),
                (&new.description, Type::TEXT),
                (&kinds, Type::TEXT_ARRAY),
                (&components, Type::TEXT_ARRAY),
                (&secret.expose(), Type::TEXT),
                (&actor.subject(), Type::TEXT),
            ],
        )
        .await?
        .ok_or_else(|| DatabaseError::Unexpected {
            what: "the subscription's insert returned no row".to_owned(),
        })?;
    Ok((webhook_from(&row)?, secret))
}

/// Up to `limit` subscriptions with ids above `after`, by id.
pub async fn list(
    database: &Database,
    _actor: &Actor<WebhooksWrite>,
    after: i64,
    limit: u32,
) -> Result<Vec<Webhook>, SubscriptionError> {
    let connection = database.connection().await?;
    let rows = connection
        .client()
        .query_typed(
            &format!(
                "SELECT {COLUMNS} FROM webhook_subscriptions WHERE id > $1 ORDER BY id LIMIT $2"
            ),
            &[(&after, Type::INT8), (&i64::from(limit), Type::INT8)],
        )
        .await?;
    Ok(rows.iter().map(webhook_from).collect::<Result<_, _>>()?)
}

/// The subscription `id`.
pub async fn get(
    database: &Database,
    _actor: &Actor<WebhooksWrite>,
    id: i64,
) -> Result<Webhook, SubscriptionError> {
    let row = database
        .first_row(
            &format!("SELECT {COLUMNS} FROM webhook_subscriptions WHERE id = $1"),
            &[(&id, Type::INT8)],
        )
        .await?;
    webhook_from(&row.ok_or(SubscriptionError::NotFound(id))?).map_err(Into::into)
}

/// Deletes the subscription `id` and its attempts.
pub async fn delete(
    database: &Database,
    _actor: &Actor<WebhooksWrite>,
    id: i64,
) -> Result<(), SubscriptionError> {
    database
        .first_row(
            "DELETE FROM webhook_subscriptions WHERE id = $1 RETURNING 1",
            &[(&id, Type::INT8)],
        )
        .await?
        .ok_or(SubscriptionError::NotFound(id))?;
    Ok(())
}

/// Gives the subscription `id` a new secret; the one it had signs beside it for
/// [`PREVIOUS_SECRET_LASTS`] (a secret still in that role before ends now). Answers the
/// new secret and until when the previous one signs.
pub async fn rotate(
    database: &Database,
    _actor: &Actor<WebhooksWrite>,
    id: i64,
) -> Result<(Secret, DateTime<Utc>), SubscriptionError> {
    let secret = Secret::generate();
    let lasts = PREVIOUS_SECRET_LASTS.as_secs_f64();
    let row = database
        .first_row(
            "UPDATE webhook_subscriptions \
         SET previous_secret = secret, secret = $2, \
             previous_until = clock_timestamp() + make_interval(secs => $3) \
         WHERE id = $1 RETURNING previous_until",
            &[
                (&id, Type::INT8),
                (&secret.expose(), Type::TEXT),
                (&lasts, Type::FLOAT8),
            ],
        )
        .await?
        .ok_or(SubscriptionError::NotFound(id))?;
    Ok((secret, row.try_get(0).map_err(DatabaseError::from)?))
}

/// Up to `limit` of the subscription `id`'s attempts with ids below `before` (all when
/// `None`), newest first.
pub async fn attempts(
    database: &Database,
    _actor: &Actor<WebhooksWrite>,
    id: i64,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<DeliveryAttempt>, SubscriptionError> {
    let connection = database.connection().await?;
    // With the subscription's own row (an attempt id NULL), to tell "none" from "no
    // such subscription" in the same statement.
    let rows = connection
        .client()
        .query_typed(
            "SELECT NULL::int8, NULL::int8, NULL::timestamptz, NULL::int4, NULL::text, \
                 NULL::int4 FROM webhook_subscriptions WHERE id = $1 \
             UNION ALL (SELECT a.id, a.change_id, a.at, a.status, a.error, a.duration_ms \
                 FROM webhook_attempts a \
                 WHERE a.subscription_id = $1 AND ($2::int8 IS NULL OR a.id < $2) \
                 ORDER BY a.id DESC LIMIT $3)",
            &[
                (&id, Type::INT8),
                (&before, Type::INT8),
                (&i64::from(limit), Type::INT8),
            ],
        )
        .await?;
    let mut found = false;
    let mut attempts = Vec::with_capacity(rows.len());
    for row in &rows {
        match row
            .try_get::<_, Option<i64>>(0)
            .map_err(DatabaseError::from)?
        {
            None => found = true,
            Some(_) => attempts.push(attempt_from(id, row)?),
        }
    }
    if !found {
        return Err(SubscriptionError::NotFound(id));
    }
    attempts.sort_unstable_by_key(|attempt| std::cmp::Reverse(attempt.id));
    Ok(attempts)
}

/// Sends the change `delivery` to the subscription `id` again: its pending change now
/// (enabling a disabled subscription), a delivered one once more, out of order. Answers
/// the subscription.
pub async fn retry(
    database: &Database,
    actor: &Actor<WebhooksWrite>,
    id: i64,
    delivery: i64,
) -> Result<Webhook, SubscriptionError> {
    let row = database
        .first_row(
            "WITH sub AS (SELECT id, after_change, disabled_at FROM webhook_subscriptions \
                      WHERE id = $1 FOR UPDATE), \
              tried AS (SELECT 1 FROM webhook_attempts \
                        WHERE subscription_id = $1 AND change_id = $2 LIMIT 1), \
              now_due AS (UPDATE webhook_subscriptions w \
                          SET next_attempt_at = clock_timestamp(), disabled_at = NULL, \
                              failing_since = CASE WHEN sub.disabled_at IS NULL \
                                                   THEN w.failing_since END, \
                              attempts = CASE WHEN sub.disabled_at IS NULL \
                                              THEN w.attempts ELSE 0 END \
                          FROM sub WHERE w.id = sub.id AND $2 > sub.after_change \
                            AND EXISTS (SELECT 1 FROM tried) RETURNING 1), \
              again AS (INSERT INTO webhook_redeliveries (subscription_id, change_id) \
                        SELECT sub.id, $2 FROM sub \
                        WHERE $2 <= sub.after_change AND EXISTS (SELECT 1 FROM tried) \
                        ON CONFLICT DO NOTHING RETURNING 1) \
         SELECT EXISTS (SELECT 1 FROM sub), EXISTS (SELECT 1 FROM tried), \
             (SELECT count(*) FROM now_due) + (SELECT count(*) FROM again)",
            &[(&id, Type::INT8), (&delivery, Type::INT8)],
        )
        .await?
        .ok_or_else(|| DatabaseError::Unexpected {
            what: "the retry answered no row".to_owned(),
        })?;
    if !row.try_get::<_, bool>(0).map_err(DatabaseError::from)? {
        return Err(SubscriptionError::NotFound(id));
    }
    if !row.try_get::<_, bool>(1).map_err(DatabaseError::from)? {
        return Err(SubscriptionError::DeliveryNotFound(id, delivery));
    }
    get(database, actor, id).await
}

/// A subscription from a row of [`COLUMNS`].
fn webhook_from(row: &Row) -> Result<Webhook, DatabaseError> {
    let kinds: Vec<String> = row.try_get(3)?;
    let failing_since: Option<DateTime<Utc>> = row.try_get(8)?;
    let next_attempt_at: DateTime<Utc> = row.try_get(9)?;
    let disabled_at: Option<DateTime<Utc>> = row.try_get(10)?;
    let state = match (disabled_at, failing_since) {
        (Some(_), _) => WebhookState::Disabled,
        (None, Some(_)) => WebhookState::Failing,
        (None, None) => WebhookState::Active,
    };
    Ok(Webhook {
        id: row.try_get(0)?,
        url: row.try_get(1)?,
        description: row.try_get(2)?,
        kinds: kinds.iter().filter_map(|k| WebhookKind::parse(k)).collect(),
        components: row.try_get(4)?,
        created_by: row.try_get(5)?,
        created_at: row.try_get(6)?,
        state,
        delivered_through: row.try_get(7)?,
        failing_since,
        next_attempt_at: (state == WebhookState::Failing).then_some(next_attempt_at),
        disabled_at,
        previous_secret_until: row.try_get(11)?,
    })
}

/// An attempt of the subscription `id` from a row of [`attempts`].
fn attempt_from(id: i64, row: &Row) -> Result<DeliveryAttempt, DatabaseError> {
    let change: i64 = row.try_get(1)?;
    let status: Option<i32> = row.try_get(3)?;
    let status_code = status.and_then(|s| u16::try_from(s).ok());
    let duration: i32 = row.try_get(5)?;
    Ok(DeliveryAttempt {
        id: row.try_get(0)?,
        delivery: change,
        webhook_id: webhook_id(id, change),
        at: row.try_get(2)?,
        status_code,
        error: row.try_get(4)?,
        duration_ms: u32::try_from(duration).unwrap_or(0),
        delivered: status_code.is_some_and(|s| (200..300).contains(&s)),
    })
}

/// The `webhook-id` of the change `change` sent to the subscription `id`: the same for
/// every attempt, so that a receiver can drop a second arrival.
pub fn webhook_id(id: i64, change: i64) -> String {
    format!("msg_{id}_{change}")
}
