//! Webhook deliveries: 100 subscriptions to one local receiver (over loopback, as
//! `WEBHOOK_ALLOW_PRIVATE_NETWORKS=true` allows), against one release server.
//!
//! 1. Backlogged: 1,000 changes committed at once (100 per second of `--duration`, at
//!    least 100, in shorter runs); deliveries per second until all 100 × that have arrived.
//! 2. Paced: then one change every 100 ms for `--duration` seconds (1,000 deliveries a
//!    second asked for); from each change's commit to its arrival at the receiver, p50 and
//!    p99.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};
use statusboard_tests::postgres::Cluster;
use statusboard_tests::receiver::{Delivery, Receiver};

use super::board::psql_on;
use super::servers::{Contender, Running};
use super::{Options, median};

/// How many subscriptions.
const SUBSCRIPTIONS: usize = 100;
/// How many changes the backlogged phase commits at once, at most.
const CHANGES: usize = 1000;

/// Measures both phases; prints the figures.
pub fn measure(
    cluster: &Cluster,
    release: &Path,
    out_dir: &Path,
    options: &Options,
) -> Result<()> {
    cluster.create_database("webhooks")?;
    let contender = Contender::statusboard(
        "statusboard (webhooks)",
        &cluster.url("webhooks"),
        &[("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")],
    );
    let mut server = Running::start(release, &contender, &out_dir.join("webhooks.log"), false)?;
    server.wait_ready()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let receiver = runtime.block_on(Receiver::start());
    let secret = statusboard_server::webhooks::signature::Secret::generate().expose();
    psql_on(
        cluster,
        "webhooks",
        &format!(
            "INSERT INTO webhook_subscriptions (url, secret, created_by, after_change) \
             SELECT '{}' || n, '{secret}', 'bench', (SELECT COALESCE(max(id), 0) FROM changes) \
             FROM generate_series(1, {SUBSCRIPTIONS}) n",
            receiver.url("/hook/")
        ),
    )?;

    // 1. Backlogged.
    let changes = (options.duration_s as usize * 100).clamp(100, CHANGES);
    let started = Instant::now();
    psql_on(cluster, "webhooks", &changes_sql(changes))?;
    let total = SUBSCRIPTIONS * changes;
    wait_for(&receiver, total, Duration::from_secs(600))?;
    let took = started.elapsed().as_secs_f64();
    println!(
        "\nwebhooks: {SUBSCRIPTIONS} subscriptions × {changes} changes committed at once: \
         {total} deliveries in {took:.1} s, {:.0} deliveries/s",
        total as f64 / took
    );

    // 2. Paced.
    let paced = (options.duration_s * 10).max(10) as usize;
    for _ in 0..paced {
        psql_on(cluster, "webhooks", &changes_sql(1))?;
        std::thread::sleep(Duration::from_millis(100));
    }
    wait_for(
        &receiver,
        total + SUBSCRIPTIONS * paced,
        Duration::from_secs(120),
    )?;
    let mut delays: Vec<f64> = receiver.received()[total..]
        .iter()
        .map(delay_ms)
        .collect::<Result<_>>()?;
    let p99 = {
        delays.sort_by(f64::total_cmp);
        delays[(delays.len() * 99 / 100).min(delays.len() - 1)]
    };
    println!(
        "webhooks: one change every 100 ms for {} s ({} deliveries/s asked): commit to \
         arrival p50 {:.1} ms, p99 {p99:.1} ms",
        paced / 10,
        SUBSCRIPTIONS * 10,
        median(&mut delays)
    );
    drop(receiver);
    server.stop()
}

/// `n` report changes for the component `bench`, committed together, each saying when it
/// was made (`reported_at`).
fn changes_sql(n: usize) -> String {
    format!(
        "INSERT INTO changes (kind, subject, data) \
         SELECT 'report', 'bench', jsonb_build_object('id', n, 'component', 'bench', \
             'status', 'operational', 'message', '', 'reported_by', 'bench', \
             'reported_at', to_char(clock_timestamp() AT TIME ZONE 'UTC', \
                                    'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')) \
         FROM generate_series(1, {n}) n"
    )
}

/// Waits until `receiver` has `count` deliveries, at most `limit`.
fn wait_for(receiver: &Receiver, count: usize, limit: Duration) -> Result<()> {
    let started = Instant::now();
    while receiver.count() < count {
        if started.elapsed() > limit {
            bail!(
                "webhooks: {} of {count} deliveries within {} s",
                receiver.count(),
                limit.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// From the change's `reported_at` to the delivery's arrival, in milliseconds.
fn delay_ms(delivery: &Delivery) -> Result<f64> {
    let body: serde_json::Value = serde_json::from_slice(&delivery.body)?;
    let made = body["reported_at"]
        .as_str()
        .context("a delivery without reported_at")?;
    let made = chrono::DateTime::parse_from_rfc3339(made)?;
    let made =
        SystemTime::UNIX_EPOCH + Duration::from_micros(made.timestamp_micros().max(0) as u64);
    Ok(delivery
        .received_at
        .duration_since(made)
        .unwrap_or_default()
        .as_secs_f64()
        * 1e3)
}
