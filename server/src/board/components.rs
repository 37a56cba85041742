//! Components: created or updated by slug, read one or a page at a time, deleted with
//! their reports.

use statusboard_api::{Component, ComponentUpdate, ComponentsWrite, Limits, Slug};

use tokio_postgres::types::Type;

use super::{BoardError, COMPONENT_COLUMNS, component_from};
use crate::bearer_auth::Actor;
use crate::changes::{self, Change, Kind};
use crate::database::Database;

/// What a `PUT` does to the group of a component that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Sets it to the update's (API 6.0.0 on: a `PUT` replaces the component).
    Replace,
    /// Keeps it (the versions before 6.0.0, whose clients do not know groups).
    Keep,
}

/// Creates the component `slug`, or updates its name, description and (by `group`) its
/// group, for `actor`. Answers it, and whether it was created; the change goes to the log.
pub async fn put(
    database: &Database,
    slug: &Slug,
    update: &ComponentUpdate,
    group: Group,
    actor: &Actor<ComponentsWrite>,
) -> Result<(Component, bool), BoardError> {
    let slug = slug.as_str();
    Limits::component(update).map_err(BoardError::Invalid)?;
    let transaction = database.connection().await?.begin().await?;
    let client = transaction.client();
    let keep = group == Group::Keep;
    let created: bool = client
        .query_one(
            "INSERT INTO components (slug, name, description, group_name) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, \
                 description = EXCLUDED.description, \
                 group_name = CASE WHEN $5 THEN components.group_name \
                                   ELSE EXCLUDED.group_name END, \
                 updated_at = clock_timestamp() \
             RETURNING xmax = 0",
            &[
                &slug,
                &update.name,
                &update.description,
                &update.group,
                &keep,
            ],
        )
        .await?
        .get(0);
    let sql = format!("SELECT {COMPONENT_COLUMNS} WHERE c.slug = $1");
    let component = component_from(&client.query_one(&sql, &[&slug]).await?)?;
    changes::append(
        transaction,
        &Change::new(Kind::Component, actor.subject(), &component),
    )
    .await?;
    Ok((component, created))
}

/// The component `slug`.
pub async fn get(database: &Database, slug: &Slug) -> Result<Component, BoardError> {
    let slug = slug.as_str();
    let connection = database.connection().await?;
    let sql = format!("SELECT {COMPONENT_COLUMNS} WHERE c.slug = $1");
    let rows = connection
        .client()
        .query_typed(&sql, &[(&slug, Type::TEXT)])
        .await?;
    match rows.first() {
        Some(row) => component_from(row),
        None => Err(BoardError::ComponentNotFound(slug.to_owned())),
    }
}

/// Up to `limit` components ordered by slug, those after `after` (a slug) when given.
pub async fn list(
    database: &Database,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Component>, BoardError> {
    let connection = database.connection().await?;
    let limit = i64::from(limit);
    let rows = connection
        .client()
        .query_typed(&list_sql(), &[(&after, Type::TEXT), (&limit, Type::INT8)])
        .await?;
    rows.iter().map(component_from).collect()
}

/// The statement [`list`] runs: `$1` the slug to start after (or `NULL`), `$2` the limit.
/// Public for the benchmark, which runs it in pgbench.
pub fn list_sql() -> String {
    format!(
        "SELECT {COMPONENT_COLUMNS} WHERE $1::text IS NULL OR c.slug > $1 \
         ORDER BY c.slug LIMIT $2"
    )
}

/// Deletes the component `slug` and its reports, for `actor`; the change goes to the log.
pub async fn delete(
    database: &Database,
    slug: &Slug,
    actor: &Actor<ComponentsWrite>,
) -> Result<(), BoardError> {
    let slug = slug.as_str();
    let transaction = database.connection().await?.begin().await?;
    let deleted = transaction
        .client()
        .query_typed(
            "DELETE FROM components WHERE slug = $1 RETURNING 1",
            &[(&slug, Type::TEXT)],
        )
        .await?;
    if deleted.is_empty() {
        transaction.rollback().await?;
        return Err(BoardError::ComponentNotFound(slug.to_owned()));
    }
    let data = serde_json::json!({ "slug": slug });
    changes::append(
        transaction,
        &Change::new(Kind::ComponentDeleted, actor.subject(), &data),
    )
    .await?;
    Ok(())
}
