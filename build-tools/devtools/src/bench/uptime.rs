//! `GET /api/v1/uptime?days=90` (every component's daily bars, one page of 200) against
//! pgbench running the same two statements, on the status page's 200 components with a
//! history of one report every 10 minutes each: a year of it (10.5 million reports), or 30
//! days in a short run (`--duration` of 2 s or less). The history's rollups are built as
//! migration V9 builds them for an existing board, so that the roller starts caught up.

use anyhow::Result;
use statusboard_server::board::uptime::{CURSOR_SQL, PAGE_SQL};
use statusboard_tests::postgres::Cluster;

use super::Options;
use super::board::{psql_on, versus};
use super::servers::Running;

/// How many days of history a full run writes.
const YEAR: u32 = 365;
/// How many days of history a short run writes.
const MONTH: u32 = 30;

/// Writes the history, then measures the read.
pub fn compare(server: &Running, cluster: &Cluster, options: &Options) -> Result<()> {
    let days = if options.duration_s <= 2 { MONTH } else { YEAR };
    let started = std::time::Instant::now();
    psql_on(cluster, "postgres", &history(days))?;
    psql_on(cluster, "postgres", ROLL_UP)?;
    psql_on(
        cluster,
        "postgres",
        "VACUUM ANALYZE status_reports, uptime_days",
    )?;
    println!(
        "uptime: {days} days of history for 200 components written and rolled up in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let sql = format!(
        "{CURSOR_SQL} \\gset\n{};\n",
        PAGE_SQL
            .replace("$1", ":after_report")
            .replace("$2", "current_date - 89")
            .replace("$3", "current_date")
            .replace("$4", "now()")
            .replace("$5", "NULL")
            .replace("$6", "200")
    );
    let url = format!("http://{}/api/v1/uptime?days=90&limit=200", server.addr);
    // A page of 200 components × 90 days is about 2.7 MB: fewer connections than the
    // other reads, so that the figures are the answer's cost rather than queueing.
    let options = Options {
        connections: 4,
        ..*options
    };
    versus(
        "GET /api/v1/uptime?days=90 (200 components)",
        &url,
        None,
        &sql,
        cluster,
        &options,
    )
}

/// The statements that write `days` days of history (a report every 10 minutes per
/// component, statuses at random, mostly `operational`), the components created when it
/// starts.
fn history(days: u32) -> String {
    format!(
        "UPDATE components SET created_at = now() - interval '{days} days'; \
         INSERT INTO status_reports (component, status, message, reported_by, reported_at) \
         SELECT c.slug, (ARRAY['operational', 'operational', 'operational', 'operational', \
                               'degraded_performance', 'partial_outage', 'major_outage', \
                               'under_maintenance'])[1 + floor(random() * 8)::int], \
                '', 'bench', t \
         FROM components c, generate_series(now() - interval '{days} days' + interval '1 minute', \
                                            now() - interval '1 hour', interval '10 minutes') t"
    )
}

/// Builds the rollups of the whole history, under the roller's lock, and moves its cursor
/// past it.
const ROLL_UP: &str = "\
         BEGIN; \
         SELECT pg_advisory_xact_lock(4412918061771208339); \
         TRUNCATE uptime_days; \
         INSERT INTO uptime_days (component, day, status, micros) \
         SELECT i.component, t.day, i.status, sum(t.micros) FROM ( \
             SELECT r.component, COALESCE(lag(r.status) OVER w, 'operational') AS status, \
                    COALESCE(lag(r.reported_at) OVER w, c.created_at) AS from_at, \
                    r.reported_at AS to_at \
             FROM status_reports r JOIN components c ON c.slug = r.component \
             WINDOW w AS (PARTITION BY r.component ORDER BY r.reported_at, r.id)) i, \
             uptime_split(i.from_at, i.to_at) t \
         GROUP BY i.component, t.day, i.status; \
         UPDATE uptime_cursor SET after_report = (SELECT max(id) FROM status_reports); \
         COMMIT";
