//! `cargo xtask dev` and `cargo xtask bench`: the tools that run the server.
//!
//! ```text
//! cargo xtask dev     run PostgreSQL and the server for development
//! cargo xtask bench   benchmark the release server with wrk
//! ```

mod bench;
mod dev;

use std::process::ExitCode;

const USAGE: &str =
    "usage: cargo xtask dev | cargo xtask bench [--duration SECONDS] [--connections N]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["dev"] => dev::run(),
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

/// The workspace root (two levels above this crate's directory).
fn workspace_root() -> std::path::PathBuf {
    let manifest_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .nth(2)
        .expect("build-tools/devtools/ is inside the workspace")
        .to_path_buf()
}
