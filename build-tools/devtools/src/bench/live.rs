//! The live board under many subscribers: N WebSocket subscribers (1,000, then 10,000) on
//! one server, each N on a fresh server pinned to CPU 0, the subscribers in this process on
//! CPU 1. Once all have caught up, the server's resident memory per idle subscriber; then
//! one report posted at a time, [`REPORTS`] times: how long until each subscriber has it,
//! counted from just before the `POST` (so the commit, the notification, the hub's read
//! and the subscribers' own reading are all in it).

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use statusboard_tests::postgres::Cluster;
use tokio::sync::{Semaphore, mpsc};
use tokio_tungstenite::tungstenite::Message;

use super::servers::{Contender, Running};
use super::{board, median};

/// How many subscribers, one server each.
const SUBSCRIBERS: [usize; 2] = [1_000, 10_000];
/// How many reports are posted to them, one at a time.
const REPORTS: usize = 5;
/// How many subscribers connect at once.
const CONNECTING_AT_ONCE: usize = 100;
/// The longest wait for every subscriber to have a report.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// One server's figures.
struct Figures {
    subscribers: usize,
    idle_kib_each: f64,
    /// Every subscriber's delay for every report, ms, sorted.
    delays_ms: Vec<f64>,
    /// For each report, when the last subscriber had it, ms.
    all_ms: Vec<f64>,
    missing: usize,
}

/// Measures each count of [`SUBSCRIBERS`] on a database `live` of `cluster`.
pub fn measure(cluster: &Cluster, release: &Path, out_dir: &Path, pin: bool) -> Result<()> {
    let needed = SUBSCRIBERS.iter().max().copied().unwrap_or(0) + 200;
    let limit = open_files_limit()?;
    if limit < needed as u64 {
        println!(
            "\nlive board: skipped: this process may open {limit} files, the bench needs \
             {needed} (ulimit -n {needed})"
        );
        return Ok(());
    }
    cluster.create_database("live")?;
    if pin {
        // This process (its threads to come included) on CPU 1, the server on CPU 0.
        Command::new("taskset")
            .args(["-a", "-p", "-c", "1"])
            .arg(std::process::id().to_string())
            .stdout(Stdio::null())
            .status()
            .context("running taskset")?;
    }
    let contender = Contender::statusboard("statusboard (live)", &cluster.url("live"), &[]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut all = Vec::new();
    for subscribers in SUBSCRIBERS {
        let log = out_dir.join(format!("live-{subscribers}.log"));
        let mut server = Running::start(release, &contender, &log, pin)?;
        let figures = runtime.block_on(one_server(&server, release, &contender, subscribers));
        server.stop()?;
        all.push(figures?);
    }
    if pin {
        Command::new("taskset")
            .args(["-a", "-p", "-c", "0,1"])
            .arg(std::process::id().to_string())
            .stdout(Stdio::null())
            .status()?;
    }
    println!(
        "\nlive board: {REPORTS} reports posted one at a time to N idle subscribers (server on \
         CPU 0, subscribers on CPU 1); delay from just before the POST until a subscriber \
         has the report"
    );
    println!(
        "| subscribers | RSS per idle subscriber KiB | delay p50 ms | p99 ms | max ms | \
         all have it, median of reports ms | missing |"
    );
    println!("|---|---|---|---|---|---|---|");
    for mut f in all {
        let at = |q: f64| f.delays_ms[((f.delays_ms.len() - 1) as f64 * q).round() as usize];
        let (p50, p99, max) = (at(0.5), at(0.99), at(1.0));
        println!(
            "| {} | {:.1} | {p50:.1} | {p99:.1} | {max:.1} | {:.1} | {} |",
            f.subscribers,
            f.idle_kib_each,
            median(&mut f.all_ms),
            f.missing
        );
    }
    Ok(())
}

/// Connects `count` subscribers to `server`, measures its memory, posts the reports.
async fn one_server(
    server: &Running,
    release: &Path,
    contender: &Contender,
    count: usize,
) -> Result<Figures> {
    let addr = server.addr;
    server.wait_ready()?;
    let token = board::access_token(release, contender)?;
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let created = http
        .put(format!("{base}/api/v1/components/live"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "name": "Live", "description": "" }))
        .send()
        .await?;
    if !created.status().is_success() {
        bail!("PUT /api/v1/components/live: {}", created.status());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before_mib = server.rss_mib()?;

    let (arrived, mut arrivals) = mpsc::unbounded_channel();
    let (caught_up, mut all_caught_up) = mpsc::channel(count);
    let connecting = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let url = format!("ws://{addr}/api/v1/events");
    let tasks: Vec<_> = (0..count)
        .map(|_| {
            let (url, arrived, caught_up) = (url.clone(), arrived.clone(), caught_up.clone());
            let connecting = connecting.clone();
            tokio::spawn(subscriber(url, connecting, caught_up, arrived))
        })
        .collect();
    drop(caught_up);
    for n in 0..count {
        match tokio::time::timeout(Duration::from_secs(60), all_caught_up.recv()).await {
            Ok(Some(Ok(()))) => {}
            Ok(Some(Err(e))) => bail!("subscriber {n} of {count}: {e:#}"),
            _ => bail!("only {n} of {count} subscribers caught up within 60 s"),
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after_mib = server.rss_mib()?;

    let mut delays_ms = Vec::with_capacity(count * REPORTS);
    let (mut all_ms, mut missing) = (Vec::new(), 0);
    for n in 0..REPORTS {
        let posted = Instant::now();
        let answer = http
            .post(format!("{base}/api/v1/components/live/reports"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "status": "partial_outage", "message": format!("bench {n}") }))
            .send()
            .await?;
        if !answer.status().is_success() {
            bail!("POST …/reports: {}", answer.status());
        }
        let deadline = tokio::time::Instant::now() + DELIVERY_TIMEOUT;
        let mut received = 0;
        while received < count {
            match tokio::time::timeout_at(deadline, arrivals.recv()).await {
                Ok(Some(at)) => {
                    delays_ms.push(at.duration_since(posted).as_secs_f64() * 1e3);
                    received += 1;
                }
                _ => break,
            }
        }
        missing += count - received;
        if let Some(last) = delays_ms
            .iter()
            .rev()
            .take(received)
            .copied()
            .reduce(f64::max)
        {
            all_ms.push(last);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    for task in tasks {
        task.abort();
    }
    delays_ms.sort_by(f64::total_cmp);
    if delays_ms.is_empty() {
        bail!("no subscriber received any report");
    }
    Ok(Figures {
        subscribers: count,
        idle_kib_each: (after_mib - before_mib) * 1024.0 / count as f64,
        delays_ms,
        all_ms,
        missing,
    })
}

/// One subscriber: connects (at most [`CONNECTING_AT_ONCE`] at a time), says when it has
/// caught up, then tells when each report arrives.
async fn subscriber(
    url: String,
    connecting: Arc<Semaphore>,
    caught_up: mpsc::Sender<Result<()>>,
    arrived: mpsc::UnboundedSender<Instant>,
) {
    let permit = connecting.acquire_owned().await;
    let mut socket = match tokio_tungstenite::connect_async(&url).await {
        Ok((socket, _)) => socket,
        Err(e) => {
            let _ = caught_up.send(Err(e.into())).await;
            return;
        }
    };
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) if text.contains("\"caught_up\"") => break,
            Some(Ok(_)) => {}
            other => {
                let error = anyhow::anyhow!("closed before caught_up: {other:?}");
                let _ = caught_up.send(Err(error)).await;
                return;
            }
        }
    }
    drop(permit);
    let _ = caught_up.send(Ok(())).await;
    // Reading answers the server's pings too.
    while let Some(Ok(message)) = socket.next().await {
        if let Message::Text(_) = message
            && arrived.send(Instant::now()).is_err()
        {
            return;
        }
    }
}

/// This process's limit on open files (`ulimit -n`).
fn open_files_limit() -> Result<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits")?;
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|soft| soft.parse().ok())
        .context("no \"Max open files\" in /proc/self/limits")
}
