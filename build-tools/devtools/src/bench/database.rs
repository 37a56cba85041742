//! `/api/v1/ready` (a pool checkout and `SELECT 1`) against pgbench running `SELECT 1` on
//! the same throwaway PostgreSQL. Unpinned: PostgreSQL needs CPU time too.

use std::process::Command;

use anyhow::{Context, Result};

use statusboard_tests::postgres::{Cluster, binaries};

use super::servers::Running;
use super::{Options, median, wrk};

/// How many times `/ready` and pgbench each run, alternately.
const ROUNDS: usize = 3;

/// Runs the comparison against `server`; returns the `/ready` requests wrk completed.
pub fn compare(server: &Running, cluster: &Cluster, options: &Options) -> Result<u64> {
    server.unpin()?;
    // The server answers /health at once but /ready only once its migrations are applied.
    server.wait_ready()?;
    // Both sides are noisy on a shared 2-core machine: alternate them and compare medians.
    let mut ready_rates = Vec::new();
    let mut pgbench_rates = Vec::new();
    let mut requests = 0;
    let url = format!("http://{}/api/v1/ready", server.addr);
    for _ in 0..ROUNDS {
        let ready = wrk::run(&url, options.connections, options.duration_s, false)?;
        println!(
            "GET /api/v1/ready: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
            ready.requests_per_second, ready.p50_ms, ready.p99_ms
        );
        requests += ready.requests;
        ready_rates.push(ready.requests_per_second);
        let tps = pgbench(cluster, "SELECT 1;\n", 10, options)?;
        println!("pgbench SELECT 1 (10 clients): {tps:.0} tps");
        pgbench_rates.push(tps);
    }
    let (ready, pgbench) = (median(&mut ready_rates), median(&mut pgbench_rates));
    println!(
        "median of {ROUNDS}: /ready {ready:.0} req/s, pgbench {pgbench:.0} tps; /ready reaches \
         {:.0}% of pgbench",
        ready / pgbench * 100.0
    );
    Ok(requests)
}

/// pgbench running `sql` (a pgbench script) with `clients` clients on the cluster's
/// `postgres` database, simple protocol; returns transactions/s.
pub fn pgbench(cluster: &Cluster, sql: &str, clients: u32, options: &Options) -> Result<f64> {
    let script =
        std::env::temp_dir().join(format!("statusboard-pgbench-{}.sql", std::process::id()));
    std::fs::write(&script, sql)?;
    let bin = binaries::installed()
        .context(
            "pgbench comes with an installed PostgreSQL (Debian: apt-get install postgresql)",
        )?
        .join("pgbench");
    let output = Command::new(bin)
        .args([
            "-n",
            "-c",
            &clients.to_string(),
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
