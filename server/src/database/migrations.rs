//! Schema migrations: versioned SQL files in `server/migrations/`
//! (`V1__create_things.sql`, `V2__…`), embedded in the binary by refinery and recorded in
//! the `refinery_schema_history` table.
//!
//! They are applied at startup and by `statusboard-server migrate`. A PostgreSQL advisory
//! lock makes concurrent runs (two servers starting at once) take turns: the second finds
//! everything applied and does nothing.
//!
//! Everything happens in one transaction: the lock is a *transaction-level* one
//! (`pg_advisory_xact_lock`), taken first, and refinery runs its statements (the history
//! table, the migrations, their records) in that same transaction (`InTransaction`), so
//! the run is all or nothing and the lock goes when it ends, however it ends. A
//! session-level lock, taken and released by separate statements, would land on different
//! server connections behind a pooler in transaction mode (PgBouncer) and stay held
//! forever. A migration therefore cannot use what PostgreSQL refuses in a transaction
//! (`CREATE INDEX CONCURRENTLY`).

use refinery::{Migration, Runner};
use refinery_core::AsyncMigrate;
use refinery_core::traits::r#async::{AsyncQuery, AsyncTransaction};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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
    let transaction = connection.object.transaction().await?;
    // Waits while another server migrates, as long as that takes: a migration is not
    // bound by the sessions' timeouts.
    transaction
        .batch_execute(&format!(
            "SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = 0; \
             SELECT pg_advisory_xact_lock({LOCK_KEY})"
        ))
        .await?;
    let mut migrating = InTransaction(&transaction);
    let report = runner.run_async(&mut migrating).await.map_err(|e| {
        crate::metrics::database_error("migration");
        DatabaseError::Migration(e.to_string())
    })?;
    transaction.commit().await?;
    let applied: Vec<String> = report
        .applied_migrations()
        .iter()
        .map(ToString::to_string)
        .collect();
    crate::metrics::migrations_applied(applied.len());
    Ok(applied)
}

/// Refinery's connection, made of one open transaction: its statements run there and
/// nothing commits until [`apply`] does.
struct InTransaction<'a>(&'a tokio_postgres::Transaction<'a>);

#[async_trait::async_trait]
impl AsyncTransaction for InTransaction<'_> {
    type Error = tokio_postgres::Error;

    async fn execute<'q, T: Iterator<Item = &'q str> + Send>(
        &mut self,
        queries: T,
    ) -> Result<usize, Self::Error> {
        let mut count = 0;
        for query in queries {
            self.0.batch_execute(query).await?;
            count += 1;
        }
        Ok(count)
    }
}

#[async_trait::async_trait]
impl AsyncQuery<Vec<Migration>> for InTransaction<'_> {
    /// The applied migrations, from refinery's history query (`version, name,
    /// applied_on, checksum`).
    async fn query(&mut self, query: &str) -> Result<Vec<Migration>, Self::Error> {
        let rows = self.0.query(query, &[]).await?;
        let mut applied = Vec::with_capacity(rows.len());
        for row in rows {
            let version: i32 = row.try_get(0)?;
            let name: String = row.try_get(1)?;
            let applied_on: String = row.try_get(2)?;
            let checksum: String = row.try_get(3)?;
            // Refinery wrote both (RFC 3339, a u64): anything else reads as never applied,
            // and the run then fails on the version already in the table.
            let (Ok(applied_on), Ok(checksum)) = (
                OffsetDateTime::parse(&applied_on, &Rfc3339),
                checksum.parse::<u64>(),
            ) else {
                continue;
            };
            applied.push(Migration::applied(version, name, applied_on, checksum));
        }
        Ok(applied)
    }
}

impl AsyncMigrate for InTransaction<'_> {}
