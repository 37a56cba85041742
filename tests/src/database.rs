//! A fresh database for each test.
//!
//! When `DATABASE_URL` is set (GitHub's service container), tests use that server;
//! otherwise one throwaway [`Cluster`] is started for the whole test binary on first
//! use. Either way, every call to [`fresh_database`] creates a new, empty database, so
//! tests run in parallel without seeing each other's data.
//!
//! With `STATUSBOARD_TEST_PGBOUNCER=1`, the databases are reached through a [`PgBouncer`]
//! in transaction pooling mode (2 server connections per database) in front of the
//! throwaway cluster: `.ci/pgbouncer` runs a named part of the end-to-end tests so. Their
//! servers' `LISTEN` then goes to the cluster itself ([`listen_url`]), as in production.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use statusboard_server::config::DatabaseUrl;
use tokio_postgres::NoTls;

use crate::pgbouncer::PgBouncer;
use crate::postgres::{Cluster, DataDir, error_text};

// One per test binary: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Server {
    /// `DATABASE_URL`: a server someone else runs.
    External(String),
    /// A cluster this test binary started, and the PgBouncer in front of it, if asked for.
    Local(Cluster, Option<PgBouncer>),
}

impl Server {
    /// A URL of the same server for another database, as the tests reach it.
    fn url(&self, database: &str) -> String {
        match self {
            Self::External(url) => with_database(url, database),
            Self::Local(_, Some(bouncer)) => bouncer.url(database),
            Self::Local(cluster, None) => cluster.url(database),
        }
    }

    /// A URL for `database` that reaches PostgreSQL itself (to create databases).
    fn direct_url(&self, database: &str) -> String {
        match self {
            Self::Local(cluster, _) => cluster.url(database),
            external => external.url(database),
        }
    }
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

fn server() -> &'static Server {
    let server = SERVER.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => Ok(Server::External(url)),
        _ => {
            let cluster = Cluster::start(DataDir::Temporary, None).map_err(|e| e.to_string())?;
            let bouncer = match std::env::var("STATUSBOARD_TEST_PGBOUNCER") {
                Ok(flag) if !flag.is_empty() && flag != "0" => {
                    Some(PgBouncer::start(cluster.port(), 2).map_err(|e| e.to_string())?)
                }
                _ => None,
            };
            Ok(Server::Local(cluster, bouncer))
        }
    });
    match server {
        Ok(server) => server,
        Err(e) => panic!("cannot start PostgreSQL for the tests: {e}"),
    }
}

/// Creates a new empty database and returns its URL.
pub async fn fresh_database() -> DatabaseUrl {
    DatabaseUrl::parse("DATABASE_URL", &fresh_database_url().await).expect("a valid database URL")
}

/// Creates a new empty database and returns its URL as text (for child processes).
pub async fn fresh_database_url() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let server = server();
    let name = format!(
        "statusboard_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let admin_url = DatabaseUrl::parse("DATABASE_URL", &server.direct_url("postgres"))
        .expect("a valid database URL");
    let admin = connect(&admin_url).await;
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap_or_else(|e| panic!("creating database {name}: {}", error_text(&e)));
    server.url(&name)
}

/// For a database URL that [`fresh_database`] gave through PgBouncer, the URL of the same
/// database on PostgreSQL itself (a `DATABASE_LISTEN_URL`); otherwise `None`.
pub fn listen_url(url: &DatabaseUrl) -> Option<DatabaseUrl> {
    match SERVER.get() {
        Some(Ok(Server::Local(cluster, Some(_)))) => {
            let database = url.connect_config().get_dbname()?;
            let direct = cluster.url(database);
            Some(DatabaseUrl::parse("DATABASE_LISTEN_URL", &direct).expect("a valid database URL"))
        }
        _ => None,
    }
}

/// A plain client for test assertions, outside the server's pool.
pub async fn connect(url: &DatabaseUrl) -> tokio_postgres::Client {
    let (client, connection) = url
        .connect_config()
        .connect(NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to the test database: {}", error_text(&e)));
    tokio::spawn(connection);
    client
}

/// `url` with its database name replaced by `database` (query parameters kept).
fn with_database(url: &str, database: &str) -> String {
    let mut url = url::Url::parse(url)
        .unwrap_or_else(|e| panic!("the tests' DATABASE_URL must be a URL of one server ({e})"));
    url.set_path(database);
    url.into()
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/app", "t1"),
            "postgres://u:p@h:5432/t1"
        );
        assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
        assert_eq!(
            with_database("postgresql://u@h/app?sslmode=disable", "t1"),
            "postgresql://u@h/t1?sslmode=disable"
        );
    }
}
