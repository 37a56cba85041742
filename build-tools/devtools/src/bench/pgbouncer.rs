//! `/api/v1/ready` and `GET /api/v1/components` through PgBouncer in transaction pooling
//! mode (2 server connections, as in the issue that asked for it) under wrk's load: any
//! answer but `200` fails the bench. Skipped, saying so, when `pgbouncer` is missing.

use std::path::Path;

use anyhow::{Context, Result};
use statusboard_tests::pgbouncer::PgBouncer;
use statusboard_tests::postgres::Cluster;

use super::servers::{Contender, Running};
use super::{Options, wrk};

/// Server connections PgBouncer keeps per database.
const POOL_SIZE: u32 = 2;

/// Runs both endpoints through a PgBouncer in front of `cluster` (already migrated).
pub fn measure(
    cluster: &Cluster,
    release: &Path,
    out_dir: &Path,
    options: &Options,
) -> Result<()> {
    if !PgBouncer::installed() {
        println!("\nthrough PgBouncer: skipped (apt-get install pgbouncer)");
        return Ok(());
    }
    let bouncer = PgBouncer::start(cluster.port(), POOL_SIZE)?;
    let contender =
        Contender::statusboard("statusboard via PgBouncer", &bouncer.url("postgres"), &[]);
    let mut server = Running::start(release, &contender, &out_dir.join("pgbouncer.log"), false)?;
    server.wait_ready().context("through PgBouncer")?;
    println!(
        "\nthrough PgBouncer (transaction pooling, {POOL_SIZE} server connections), {} \
         connections:",
        options.connections
    );
    for path in ["/api/v1/ready", "/api/v1/components?limit=100"] {
        let url = format!("http://{}{path}", server.addr);
        let load = wrk::run(&url, options.connections, options.duration_s, false)
            .with_context(|| format!("GET {path} through PgBouncer (any non-2xx answer fails)"))?;
        println!(
            "GET {path}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} requests, all 200, {} \
             socket errors",
            load.requests_per_second, load.p50_ms, load.p99_ms, load.requests, load.socket_errors
        );
        if load.socket_errors > 0 {
            anyhow::bail!(
                "GET {path} through PgBouncer: {} socket errors",
                load.socket_errors
            );
        }
    }
    server.stop()
}
