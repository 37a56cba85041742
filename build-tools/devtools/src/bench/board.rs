//! The board's endpoints against pgbench running the same SQL at the same concurrency:
//! `POST /api/v1/components/{slug}/reports` (with a token) and `GET /api/v1/components`
//! (a page of 100), on 100 components; then `GET /api/v1/summary` on a status page's
//! board: 200 components in 10 groups, 10 unresolved incidents, 5 maintenances; then
//! their uptime (see [`super::uptime`]).
//! Unpinned, like [`super::database`].

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use statusboard_server::board::{components, reports, summary};
use statusboard_tests::postgres::{Cluster, binaries};

use super::database::pgbench;
use super::servers::{Contender, Running};
use super::{Options, median, wrk};

/// How many times each side runs, alternately.
const ROUNDS: usize = 3;
/// How many components the board has.
const COMPONENTS: u32 = 100;

/// Measures both endpoints on `server` (started from `contender`) against pgbench.
pub fn compare(
    server: &Running,
    contender: &Contender,
    cluster: &Cluster,
    release: &Path,
    out_dir: &Path,
    options: &Options,
) -> Result<()> {
    psql(
        cluster,
        &format!(
            "INSERT INTO components (slug, name) \
             SELECT 'c' || n, 'Component ' || n FROM generate_series(1, {COMPONENTS}) n \
             ON CONFLICT DO NOTHING"
        ),
    )?;
    // Written straight into the database: the servers' boards in memory see it when they
    // next read the whole board.
    wait_for_reload();
    let token = access_token(release, contender)?;
    let script = out_dir.join("post-report.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\n\
             wrk.headers[\"Content-Type\"] = \"application/json\"\n\
             wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n\
             wrk.body = '{{\"status\":\"degraded_performance\",\"message\":\"bench\"}}'\n\
             request = function()\n\
             \x20 return wrk.format(nil, \"/api/v1/components/c\" .. math.random(1, {COMPONENTS}) .. \"/reports\")\n\
             end\n"
        ),
    )?;
    let insert = format!(
        "\\set n random(1, {COMPONENTS})\n{};\n",
        reports::RECORD_SQL
            .replace("$1", "'c' || :n")
            .replace("$2", "'degraded_performance'")
            .replace("$3", "'bench'")
            .replace("$4", "'bench'")
            .replace("$5", "NULL"),
    );
    let list = format!(
        "{};\n",
        components::list_sql()
            .replace("$1", "NULL")
            .replace("$2", "100")
    );

    let base = format!("http://{}", server.addr);
    let post_url = format!("{base}/api/v1/components/c1/reports");
    let list_url = format!("{base}/api/v1/components?limit=100");
    let cases = [
        ("POST …/reports", &post_url, Some(script.as_path()), &insert),
        ("GET /api/v1/components (100)", &list_url, None, &list),
    ];
    for (name, url, script, sql) in cases {
        versus(name, url, script, sql, cluster, options)?;
    }

    psql(cluster, STATUS_PAGE)?;
    wait_for_reload();
    let summary_sql = format!(
        "{};\n",
        summary::SQL.replace("$1", "100").replace("$2", "1")
    );
    let summary_url = format!("{base}/api/v1/summary");
    versus(
        "GET /api/v1/summary",
        &summary_url,
        None,
        &summary_sql,
        cluster,
        options,
    )?;
    super::memory::compare(server, release, out_dir, options)?;
    super::replicas::measure(server, contender, release, out_dir)?;
    super::uptime::compare(server, cluster, options)
}

/// Waits until the server's board in memory has read the database again.
fn wait_for_reload() {
    std::thread::sleep(
        statusboard_server::live::hub::RELOAD_EVERY + std::time::Duration::from_secs(1),
    );
}

/// A status page's board for the summary, beside the first 100 components: 100 more, all
/// 200 in 10 groups; 10 unresolved incidents, each on a component, with an update; 5
/// maintenances scheduled in the next days, each on a component, with an update.
const STATUS_PAGE: &str = "\
    INSERT INTO components (slug, name) \
    SELECT 'c' || n, 'Component ' || n FROM generate_series(101, 200) n ON CONFLICT DO NOTHING; \
    UPDATE components SET group_name = 'Group ' || (substr(slug, 2)::int % 10); \
    INSERT INTO incidents (name, status, impact) \
    SELECT 'Incident ' || n, 'investigating', 'minor' FROM generate_series(1, 10) n; \
    INSERT INTO incident_components (incident_id, component, status) \
    SELECT id, 'c' || id, 'degraded_performance' FROM incidents; \
    INSERT INTO incident_updates (incident_id, status, message, components, created_by) \
    SELECT id, 'investigating', 'Looking into it.', '[]', 'bench' FROM incidents; \
    INSERT INTO maintenances (name, message, scheduled_for, scheduled_until) \
    SELECT 'Maintenance ' || n, 'Upgrades.', now() + n * interval '1 day', \
           now() + n * interval '1 day' + interval '1 hour' FROM generate_series(1, 5) n; \
    INSERT INTO maintenance_components (maintenance_id, component) \
    SELECT id, 'c' || (id + 20) FROM maintenances; \
    INSERT INTO maintenance_updates (maintenance_id, status, message, created_by) \
    SELECT id, 'scheduled', 'Upgrades.', 'bench' FROM maintenances";

/// `name` (a request to `url`, with the wrk `script` if any) against pgbench running
/// `sql`, [`ROUNDS`] times each, alternately; prints each round and the medians.
pub(super) fn versus(
    name: &str,
    url: &str,
    script: Option<&Path>,
    sql: &str,
    cluster: &Cluster,
    options: &Options,
) -> Result<()> {
    let mut http = Vec::new();
    let mut p99 = Vec::new();
    let mut sql_rates = Vec::new();
    for _ in 0..ROUNDS {
        let load = wrk::run_script(url, script, options.connections, options.duration_s, false)?;
        println!(
            "{name}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
            load.requests_per_second, load.p50_ms, load.p99_ms
        );
        http.push(load.requests_per_second);
        p99.push(load.p99_ms);
        let tps = pgbench(cluster, sql, options.connections, options)?;
        println!(
            "pgbench, the same SQL ({} clients): {tps:.0} tps",
            options.connections
        );
        sql_rates.push(tps);
    }
    let (http, sql) = (median(&mut http), median(&mut sql_rates));
    println!(
        "median of {ROUNDS}: {name} {http:.0} req/s (p99 {:.2} ms), pgbench {sql:.0} tps; \
         {:.2} × pgbench",
        median(&mut p99),
        http / sql
    );
    Ok(())
}

/// An access token with both scopes, from `statusboard-server token issue` run with the
/// server's own settings.
pub fn access_token(release: &Path, contender: &Contender) -> Result<String> {
    let output = Command::new(release.join("statusboard-server"))
        .args(["token", "issue", "--subject", "bench"])
        .args(["--scope", "components:write", "--scope", "reports:write"])
        .env_clear()
        .envs(contender.env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .context("running statusboard-server token issue")?;
    if !output.status.success() {
        bail!(
            "statusboard-server token issue failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let pair: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    pair["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("token issue printed no access_token")
}

/// Runs `sql` with psql on the cluster's `postgres` database.
fn psql(cluster: &Cluster, sql: &str) -> Result<()> {
    psql_on(cluster, "postgres", sql)
}

/// Runs `sql` with psql on the cluster's database `database`.
pub(super) fn psql_on(cluster: &Cluster, database: &str, sql: &str) -> Result<()> {
    let bin = binaries::installed()
        .context("psql comes with an installed PostgreSQL")?
        .join("psql");
    let output = Command::new(bin)
        .args(["-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres"])
        .arg("-p")
        .arg(cluster.port().to_string())
        .args(["-d", database, "-c", sql])
        .output()
        .context("running psql")?;
    if !output.status.success() {
        bail!("psql failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(())
}
