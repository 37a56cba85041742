//! Tests of the real `statusboard-server` binary as an operator runs it, one file per
//! subject:
//!
//! | file | what |
//! |---|---|
//! | `settings.rs` | bad settings, a busy port, secrets never in any output |
//! | `lifecycle.rs` | the `healthcheck` subcommand, SIGTERM with requests in flight (and live board subscribers) |
//! | `live.rs` | the live board's memory with a subscriber that stops reading |
//! | `malformed_http.rs` | garbage, slow and oversized requests |
//! | `metrics.rs` | the Prometheus listener |
//! | `tokens.rs` | `token issue`: an operator grants a service its tokens |
//! | `webhooks.rs` | a replica killed (SIGKILL) mid-delivery: its webhook subscriptions taken over |
//! | `github.rs` | the GitHub poller's replica killed (SIGKILL): another polls once its lease runs out |
//! | `rolling_restart.rs` | three replicas behind HAProxy restarted in turn under load (ignored: needs `haproxy`; `.ci/rolling-restart` runs it) |
//!
//! This file holds what they share: the binary run as a child [`Process`].

#![allow(clippy::unwrap_used)]

mod github;
mod lifecycle;
mod live;
mod malformed_http;
mod metrics;
mod rolling_restart;
mod settings;
mod tokens;
mod webhooks;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use statusboard_server::probe;
use statusboard_tests::os::{free_loopback_port, send_signal};
use statusboard_tests::poll;

const BINARY: &str = env!("CARGO_BIN_EXE_statusboard-server");

/// A `JWT_SECRET` the server accepts (32 bytes or more).
const SECRET: &str = "binary-test-secret-0123456789abcdef";

/// A running server process whose output is collected.
struct Process {
    child: Child,
    addr: SocketAddr,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

/// The binary with an empty environment (no `.env` either), no drain on stop (unless
/// `vars` sets one), plus `vars`.
fn command(vars: &[(&str, &str)]) -> (Command, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("SHUTDOWN_DRAIN_SECONDS", "0")
        .current_dir(dir.path())
        .stdin(Stdio::null());
    for (name, value) in vars {
        command.env(name, value);
    }
    (command, dir)
}

fn free_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], free_loopback_port().unwrap()))
}

fn collect(mut from: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let into = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&into);
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    into
}

impl Process {
    fn start(vars: &[(&str, &str)]) -> (Self, tempfile::TempDir) {
        Self::start_at(free_addr(), vars)
    }

    /// Starts the binary listening on `addr`; returns once `/api/v1/health` answers.
    fn start_at(addr: SocketAddr, vars: &[(&str, &str)]) -> (Self, tempfile::TempDir) {
        let bind = addr.to_string();
        // Metrics off unless a test turns them on: parallel servers cannot share 9464.
        let mut all = vec![
            ("BIND_ADDRESS", bind.as_str()),
            ("METRICS_BIND_ADDRESS", ""),
        ];
        all.extend_from_slice(vars);
        let (mut command, dir) = command(&all);
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        let process = Self {
            child,
            addr,
            stdout,
            stderr,
        };
        let answered = poll::until(Duration::from_secs(10), Duration::from_millis(20), || {
            get(addr, "/api/v1/health").filter(|r| r.starts_with("HTTP/1.1 200"))
        });
        assert!(
            answered.is_some(),
            "the server did not answer within 10 s: {}",
            process.output()
        );
        (process, dir)
    }

    /// Waits until `/api/v1/ready` answers `200` (the database reached, migrations applied).
    fn wait_ready(&self) {
        let ready = poll::until(Duration::from_secs(10), Duration::from_millis(20), || {
            get(self.addr, "/api/v1/ready").filter(|r| probe::status_code(r) == 200)
        });
        assert!(ready.is_some(), "never ready: {}", self.output());
    }

    /// The metrics listener's address, as its log line says (with
    /// `METRICS_BIND_ADDRESS=127.0.0.1:0`: the system picks a free port, no race with other
    /// tests for one chosen beforehand).
    fn metrics_addr(&self) -> SocketAddr {
        poll::until(Duration::from_secs(5), Duration::from_millis(10), || {
            self.output().lines().find_map(|line| {
                let record: serde_json::Value = serde_json::from_str(line).ok()?;
                (record["listener"] == "metrics" && record["msg"] == "listening")
                    .then(|| record["local_addr"].as_str()?.parse::<SocketAddr>().ok())
                    .flatten()
            })
        })
        .expect("the metrics listener logs its address")
    }

    fn terminate(&self) {
        send_signal(self.child.id(), "TERM").unwrap();
    }

    /// Waits for the process to exit, at most `within`.
    fn wait(&mut self, within: Duration) -> ExitStatus {
        poll::until(within, Duration::from_millis(20), || {
            self.child.try_wait().unwrap()
        })
        .unwrap_or_else(|| panic!("still running after {within:?}"))
    }

    fn output(&self) -> String {
        let out = String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned();
        let err = String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned();
        format!("{out}{err}")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends raw bytes and returns whatever comes back before the server closes or 5 s pass.
fn raw(addr: SocketAddr, request: &[u8]) -> Option<String> {
    let response = probe::exchange(addr, request, Duration::from_secs(5)).ok()?;
    Some(String::from_utf8_lossy(&response).into_owned())
}

/// The value of the metric `series` (a line's leading text, labels included) in a
/// Prometheus scrape.
fn metric_value(scrape: &str, series: &str) -> Option<f64> {
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

fn get(addr: SocketAddr, path: &str) -> Option<String> {
    probe::get(addr, path, Duration::from_secs(5))
        .ok()
        .map(|(_, response)| response)
}
