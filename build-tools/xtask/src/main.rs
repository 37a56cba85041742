//! `cargo xtask`: the entry point of the project's own tooling.
//!
//! It only dispatches: each tool is a binary of its own, built when it is first used, so
//! that `cargo xtask openapi …` compiles the API crate and the API manager but neither the
//! server's database and JWT stacks nor the test harness.
//!
//! ```text
//! cargo xtask openapi generate|check|list   → statusboard-openapi (build-tools/openapi)
//! cargo xtask dev                           → statusboard-devtools (build-tools/devtools)
//! cargo xtask bench [...]                   → statusboard-devtools
//! ```

use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  openapi generate   rewrite the OpenAPI documents under openapi/ (and what is generated from
                     them) from the API trait
  openapi check      fail, saying what differs and what to do, when a document is out of date
                     or a released API version would change
  openapi list       list the managed APIs and their versions
  dev                run a development PostgreSQL (kept under target/) and the server;
                     Ctrl-C stops both
  bench [--duration SECONDS] [--connections N]
                     benchmark the release server's endpoints with wrk (needs wrk, taskset)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The API manager parses its own subcommands; the dev tools take theirs whole.
    let (package, tool_args) = match args.first().map(String::as_str) {
        Some("openapi") => ("statusboard-openapi", &args[1..]),
        Some("dev" | "bench") => ("statusboard-devtools", &args[..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["run", "--locked", "--quiet", "--package", package, "--"])
        .args(tool_args);
    run(command)
}

/// Becomes the tool (cargo itself execs the binary it runs), so that signals such as
/// Ctrl-C or SIGTERM to `cargo xtask dev` reach the tool, and its exit status is ours.
#[cfg(unix)]
fn run(mut command: Command) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let error = command.exec();
    eprintln!("xtask: cannot run cargo: {error}");
    ExitCode::FAILURE
}

/// Runs the tool and passes its exit status on.
#[cfg(not(unix))]
fn run(mut command: Command) -> ExitCode {
    match command.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => ExitCode::from(status.code().map_or(1, |c| c.clamp(1, 255) as u8)),
        Err(e) => {
            eprintln!("xtask: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}
