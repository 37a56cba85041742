//! `cargo xtask dev`: PostgreSQL and the server, together, for development.
//!
//! Starts a PostgreSQL cluster kept under `target/dev-postgres` (so data survives
//! restarts; `STATUSBOARD_DEV_PGDATA` chooses another directory), on port 54329
//! (`STATUSBOARD_DEV_PGPORT`), creates the `statusboard` database, applies the migrations
//! (`statusboard-server migrate`) and runs the server against it with a development
//! `JWT_SECRET` and pretty logs. Ctrl-C (or SIGTERM) stops the server gracefully, then
//! PostgreSQL. The server runs in the workspace root; every setting but `DATABASE_URL` can
//! be overridden in the environment or that directory's `.env`.

use std::path::PathBuf;
use std::process::{Command, ExitStatus};

use anyhow::{Context, Result, bail};
use statusboard_server::config::Variables;
use statusboard_tests::os::send_signal;
use statusboard_tests::postgres::{Cluster, DataDir};

const DEFAULT_PORT: u16 = 54329;
const DATABASE: &str = "statusboard";
const DEV_JWT_SECRET: &str = "dev-secret-not-for-production";

pub fn run() -> Result<()> {
    let root = crate::workspace_root();
    let data_dir = std::env::var_os("STATUSBOARD_DEV_PGDATA")
        .map_or_else(|| root.join("target").join("dev-postgres"), PathBuf::from);
    let port = match std::env::var("STATUSBOARD_DEV_PGPORT") {
        Ok(port) => port
            .parse()
            .context("STATUSBOARD_DEV_PGPORT must be a port number")?,
        Err(_) => DEFAULT_PORT,
    };

    build_server(&root)?;
    println!(
        "xtask dev: starting PostgreSQL on 127.0.0.1:{port} (data in {})",
        data_dir.display()
    );
    let cluster = Cluster::start(DataDir::Kept(data_dir), Some(port))?;
    cluster.create_database(DATABASE)?;
    let database_url = cluster.url(DATABASE);

    // The server runs in the workspace root and reads its `.env` there; the development
    // defaults apply only to what neither that file nor the environment sets.
    let configured = Variables::from_process(&root.join(".env"))?;
    let binary = root.join("target/debug/statusboard-server");
    let server_command = |args: &[&str]| {
        let mut command = Command::new(&binary);
        command
            .args(args)
            .current_dir(&root)
            .env("DATABASE_URL", &database_url);
        for (name, value) in [("JWT_SECRET", DEV_JWT_SECRET), ("LOG_FORMAT", "pretty")] {
            if configured.get(name).is_none() {
                command.env(name, value);
            }
        }
        command
    };
    let status = server_command(&["migrate"])
        .status()
        .context("running migrations")?;
    if !status.success() {
        bail!("statusboard-server migrate failed ({status})");
    }

    println!("xtask dev: starting the server (DATABASE_URL={database_url}); Ctrl-C stops both");
    let status = run_until_stopped(server_command(&[]))?;
    drop(cluster);
    println!("xtask dev: stopped");
    if !status.success() {
        bail!("the server exited with {status}");
    }
    Ok(())
}

fn build_server(root: &std::path::Path) -> Result<()> {
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
