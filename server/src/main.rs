//! `statusboard-server`: runs the HTTP API until SIGTERM or Ctrl-C.
//!
//! All configuration comes from the environment (and `.env`); see the README. A bad
//! setting is reported on one line of standard error, before any port is bound, and the
//! process exits with status 2.

use std::process::ExitCode;

use slog::{error, info};
use statusboard_server::config::Settings;
use statusboard_server::logging;
use statusboard_server::server::{self, Server, Shutdown};

const USAGE: &str = "usage: statusboard-server [--help | --version]

Serves the statusboard HTTP API. Configure it with environment variables or a .env file
in the working directory (JWT_SECRET is required); see README.md for every setting.";

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None => {}
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
    }

    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("statusboard-server: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
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
        server::stop_signal().await;
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
