//! Components: created or updated by slug, read one or a page at a time, deleted with
//! their reports.

use statusboard_api::{Component, ComponentUpdate, Limits};

use tokio_postgres::types::Type;

use super::{BoardError, COMPONENT_COLUMNS, component_from};
use crate::database::Database;

/// Creates the component `slug`, or updates its name and description. Answers it, and
/// whether it was created.
pub async fn put(
    database: &Database,
    slug: &str,
    update: &ComponentUpdate,
) -> Result<(Component, bool), BoardError> {
    Limits::slug(slug).map_err(BoardError::Invalid)?;
    Limits::component(update).map_err(BoardError::Invalid)?;
    let mut connection = database.connection().await?;
    connection
        .transaction(async |tx| {
            let created: bool = tx
                .query_one(
                    "INSERT INTO components (slug, name, description) VALUES ($1, $2, $3) \
                     ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, \
                         description = EXCLUDED.description, updated_at = clock_timestamp() \
                     RETURNING xmax = 0",
                    &[&slug, &update.name, &update.description],
                )
                .await?
                .get(0);
            let sql = format!("SELECT {COMPONENT_COLUMNS} WHERE c.slug = $1");
            let row = tx.query_one(&sql, &[&slug]).await?;
            Ok((component_from(&row)?, created))
        })
        .await
}

/// The component `slug`.
pub async fn get(database: &Database, slug: &str) -> Result<Component, BoardError> {
    Limits::slug(slug).map_err(BoardError::Invalid)?;
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

/// Deletes the component `slug` and its reports.
pub async fn delete(database: &Database, slug: &str) -> Result<(), BoardError> {
    Limits::slug(slug).map_err(BoardError::Invalid)?;
    let connection = database.connection().await?;
    let deleted = connection
        .client()
        .query_typed(
            "DELETE FROM components WHERE slug = $1 RETURNING 1",
            &[(&slug, Type::TEXT)],
        )
        .await?;
    if deleted.is_empty() {
        return Err(BoardError::ComponentNotFound(slug.to_owned()));
    }
    Ok(())
}
