//! A real server for one test: `TestApp::spawn().await`.

use std::net::SocketAddr;

use statusboard_server::config::{DatabaseUrl, Settings};
use statusboard_server::logging;
use statusboard_server::server::{Server, Shutdown};

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
    /// Starts a server with the test settings (see [`TestApp::settings`]).
    pub async fn spawn() -> Self {
        Self::spawn_with(Self::settings()).await
    }

    /// The default test settings: every default, a test secret, port 0, and a database
    /// URL nothing listens on.
    pub fn settings() -> Settings {
        let unused = DatabaseUrl::parse("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
            .expect("a valid URL");
        Settings::for_tests(unused)
    }

    /// Starts a server with the given settings. Set `TEST_LOG=1` to see its log.
    pub async fn spawn_with(settings: Settings) -> Self {
        let (log, guard) = if std::env::var_os("TEST_LOG").is_some() {
            let (log, guard) = logging::init(settings.log_level, settings.log_format);
            (log, Some(guard))
        } else {
            (logging::discard(), None)
        };
        let server = Server::start(&settings, &log).expect("the test server starts");
        let addr = server.local_addr();
        Self {
            base_url: format!("http://{addr}"),
            addr,
            settings,
            server: Some(server),
            _log_guard: guard,
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
