//! The database layer against real PostgreSQL: transactions, the pool, migrations.

use std::sync::Arc;
use std::time::Duration;

use statusboard_server::config::Settings;
use statusboard_server::database::{Database, DatabaseError, migrations};
use statusboard_tests::app::TestApp;
use statusboard_tests::database::fresh_database;

/// A pool on a fresh database with a `notes` table, and the settings it was built from.
async fn database_with_notes(pool_max_size: usize) -> (Database, Settings) {
    let mut settings = TestApp::settings(fresh_database().await);
    settings.database_pool_max_size = pool_max_size;
    // The suite's 2 s is for tests of an outage; a loaded cluster (a gate ran it with the
    // fetched PostgreSQL) may take longer to open a fresh database's first connection.
    settings.database_connect_timeout = Duration::from_secs(10);
    let database = Database::new(&settings).unwrap();
    database
        .connection()
        .await
        .unwrap()
        .client()
        .batch_execute("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)")
        .await
        .unwrap();
    (database, settings)
}

/// How many rows `table` holds.
async fn count(database: &Database, table: &str) -> i64 {
    let connection = database.connection().await.unwrap();
    let sql = format!("SELECT count(*) FROM {table}");
    connection
        .client()
        .query_one(&sql, &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn ok_commits() {
    let (database, _) = database_with_notes(2).await;
    let mut connection = database.connection().await.unwrap();
    let inserted = connection
        .transaction(async |tx| {
            tx.execute("INSERT INTO notes (body) VALUES ('kept')", &[])
                .await?;
            Ok::<_, DatabaseError>(1)
        })
        .await
        .unwrap();
    drop(connection);
    assert_eq!(inserted, 1);
    assert_eq!(count(&database, "notes").await, 1);
}

/// A failed statement reports what PostgreSQL said, and its SQLSTATE, not "db error".
#[tokio::test]
async fn a_failed_statement_says_what_postgresql_said() {
    let (database, _) = database_with_notes(1).await;
    let connection = database.connection().await.unwrap();
    let error = connection
        .client()
        .execute("INSERT INTO missing (body) VALUES ('x')", &[])
        .await
        .map_err(DatabaseError::from)
        .unwrap_err();
    assert_eq!(error.kind(), "query");
    assert_eq!(
        error.to_string(),
        "database query failed: relation \"missing\" does not exist (SQLSTATE 42P01)"
    );
}

/// What the driver refuses with no word from PostgreSQL (a value that does not convert, a
/// parameter count that does not match) is the server's fault (`500`), not an outage.
#[tokio::test]
async fn a_value_that_does_not_convert_is_not_an_outage() {
    let (database, _) = database_with_notes(1).await;
    let connection = database.connection().await.unwrap();
    let client = connection.client();
    let rows = client
        .query_typed("SELECT 'text'::text", &[])
        .await
        .unwrap();
    let undecodable = rows[0].try_get::<_, i64>(0).unwrap_err();
    let miscounted = client.query("SELECT $1::int8", &[]).await.unwrap_err();
    for error in [undecodable, miscounted] {
        let error = DatabaseError::from(error);
        assert_eq!(error.kind(), "query", "{error}");
    }
}

#[tokio::test]
async fn err_rolls_back() {
    let (database, _) = database_with_notes(2).await;
    let mut connection = database.connection().await.unwrap();
    let result: Result<(), DatabaseError> = connection
        .transaction(async |tx| {
            tx.execute("INSERT INTO notes (body) VALUES ('discarded')", &[])
                .await?;
            Err(DatabaseError::unavailable("the handler gave up"))
        })
        .await;
    drop(connection);
    assert!(result.is_err());
    assert_eq!(count(&database, "notes").await, 0);
}

#[tokio::test]
async fn a_failed_statement_rolls_back_what_came_before() {
    let (database, _) = database_with_notes(2).await;
    let mut connection = database.connection().await.unwrap();
    let result = connection
        .transaction(async |tx| {
            tx.execute("INSERT INTO notes (body) VALUES ('first')", &[])
                .await?;
            tx.execute("INSERT INTO notes (body) VALUES (NULL)", &[])
                .await?;
            Ok::<_, DatabaseError>(())
        })
        .await;
    drop(connection);
    assert!(matches!(result, Err(DatabaseError::Query(_))), "{result:?}");
    assert_eq!(count(&database, "notes").await, 0);
}

#[tokio::test]
async fn a_cancelled_transaction_rolls_back_and_its_connection_is_reused() {
    // One connection only: the next checkout gets the very connection that was cancelled.
    let (database, _) = database_with_notes(1).await;
    let work = async {
        let mut connection = database.connection().await.unwrap();
        connection
            .transaction(async |tx| {
                tx.execute("INSERT INTO notes (body) VALUES ('cancelled')", &[])
                    .await?;
                std::future::pending::<()>().await;
                Ok::<_, DatabaseError>(())
            })
            .await
    };
    // The client goes away: the future is dropped in the middle of the transaction.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), work)
            .await
            .is_err()
    );

    assert_eq!(database.status().size, 1);
    let connection = database.connection().await.unwrap();
    let in_transaction: i64 = connection
        .client()
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND state LIKE 'idle in transaction%'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(in_transaction, 0);
    drop(connection);
    assert_eq!(count(&database, "notes").await, 0);
}

#[tokio::test]
async fn a_panic_inside_a_transaction_rolls_back() {
    let (database, _) = database_with_notes(1).await;
    let for_task = database.clone();
    let task = tokio::spawn(async move {
        let mut connection = for_task.connection().await.unwrap();
        connection
            .transaction(async |tx| {
                tx.execute("INSERT INTO notes (body) VALUES ('panicked')", &[])
                    .await?;
                panic!("a bug in a handler");
                #[allow(unreachable_code)]
                Ok::<_, DatabaseError>(())
            })
            .await
    });
    assert!(task.await.unwrap_err().is_panic());
    assert_eq!(count(&database, "notes").await, 0);
}

#[tokio::test]
async fn the_pool_never_exceeds_its_maximum() {
    const MAX: usize = 3;
    let (database, settings) = database_with_notes(MAX).await;
    let observer = statusboard_tests::database::connect(&settings.database_url).await;
    let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let database = database.clone();
            let peak = Arc::clone(&peak);
            tokio::spawn(async move {
                let connection = database.connection().await.unwrap();
                peak.fetch_max(database.status().size, std::sync::atomic::Ordering::SeqCst);
                connection
                    .client()
                    .simple_query("SELECT pg_sleep(0.05)")
                    .await
                    .unwrap();
            })
        })
        .collect();
    let mut server_side_peak = 0;
    for task in tasks {
        let open: i64 = observer
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND application_name = 'statusboard'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        server_side_peak = server_side_peak.max(open);
        task.await.unwrap();
    }
    let peak = peak.load(std::sync::atomic::Ordering::SeqCst);
    assert!(peak <= MAX, "pool grew to {peak}");
    assert!(
        server_side_peak <= MAX as i64,
        "PostgreSQL saw {server_side_peak} connections"
    );
    assert!(peak >= 2, "the tasks ran concurrently ({peak})");
}

const TEST_MIGRATIONS: &[(&str, &str)] = &[(
    "V1__create_items",
    "CREATE TABLE items (id serial PRIMARY KEY); INSERT INTO items DEFAULT VALUES;",
)];

#[tokio::test]
async fn migrations_apply_once_and_are_recorded() {
    let settings = TestApp::settings(fresh_database().await);
    let database = Database::new(&settings).unwrap();
    let runner = migrations::runner_from(TEST_MIGRATIONS).unwrap();

    let applied = migrations::apply(&database, &runner).await.unwrap();
    assert_eq!(applied, ["V1__create_items"]);
    let again = migrations::apply(&database, &runner).await.unwrap();
    assert!(again.is_empty(), "{again:?}");

    assert_eq!(
        count(&database, "refinery_schema_history WHERE version = 1").await,
        1
    );
    assert_eq!(count(&database, "items").await, 1);
}

#[tokio::test]
async fn concurrent_migration_runs_apply_each_migration_once() {
    let settings = TestApp::settings(fresh_database().await);
    let runs: Vec<_> = (0..4)
        .map(|_| {
            // Separate pools, as separate server processes would have.
            let database = Database::new(&settings).unwrap();
            tokio::spawn(async move {
                let runner = migrations::runner_from(TEST_MIGRATIONS).unwrap();
                migrations::apply(&database, &runner).await.unwrap()
            })
        })
        .collect();
    let mut applied_by = 0;
    for run in runs {
        if !run.await.unwrap().is_empty() {
            applied_by += 1;
        }
    }
    assert_eq!(applied_by, 1, "exactly one run applies the migration");
    let database = Database::new(&settings).unwrap();
    assert_eq!(count(&database, "items").await, 1);
}

#[tokio::test]
async fn the_shipped_migrations_apply_on_an_empty_database() {
    let settings = TestApp::settings(fresh_database().await);
    let database = Database::new(&settings).unwrap();
    migrations::apply(&database, &migrations::embedded())
        .await
        .unwrap();
    let again = migrations::apply(&database, &migrations::embedded())
        .await
        .unwrap();
    assert!(again.is_empty());
}
