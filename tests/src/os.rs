//! Small operating-system helpers shared by the harness and the project's tools.

use std::net::TcpListener;
use std::process::Command;

/// A loopback port that was free a moment ago (the OS picks it).
pub fn free_loopback_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Sends `signal` (`TERM`, `INT`, …) to process `pid` with kill(1), which keeps the
/// project free of `unsafe` libc calls.
pub fn send_signal(pid: u32, signal: &str) -> std::io::Result<()> {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "kill -{signal} {pid}: {status}"
        )))
    }
}
