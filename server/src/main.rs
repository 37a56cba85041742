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
use statusboard_server::auth::{JwtKeys, Scopes};
use statusboard_server::config::Settings;
use statusboard_server::database::{Database, migrations};
use statusboard_server::server::{self, Server, Shutdown};
use statusboard_server::{grants, logging, probe};

const USAGE: &str = "usage: statusboard-server [migrate | healthcheck | --help | --version]
       statusboard-server token issue --subject NAME --scope SCOPE [--scope SCOPE ...]
       statusboard-server token revoke (--subject NAME | --family ID)

Serves the statusboard HTTP API (and applies pending database migrations in the
background); `migrate` applies them and exits; `healthcheck` asks the running server's
/api/v1/health and exits 0 when it answers 200; `token issue` grants a service a token
pair (scopes: components:write, reports:write, incidents:write, webhooks:write) and prints it as OAuth 2.0's token
response (JSON), for the operator to hand over; `token revoke` revokes a subject's grants
(or one, by its family id) and prints them: every server refuses their tokens within
seconds. Configure it with environment variables or
a .env file in the working directory (JWT_SECRET is required); see docs/configuration.md.";

/// What the command line asks for.
enum Command {
    Serve,
    Migrate,
    Healthcheck,
    IssueToken { subject: String, scopes: Scopes },
    RevokeTokens(grants::Grants),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `--help` anywhere (`token issue --help`) asks for the usage, not for an action.
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let command = match args.first().map(String::as_str) {
        None => Command::Serve,
        Some("migrate") => Command::Migrate,
        Some("healthcheck") => Command::Healthcheck,
        Some("token") => match token_command(&args[1..]) {
            Ok(command) => command,
            Err(e) => {
                eprintln!("statusboard-server: {e}\n{USAGE}");
                return ExitCode::from(2);
            }
        },
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
        match command {
            Command::Migrate => return migrate(&settings, &log).await,
            Command::IssueToken { subject, scopes } => {
                return issue_token(&settings, &subject, &scopes).await;
            }
            Command::RevokeTokens(which) => return revoke_tokens(&settings, &which).await,
            Command::Serve | Command::Healthcheck => {}
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
        server
            .drain(settings.shutdown_drain, server::stop_signal())
            .await;
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

/// `token issue --subject NAME --scope SCOPE…` or `token revoke (--subject NAME |
/// --family ID)`.
fn token_command(args: &[String]) -> Result<Command, String> {
    let (mut rest, revoking) = match args.split_first().map(|(a, r)| (a.as_str(), r)) {
        Some(("issue", rest)) => (rest, false),
        Some(("revoke", rest)) => (rest, true),
        _ => return Err("expected `token issue` or `token revoke`".to_owned()),
    };
    if revoking {
        return match rest {
            [flag, value] if flag == "--subject" && !value.trim().is_empty() => Ok(
                Command::RevokeTokens(grants::Grants::OfSubject(value.trim().to_owned())),
            ),
            [flag, value] if flag == "--family" => value
                .parse()
                .map(|id| Command::RevokeTokens(grants::Grants::Family(id)))
                .map_err(|_| format!("--family {value:?}: expected a family id (a number)")),
            _ => Err("give what to revoke: --subject NAME or --family ID".to_owned()),
        };
    }
    let (mut subject, mut scopes) = (None, Vec::new());
    while let [flag, value, tail @ ..] = rest {
        match flag.as_str() {
            "--subject" if !value.trim().is_empty() => subject = Some(value.trim().to_owned()),
            "--scope" => scopes.push(value.as_str()),
            _ => return Err(format!("unexpected argument {flag:?}")),
        }
        rest = tail;
    }
    if let [extra, ..] = rest {
        return Err(format!("{extra:?} needs a value"));
    }
    let subject = subject.ok_or("give the token's subject: --subject NAME")?;
    let scopes = Scopes::parse(&scopes.join(" "))?;
    if scopes.is_empty() {
        let known: Vec<&str> = statusboard_api::Scope::ALL
            .iter()
            .map(|scope| scope.as_str())
            .collect();
        return Err(format!("give at least one --scope ({})", known.join(", ")));
    }
    Ok(Command::IssueToken { subject, scopes })
}

/// `statusboard-server token revoke`: revokes grants and prints them, one JSON object per
/// line (`{"family":…,"subject":…,"scope":…}`).
async fn revoke_tokens(settings: &Settings, which: &grants::Grants) -> ExitCode {
    let revoked = async {
        let database = Database::new(settings)?;
        grants::revoke(&database, which, "operator").await
    };
    match revoked.await {
        Ok(grants) => {
            for grant in &grants {
                println!("{}", serde_json::to_string(grant).unwrap_or_default());
            }
            eprintln!("statusboard-server: {} grant(s) revoked", grants.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "statusboard-server: cannot revoke: {e} (are the migrations applied? \
                 statusboard-server migrate)"
            );
            ExitCode::FAILURE
        }
    }
}

/// `statusboard-server token issue`: starts a grant and prints its token response.
async fn issue_token(settings: &Settings, subject: &str, scopes: &Scopes) -> ExitCode {
    let granted = async {
        let database = Database::new(settings)?;
        grants::issue(
            &database,
            &JwtKeys::from_settings(settings),
            subject,
            scopes,
        )
        .await
    };
    match granted
        .await
        .map(|pair| serde_json::to_string_pretty(&pair))
    {
        Ok(Ok(json)) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("statusboard-server: cannot write the token response: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!(
                "statusboard-server: cannot issue a token: {e} (are the migrations applied? \
                 statusboard-server migrate)"
            );
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
