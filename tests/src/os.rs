//! Small operating-system helpers shared by the harness and the project's tools.

use std::net::TcpListener;
use std::str::FromStr;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// A loopback port that was free a moment ago (the OS picks it).
pub fn free_loopback_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Sends `signal` (`TERM`, `INT`, `QUIT`, …) to process `pid`.
pub fn send_signal(pid: u32, signal: &str) -> std::io::Result<()> {
    let signal = Signal::from_str(&format!("SIG{signal}"))
        .map_err(|_| std::io::Error::other(format!("unknown signal {signal}")))?;
    let pid = i32::try_from(pid).map_err(std::io::Error::other)?;
    kill(Pid::from_raw(pid), signal).map_err(std::io::Error::from)
}

/// A memory figure of process `pid` in MiB, from `/proc/<pid>/status`: `field` is
/// `"VmRSS:"` (resident now) or `"VmHWM:"` (the peak).
pub fn memory_mib(pid: u32, field: &str) -> std::io::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0)
        .ok_or_else(|| std::io::Error::other(format!("{field} not in /proc/{pid}/status")))
}
