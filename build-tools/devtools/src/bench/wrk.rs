//! Running wrk and reading its report.

use std::process::Command;

use anyhow::{Context, Result, bail};

/// The `Origin` every request carries, so that CORS runs (and is allowed).
pub const ORIGIN: &str = "http://localhost:3000";

/// What one wrk run measured.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Completed requests.
    pub requests: u64,
    /// Throughput.
    pub requests_per_second: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Connections that failed: connect, read and write errors and timeouts.
    pub socket_errors: u64,
}

/// wrk with one thread and `connections` connections on `url` for `duration_s` seconds,
/// pinned to CPU 1 when `pin`.
pub fn run(url: &str, connections: u32, duration_s: u64, pin: bool) -> Result<Load> {
    run_script(url, None, connections, duration_s, pin)
}

/// [`run`], with wrk's Lua `script` making the requests when given.
pub fn run_script(
    url: &str,
    script: Option<&std::path::Path>,
    connections: u32,
    duration_s: u64,
    pin: bool,
) -> Result<Load> {
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
        .arg(format!("-c{connections}"))
        .arg(format!("-d{duration_s}s"))
        .args(
            script
                .map(|path| ["-s".as_ref(), path.as_os_str()])
                .into_iter()
                .flatten(),
        )
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
    parse(&text).with_context(|| format!("unexpected wrk output:\n{text}"))
}

fn parse(text: &str) -> Option<Load> {
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_owned()))
    };
    let requests = text.lines().find(|l| l.contains(" requests in "))?;
    let requests = requests.split_whitespace().next()?.parse().ok()?;
    if text.contains("Non-2xx or 3xx responses") {
        return None;
    }
    // "Socket errors: connect 0, read 2, write 0, timeout 0", only when there are some.
    let socket_errors = match field("Socket errors:") {
        Some(counts) => counts
            .split(',')
            .map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
            .sum::<Option<u64>>()?,
        None => 0,
    };
    Some(Load {
        requests,
        socket_errors,
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
        let r = parse(text).unwrap();
        assert_eq!(r.requests, 512_345);
        assert!((r.requests_per_second - 51_234.5).abs() < 1e-6);
        assert!((r.p50_ms - 0.41).abs() < 1e-9);
        assert!((r.p99_ms - 1.52).abs() < 1e-9);
        assert_eq!(r.socket_errors, 0);
        assert!(parse("garbage").is_none());
        let errors = text.replace(
            "Requests/sec:",
            "  Socket errors: connect 0, read 2, write 0, timeout 3\nRequests/sec:",
        );
        assert_eq!(parse(&errors).unwrap().socket_errors, 5);
    }
}
