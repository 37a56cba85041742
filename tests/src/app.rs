//! A real server for one test: `TestApp::spawn().await`.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use statusboard_server::config::{DatabaseUrl, Settings};
use statusboard_server::logging;
use statusboard_server::server::{Server, Shutdown};

use crate::database::fresh_database;
use crate::poll;

/// A database URL where no database is: port 1 of the loopback interface.
pub fn nowhere() -> DatabaseUrl {
    DatabaseUrl::parse("DATABASE_URL", "postgresql://u:p@127.0.0.1:1/none")
        .expect("a valid database URL")
}

/// A running server on `127.0.0.1` with a port of its own.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// The address the server listens on.
    pub addr: SocketAddr,
    /// The settings it runs with.
    pub settings: Settings,
    server: Option<Server>,
    _log_guard: Option<logging::LogGuard>,
}

impl TestApp {
    /// Starts a server for a test that does not use the database: none is created, and
    /// the server's `DATABASE_URL` names a loopback port nothing listens on (so `/ready`
    /// answers `503` at once).
    pub async fn spawn() -> Self {
        Self::spawn_with(Self::settings(nowhere())).await
    }

    /// Starts a server on a fresh database of its own, and waits until its migrations
    /// are applied.
    pub async fn spawn_with_database() -> Self {
        Self::spawn_ready(Self::settings(fresh_database().await)).await
    }

    /// Starts a server with `settings` and waits until its migrations are applied and its
    /// live board follows the change log.
    pub async fn spawn_ready(settings: Settings) -> Self {
        let app = Self::spawn_with(settings).await;
        let migrated =
            poll::until_async(Duration::from_secs(30), Duration::from_millis(20), || {
                let context = app.server().context();
                let done = context.migrated.load(Ordering::Acquire) && context.hub.is_live();
                std::future::ready(done.then_some(()))
            })
            .await;
        assert!(
            migrated.is_some(),
            "the test server's migrations did not finish within 30 s"
        );
        app
    }

    /// Test settings: every default, a test secret, port 0, the given database (its
    /// `LISTEN` straight to PostgreSQL when the tests go through PgBouncer), and a short
    /// connect timeout.
    pub fn settings(database_url: DatabaseUrl) -> Settings {
        let listen_url = crate::database::listen_url(&database_url);
        let mut settings = Settings::for_tests(database_url);
        settings.database_listen_url = listen_url;
        settings.database_connect_timeout = Duration::from_secs(2);
        settings
    }

    /// Starts a server with the given settings, without waiting for its database. Set
    /// `TEST_LOG=1` to see its log.
    pub async fn spawn_with(settings: Settings) -> Self {
        let (log, guard) = if std::env::var_os("TEST_LOG").is_some() {
            let (log, guard) = logging::init(settings.log_level, settings.log_format);
            (log, Some(guard))
        } else {
            (logging::discard(), None)
        };
        let mut app = Self::spawn_logging(settings, &log);
        app._log_guard = guard;
        app
    }

    /// Starts a server with `settings` that logs to `log` (a [`crate::log_capture`]'s, to
    /// read what it logged), without waiting for its database.
    pub fn spawn_logging(settings: Settings, log: &slog::Logger) -> Self {
        let server = Server::start(&settings, log).expect("the test server starts");
        let addr = server.local_addr();
        Self {
            base_url: format!("http://{addr}"),
            addr,
            settings,
            server: Some(server),
            _log_guard: None,
        }
    }

    /// The running server (its context holds the database pool).
    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("not stopped yet")
    }

    /// Runs `statements` on the server's database (to set up what the API cannot, or what
    /// would take too many calls through it).
    pub async fn execute_sql(&self, statements: &str) {
        let connection = self.server().context().database.connection().await;
        let connection = connection.expect("a connection to the test database");
        if let Err(e) = connection.client().batch_execute(statements).await {
            panic!("{statements}: {e}");
        }
    }

    /// The URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Stops the server gracefully, as SIGTERM would.
    pub async fn stop(mut self) -> Shutdown {
        let server = self.server.take().expect("not stopped yet");
        server.shutdown(self.settings.shutdown_timeout).await
    }
}
