//! `statusboard-server`: runs the HTTP API until SIGTERM or Ctrl-C;
//! `statusboard-server migrate` applies the database migrations and exits;
//! `statusboard-server healthcheck` exits 0 when the local server answers `/api/v1/health`
//! (for container health checks, which have no curl).
//!
//! All configuration comes from the environment (and `.env`); see docs/configuration.md. A bad
//! setting is reported on one line of standard error, before any port is bound, and the
//! process exits with status 2.

use std::process::ExitCode;

use slog::{error, info};
use statusboard_server::config::Settings;
use statusboard_server::database::{Database, migrations};
use statusboard_server::server::{self, Server, Shutdown};
use statusboard_server::{logging, probe};

const USAGE: &str = "usage: statusboard-server [migrate | healthcheck | --help | --version]

Serves the statusboard HTTP API (and applies pending database migrations in the
background); `migrate` applies them and exits; `healthcheck` asks the running server's
/api/v1/health and exits 0 when it answers 200. Configure it with environment variables or
a .env file in the working directory (JWT_SECRET is required); see docs/configuration.md.";

/// What the command line asks for.
enum Command {
    Serve,
    Migrate,
    Healthcheck,
}

fn main() -> ExitCode {
    let command = match std::env::args().nth(1).as_deref() {
        None => Command::Serve,
        Some("migrate") => Command::Migrate,
        Some("healthcheck") => Command::Healthcheck,
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some("-V" | "--version") => {
            println!("statusboard-server {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("statusboard-server: unknown argument {other:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("statusboard-server: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Command::Healthcheck = command {
        return healthcheck(settings.bind_address);
    }
    let (log, log_guard) = logging::init(settings.log_level, settings.log_format);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("statusboard-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        if let Command::Migrate = command {
            return migrate(&settings, &log).await;
        }
        let stop = server::stop_signal();
        let server = match Server::start(&settings, &log) {
            Ok(server) => server,
            Err(e) => {
                error!(log, "cannot start"; "error" => %e);
                log_guard.flush();
                eprintln!("statusboard-server: {e}");
                return ExitCode::FAILURE;
            }
        };
        info!(log, "statusboard started";
            "address" => %server.local_addr(),
            "version" => env!("CARGO_PKG_VERSION"),
            "settings" => ?settings);
        stop.await;
        match server.shutdown(settings.shutdown_timeout).await {
            Shutdown::Graceful => {
                info!(log, "stopped");
                ExitCode::SUCCESS
            }
            Shutdown::TimedOut => ExitCode::FAILURE,
        }
    });
    drop(log);
    drop(log_guard);
    code
}

/// `statusboard-server migrate`: applies the embedded migrations once.
async fn migrate(settings: &Settings, log: &slog::Logger) -> ExitCode {
    let result = async {
        let database = Database::new(settings)?;
        migrations::apply(&database, &migrations::embedded()).await
    };
    match result.await {
        Ok(applied) => {
            info!(log, "database migrations applied"; "applied" => ?applied);
            ExitCode::SUCCESS
        }
        Err(e) => {
            error!(log, "database migrations failed"; "error" => %e);
            eprintln!("statusboard-server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `statusboard-server healthcheck`: `GET /api/v1/health` on the local server.
fn healthcheck(mut address: std::net::SocketAddr) -> ExitCode {
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    match probe::get(address, "/api/v1/health", std::time::Duration::from_secs(2)) {
        Ok((200, _)) => ExitCode::SUCCESS,
        Ok((_, response)) => {
            let status = response.lines().next().unwrap_or("no answer");
            eprintln!("statusboard-server: unhealthy: {status}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("statusboard-server: unhealthy: {address}: {e}");
            ExitCode::FAILURE
        }
    }
}
