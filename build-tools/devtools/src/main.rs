//! `cargo xtask dev` and `cargo xtask bench`: the tools that run the server.
//!
//! ```text
//! cargo xtask dev     run PostgreSQL and the server for development
//! cargo xtask dev token --subject NAME --scope SCOPE...
//!                     grant a token pair on the running development server
//! cargo xtask bench   benchmark the release server with wrk
//! ```

mod bench;
mod dev;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

const USAGE: &str = "usage: cargo xtask dev
       cargo xtask dev token --subject NAME --scope SCOPE...
       cargo xtask bench [--duration SECONDS] [--connections N] [--rotations N]
                         [--only board|health|live|webhooks] [--durable]

dev: PostgreSQL and the server on http://127.0.0.1:8000 until Ctrl-C. dev token: a token
pair (JSON) from the running development server's settings (scopes: components:write,
reports:write, incidents:write, webhooks:write). bench: the release server measured with wrk and pgbench
(docs/operations.md#benchmark).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // `--help` anywhere (`cargo xtask dev token --help`) asks for the usage.
    if args.iter().any(|a| matches!(*a, "-h" | "--help" | "help")) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let result = match args.as_slice() {
        ["dev"] => dev::run(),
        ["dev", "token", rest @ ..] => dev::token(rest),
        ["bench", rest @ ..] => bench::run(rest),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace the current directory belongs to.
fn workspace_root() -> Result<PathBuf> {
    xtask::workspace_root().map_err(anyhow::Error::msg)
}

/// Where cargo puts the workspace's build output (`target/`, unless `CARGO_TARGET_DIR` or
/// `build.target-dir` says otherwise), as `cargo metadata` reports it.
fn target_dir(root: &Path) -> Result<PathBuf> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("reading cargo metadata's output")?;
    let dir = metadata["target_directory"]
        .as_str()
        .context("cargo metadata reports no target_directory")?;
    Ok(dir.into())
}
