//! `cargo xtask bench`: load the release server with wrk and report throughput, latency,
//! idle memory, time to the first answer, and whether every request was logged; then
//! compare `/api/v1/ready` (a pool checkout and `SELECT 1`) with pgbench running
//! `SELECT 1` on the same throwaway PostgreSQL.
//!
//! For `/api/v1/health` the server is pinned to CPU 0 and wrk to CPU 1 (when the machine
//! has two); the database comparison runs unpinned, since PostgreSQL needs CPU time too.
//! The server runs with `LOG_LEVEL=INFO`, so every request is logged, and wrk sends an
//! `Origin` header so that CORS runs. The server's log goes to `target/bench/server.log`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use statusboard_server::probe;
use statusboard_tests::os::{free_loopback_port, send_signal};
use statusboard_tests::postgres::{Cluster, DataDir, find_bin_dir};

const ORIGIN: &str = "http://localhost:3000";
/// How many times `/ready` and pgbench each run, alternately.
const ROUNDS: usize = 3;

struct Options {
    duration_s: u64,
    connections: u32,
}

fn parse_options(args: &[&str]) -> Result<Options> {
    let mut options = Options {
        duration_s: 10,
        connections: 32,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match *flag {
            "--duration" => options.duration_s = value.parse().context("--duration")?,
            "--connections" => options.connections = value.parse().context("--connections")?,
            _ => bail!("unknown option {flag}"),
        }
    }
    Ok(options)
}

pub fn run(args: &[&str]) -> Result<()> {
    let options = parse_options(args)?;
    for tool in ["wrk", "taskset", "pgbench"] {
        if Command::new(tool).arg("--version").output().is_err() {
            bail!("{tool} is not installed (Debian: apt-get install wrk util-linux postgresql)");
        }
    }
    let root = crate::workspace_root();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "--locked", "-p", "statusboard-server"])
        .current_dir(&root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --release failed");
    }
    let two_cpus = std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    let out_dir = root.join("target").join("bench");
    std::fs::create_dir_all(&out_dir)?;
    let log_path = out_dir.join("server.log");

    let cluster = Cluster::start(DataDir::Temporary, None)?;
    let database_url = cluster.url("postgres");
    let mut server = BenchServer::start(&root, &log_path, &database_url, two_cpus)?;
    println!(
        "first 200 after start: {:.1} ms",
        server.first_ok.as_secs_f64() * 1e3
    );
    std::thread::sleep(Duration::from_secs(1));
    println!(
        "idle RSS: {:.1} MiB",
        rss_kib(server.child.id())? as f64 / 1024.0
    );

    let health = wrk(
        &format!("http://{}/api/v1/health", server.addr),
        &options,
        two_cpus,
    )?;
    health.print("GET /api/v1/health", &options);
    println!(
        "peak RSS: {:.1} MiB",
        peak_rss_kib(server.child.id())? as f64 / 1024.0
    );

    // PostgreSQL needs CPU time too, so the database comparison runs unpinned: the
    // server, wrk, pgbench and PostgreSQL share both cores.
    if two_cpus {
        Command::new("taskset")
            .args(["-a", "-p", "-c", "0,1"])
            .arg(server.child.id().to_string())
            .stdout(Stdio::null())
            .status()?;
    }
    // Both sides are noisy on a shared 2-core machine: alternate them and compare medians.
    let mut ready_rates = Vec::new();
    let mut pgbench_rates = Vec::new();
    let mut ready_requests = 0;
    for _ in 0..ROUNDS {
        let url = format!("http://{}/api/v1/ready", server.addr);
        let ready = wrk(&url, &options, false)?;
        ready.print("GET /api/v1/ready", &options);
        ready_requests += ready.requests;
        ready_rates.push(ready.requests_per_second);
        let tps = pgbench(&cluster, &options)?;
        println!("pgbench SELECT 1 (10 clients): {tps:.0} tps");
        pgbench_rates.push(tps);
    }
    let (ready_median, pgbench_median) = (median(&mut ready_rates), median(&mut pgbench_rates));
    println!(
        "median of {ROUNDS}: /ready {ready_median:.0} req/s, pgbench {pgbench_median:.0} tps; \
         /ready reaches {:.0}% of pgbench",
        ready_median / pgbench_median * 100.0
    );

    server.stop()?;
    let logged = std::fs::read_to_string(&log_path)?
        .lines()
        .filter(|l| l.contains("\"request completed\""))
        .count() as u64;
    // wrk counts only completed responses; requests cut off at the end are logged too.
    let completed = health.requests + ready_requests;
    let verdict = if logged >= completed {
        "none lost"
    } else {
        "LINES LOST"
    };
    println!("request log lines: {logged} for {completed} completed requests ({verdict})");
    Ok(())
}

struct BenchServer {
    child: Child,
    addr: SocketAddr,
    first_ok: Duration,
}

impl BenchServer {
    fn start(root: &Path, log_path: &Path, database_url: &str, pin: bool) -> Result<Self> {
        let binary: PathBuf = root.join("target/release/statusboard-server");
        let addr = SocketAddr::from(([127, 0, 0, 1], free_loopback_port()?));
        let mut command = if pin {
            let mut c = Command::new("taskset");
            c.args(["-c", "0"]).arg(&binary);
            c
        } else {
            Command::new(&binary)
        };
        let log = std::fs::File::create(log_path)?;
        let started = Instant::now();
        let child = command
            .env("JWT_SECRET", "bench-secret")
            .env("BIND_ADDRESS", addr.to_string())
            .env(
                "LOG_LEVEL",
                std::env::var("LOG_LEVEL").unwrap_or_else(|_| "INFO".into()),
            )
            .env("LOG_FORMAT", "json")
            .env("CORS_ORIGINS", ORIGIN)
            .env("DATABASE_URL", database_url)
            .stdout(log)
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the server")?;
        let mut server = Self {
            child,
            addr,
            first_ok: Duration::ZERO,
        };
        // Poll every millisecond for at most 10 s.
        for _ in 0..10_000 {
            if get_ok(addr, "/api/v1/health") {
                server.first_ok = started.elapsed();
                // The database side is ready once migrations ran: wait for /ready too.
                for _ in 0..10_000 {
                    if get_ok(addr, "/api/v1/ready") {
                        return Ok(server);
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        server.stop()?;
        bail!(
            "the server did not answer within 10 s (log: {})",
            log_path.display()
        )
    }

    fn stop(&mut self) -> Result<()> {
        send_signal(self.child.id(), "TERM")?;
        let status = self.child.wait()?;
        if !status.success() {
            bail!("the server exited with {status}");
        }
        Ok(())
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn get_ok(addr: SocketAddr, path: &str) -> bool {
    probe::get(addr, path, Duration::from_secs(1)).is_ok_and(|(status, _)| status == 200)
}

fn rss_kib(pid: u32) -> Result<u64> {
    status_field(pid, "VmRSS:")
}

fn peak_rss_kib(pid: u32) -> Result<u64> {
    status_field(pid, "VmHWM:")
}

/// The server's own pid: with taskset, the child execs the server in place.
fn status_field(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("{field} not in /proc/{pid}/status"))
}

struct WrkResult {
    requests: u64,
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl WrkResult {
    fn print(&self, what: &str, options: &Options) {
        println!(
            "{what}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({} requests, {} connections, {} s)",
            self.requests_per_second,
            self.p50_ms,
            self.p99_ms,
            self.requests,
            options.connections,
            options.duration_s
        );
    }
}

/// pgbench running `SELECT 1` with 10 clients on the cluster; returns transactions/s.
fn pgbench(cluster: &Cluster, options: &Options) -> Result<f64> {
    let script =
        std::env::temp_dir().join(format!("statusboard-select1-{}.sql", std::process::id()));
    std::fs::write(&script, "SELECT 1;\n")?;
    let bin = find_bin_dir()
        .context("PostgreSQL binaries")?
        .join("pgbench");
    let output = Command::new(bin)
        .args([
            "-n",
            "-c",
            "10",
            "-j",
            "1",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
        ])
        .arg("-p")
        .arg(cluster.port().to_string())
        .arg("-T")
        .arg(options.duration_s.to_string())
        .arg("-f")
        .arg(&script)
        .arg("postgres")
        .output()
        .context("running pgbench")?;
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
        .with_context(|| {
            format!(
                "unexpected pgbench output: {text}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

fn wrk(url: &str, options: &Options, pin: bool) -> Result<WrkResult> {
    let mut command = if pin {
        let mut c = Command::new("taskset");
        c.args(["-c", "1", "wrk"]);
        c
    } else {
        Command::new("wrk")
    };
    let output = command
        .args(["-t1", "--latency", "-H"])
        .arg(format!("Origin: {ORIGIN}"))
        .arg(format!("-c{}", options.connections))
        .arg(format!("-d{}s", options.duration_s))
        .arg(url)
        .output()
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    parse_wrk(&text).with_context(|| format!("unexpected wrk output:\n{text}"))
}

fn parse_wrk(text: &str) -> Option<WrkResult> {
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_owned()))
    };
    let requests = text.lines().find(|l| l.contains(" requests in "))?;
    let requests = requests.split_whitespace().next()?.parse().ok()?;
    if text.contains("Non-2xx or 3xx responses") {
        return None;
    }
    Some(WrkResult {
        requests,
        requests_per_second: field("Requests/sec:")?.parse().ok()?,
        p50_ms: duration_ms(&field("50%")?)?,
        p99_ms: duration_ms(&field("99%")?)?,
    })
}

fn duration_ms(value: &str) -> Option<f64> {
    let split = value.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    match unit {
        "us" => Some(number / 1e3),
        "ms" => Some(number),
        "s" => Some(number * 1e3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wrk_latency_output() {
        let text = "Running 10s test @ http://127.0.0.1:1/api/v1/health
  1 threads and 32 connections
  Latency Distribution
     50%  410.00us
     75%  500.00us
     90%  700.00us
     99%    1.52ms
  512345 requests in 10.00s, 90.00MB read
Requests/sec:  51234.50
Transfer/sec:      9.00MB
";
        let r = parse_wrk(text).unwrap();
        assert_eq!(r.requests, 512_345);
        assert!((r.requests_per_second - 51_234.5).abs() < 1e-6);
        assert!((r.p50_ms - 0.41).abs() < 1e-9);
        assert!((r.p99_ms - 1.52).abs() < 1e-9);
        assert!(parse_wrk("garbage").is_none());
    }
}
