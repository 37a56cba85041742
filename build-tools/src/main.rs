//! `cargo xtask`: the project's own tooling.
//!
//! ```text
//! cargo xtask openapi generate   rewrite openapi/statusboard.json from the API trait
//! cargo xtask openapi check      fail with a diff when the document is out of date
//! cargo xtask dev                run PostgreSQL and the server for development
//! cargo xtask bench              benchmark the release server with wrk
//! ```

mod bench;
mod dev;
mod openapi;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  dev                run a development PostgreSQL (kept under target/) and the server;
                     Ctrl-C stops both
  openapi generate   rewrite openapi/statusboard.json from the API trait
  openapi check      exit non-zero, with a diff, when openapi/statusboard.json is out of date
  bench [--duration SECONDS] [--connections N]
                     benchmark the release server's endpoints with wrk (needs wrk, taskset)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["openapi", "generate"] => openapi::generate(&openapi::document_path()),
        ["openapi", "check"] => openapi::check_command(&openapi::document_path()),
        ["dev"] => dev::run(),
        ["bench", rest @ ..] => bench::run(rest),
        ["-h" | "--help" | "help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
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

/// The workspace root (the parent of this crate's directory).
fn workspace_root() -> std::path::PathBuf {
    let manifest_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .expect("build-tools/ is inside the workspace")
        .to_path_buf()
}
