//! Schema migrations: versioned SQL files in `server/migrations/`
//! (`V1__create_things.sql`, `V2__…`), embedded in the binary by refinery and recorded in
//! the `refinery_schema_history` table.
//!
//! They are applied at startup and by `statusboard-server migrate`. A PostgreSQL advisory
//! lock makes concurrent runs (two servers starting at once) take turns: the second finds
//! everything applied and does nothing.

use refinery::{Migration, Runner};

use super::{Database, DatabaseError};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The advisory lock key held while migrating (an arbitrary constant: "statusbd").
const LOCK_KEY: i64 = 0x7374_6174_7573_6264;

/// The migrations shipped with this binary.
pub fn embedded() -> Runner {
    embedded::migrations::runner()
}

/// Builds a runner from `(name, sql)` pairs such as `("V1__create_notes", "CREATE …")`.
pub fn runner_from(migrations: &[(&str, &str)]) -> Result<Runner, DatabaseError> {
    let migrations = migrations
        .iter()
        .map(|(name, sql)| Migration::unapplied(name, sql))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DatabaseError::Migration(e.to_string()))?;
    Ok(Runner::new(&migrations))
}

/// Applies the runner's pending migrations, holding the advisory lock meanwhile. Returns
/// the names of the migrations this call applied.
pub async fn apply(database: &Database, runner: &Runner) -> Result<Vec<String>, DatabaseError> {
    let mut connection = database.connection().await?;
    let client: &mut tokio_postgres::Client = &mut connection.object;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
        .await?;
    let report = runner.run_async(client).await;
    // Release on every path; a lost connection releases it by itself.
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await;
    let report = report.map_err(|e| {
        crate::metrics::database_error("migration");
        DatabaseError::Migration(e.to_string())
    })?;
    unlocked?;
    let applied: Vec<String> = report
        .applied_migrations()
        .iter()
        .map(ToString::to_string)
        .collect();
    crate::metrics::migrations_applied(applied.len());
    Ok(applied)
}
