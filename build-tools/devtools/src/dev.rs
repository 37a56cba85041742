//! `cargo xtask dev`: PostgreSQL and the server, together, for development.
//!
//! Starts a PostgreSQL cluster kept in cargo's target directory, under `dev-postgres/` (so
//! data survives restarts; `STATUSBOARD_DEV_PGDATA` chooses another directory). As root,
//! PostgreSQL runs as an unprivileged user: when that user cannot reach the target
//! directory (a checkout under `/root`, a `chmod 700` folder), the data is kept in
//! `/var/tmp/statusboard-dev-<the checkout's path>/` instead, and the tool says so. It
//! listens on port 54329 (`STATUSBOARD_DEV_PGPORT`), creates the `statusboard` database,
//! applies the migrations (`statusboard-server migrate`) and runs the server against it
//! with a development `JWT_SECRET`, pretty logs and no drain on stop. Ctrl-C (or SIGTERM) stops the server
//! gracefully, then PostgreSQL. The server runs in the workspace root; every setting but
//! `DATABASE_URL` can be overridden in the environment or that directory's `.env`.
//!
//! `cargo xtask dev token --subject NAME --scope SCOPE…`, while `cargo xtask dev` runs,
//! grants a token pair on the development server (`statusboard-server token issue` with
//! the same database and secret) and prints it, to try the operations that need one.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

use anyhow::{Context, Result, bail};
use statusboard_server::config::Variables;
use statusboard_tests::os::send_signal;
use statusboard_tests::postgres::{Cluster, DataDir, unreachable_ancestor, user};

const DEFAULT_PORT: u16 = 54329;
const DATABASE: &str = "statusboard";
const DEV_JWT_SECRET: &str = "development-secret-not-for-production-0123";

pub fn run() -> Result<()> {
    let root = crate::workspace_root()?;
    let target = crate::target_dir(&root)?;
    let data_dir = match std::env::var_os("STATUSBOARD_DEV_PGDATA") {
        Some(dir) => PathBuf::from(dir),
        None => default_data_dir(&root, &target),
    };
    let port = port()?;

    build_server(&root)?;
    println!(
        "xtask dev: starting PostgreSQL on 127.0.0.1:{port} (data in {})",
        data_dir.display()
    );
    let cluster = Cluster::start(DataDir::Kept(data_dir), Some(port))?;
    cluster.create_database(DATABASE)?;
    let database_url = cluster.url(DATABASE);

    let status = server_command(&root, &target, &database_url, &["migrate"])?
        .status()
        .context("running migrations")?;
    if !status.success() {
        bail!("statusboard-server migrate failed ({status})");
    }

    println!("xtask dev: starting the server (DATABASE_URL={database_url}); Ctrl-C stops both");
    let status = run_until_stopped(server_command(&root, &target, &database_url, &[])?)?;
    drop(cluster);
    println!("xtask dev: stopped");
    if !status.success() {
        bail!("the server exited with {status}");
    }
    Ok(())
}

/// `cargo xtask dev token …`: `statusboard-server token issue …` against the running
/// development server's database, with its secret; the pair goes to stdout.
pub fn token(args: &[&str]) -> Result<()> {
    let root = crate::workspace_root()?;
    let target = crate::target_dir(&root)?;
    let database_url = format!("postgresql://postgres@127.0.0.1:{}/{DATABASE}", port()?);
    let mut issue = vec!["token", "issue"];
    issue.extend_from_slice(args);
    let status = server_command(&root, &target, &database_url, &issue)?
        .status()
        .context("running statusboard-server token issue")?;
    if !status.success() {
        bail!("statusboard-server token issue failed ({status}); is `cargo xtask dev` running?");
    }
    Ok(())
}

/// The development cluster's port: 54329 unless `STATUSBOARD_DEV_PGPORT` says otherwise.
fn port() -> Result<u16> {
    match std::env::var("STATUSBOARD_DEV_PGPORT") {
        Ok(port) => port
            .parse()
            .context("STATUSBOARD_DEV_PGPORT must be a port number"),
        Err(_) => Ok(DEFAULT_PORT),
    }
}

/// The server binary with `args`, run in the workspace root against `database_url`. The
/// server reads its `.env` there; the development defaults apply only to what neither
/// that file nor the environment sets.
fn server_command(
    root: &Path,
    target: &Path,
    database_url: &str,
    args: &[&str],
) -> Result<Command> {
    let configured = Variables::from_process(&root.join(".env"))?;
    let mut command = Command::new(target.join("debug").join("statusboard-server"));
    command
        .args(args)
        .current_dir(root)
        .env("DATABASE_URL", database_url);
    if configured.JWT_SECRET.is_none() {
        command.env("JWT_SECRET", DEV_JWT_SECRET);
    }
    if configured.LOG_FORMAT.is_none() {
        command.env("LOG_FORMAT", "pretty");
    }
    // Nothing routes traffic to a development server: Ctrl-C stops it at once.
    if configured.SHUTDOWN_DRAIN_SECONDS.is_none() {
        command.env("SHUTDOWN_DRAIN_SECONDS", "0");
    }
    Ok(command)
}

/// `dev-postgres/` in the target directory, unless PostgreSQL (as root: an unprivileged
/// user) could not reach it there; then a directory of this checkout's own in `/var/tmp`.
fn default_data_dir(root: &Path, target: &Path) -> PathBuf {
    let preferred = target.join("dev-postgres");
    if !user::running_as_root() {
        return preferred;
    }
    let Some(blocking) = unreachable_ancestor(&preferred) else {
        return preferred;
    };
    // Named after the checkout (`/root/statusboard` → `statusboard-dev-root-statusboard`).
    let checkout = root.to_string_lossy().replace('/', "-");
    let fallback = PathBuf::from(format!("/var/tmp/statusboard-dev{checkout}"));
    println!(
        "xtask dev: PostgreSQL runs as an unprivileged user, who cannot enter {}; keeping its \
         data in {} instead (STATUSBOARD_DEV_PGDATA chooses another directory)",
        blocking.display(),
        fallback.display()
    );
    fallback
}

fn build_server(root: &Path) -> Result<()> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--locked", "-p", "statusboard-server"])
        .current_dir(root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build failed");
    }
    Ok(())
}

/// Starts the server and waits for it to exit; on SIGINT or SIGTERM, stops it gracefully
/// first. The signal handlers are in place before the server starts.
fn run_until_stopped(mut command: Command) -> Result<ExitStatus> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let stop = statusboard_server::server::stop_signal();
        let mut server = command.spawn().context("starting statusboard-server")?;
        let pid = server.id();
        let waiter = std::thread::spawn(move || server.wait());
        let stopped = tokio::task::spawn_blocking(move || waiter.join());
        tokio::pin!(stopped);
        let waited = tokio::select! {
            waited = &mut stopped => waited,
            () = stop => {
                // The terminal sends Ctrl-C to the server too; SIGTERM covers `kill`.
                let _ = send_signal(pid, "TERM");
                stopped.await
            }
        };
        waited
            .context("waiting for the server")?
            .map_err(|_| anyhow::anyhow!("the waiting thread panicked"))?
            .context("waiting for the server")
    })
}
