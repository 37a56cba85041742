//! A rolling restart loses nothing: three replicas behind HAProxy (Debian's package; health
//! check on `/api/v1/ready` every 500 ms, no retries, as Kubernetes' Service routing does
//! not retry either) under steady load on `/api/v1/health`, each replica in turn sent
//! SIGTERM and started again. Every request must succeed. Meanwhile reports are recorded
//! all the time, and a live board subscriber (the Rust client, through HAProxy) must see
//! each exactly once, in order, however often its replica goes away (`1001`).
//!
//! Ignored by default (it needs `haproxy`); `.ci/rolling-restart` runs it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::*;

const REPLICAS: usize = 3;
const LOADERS: usize = 4;

/// A running HAProxy, stopped when dropped (also when the test fails).
struct Balancer(Child);

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// HAProxy in the foreground on `front`, balancing over `replicas`; its statistics (CSV)
/// on `stats`.
fn haproxy(
    dir: &std::path::Path,
    front: SocketAddr,
    stats: SocketAddr,
    replicas: &[SocketAddr],
) -> Balancer {
    let servers: String = replicas
        .iter()
        .enumerate()
        .map(|(i, addr)| format!("    server replica{i} {addr} check inter 500ms fall 1 rise 1\n"))
        .collect();
    let config = format!(
        "global\n    maxconn 1000\n\
         defaults\n    mode http\n    retries 0\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n    timeout tunnel 1h\n\
         \x20   option http-buffer-request\n    timeout http-request {SLOW_REQUEST_SECONDS}s\n\
         frontend api\n    bind {front}\n    default_backend replicas\n\
         frontend stats\n    bind {stats}\n    stats enable\n    stats uri /stats\n\
         backend replicas\n    balance roundrobin\n    option httpchk GET /api/v1/ready\n{servers}"
    );
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, config).unwrap();
    let child = Command::new("haproxy")
        .args(["-db", "-f"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy is installed (Debian: apt-get install haproxy)");
    Balancer(child)
}

/// How many replicas HAProxy has up.
/// How long HAProxy waits for a whole request, body included (dropshot reads a body
/// without a deadline: the ingress must bound it, docs/operations.md).
const SLOW_REQUEST_SECONDS: u64 = 3;

/// A client that announces a body and never sends it gets `408` from the balancer within
/// its `timeout http-request`, and no replica holds a request open for it.
fn a_slow_body_is_cut_by_the_balancer(front: SocketAddr) {
    use std::io::{Read, Write};
    let started = std::time::Instant::now();
    let mut stream = std::net::TcpStream::connect(front).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(SLOW_REQUEST_SECONDS + 5)))
        .unwrap();
    stream
        .write_all(
            b"POST /api/v1/auth/refresh HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
              content-length: 100\r\n\r\n{",
        )
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(SLOW_REQUEST_SECONDS + 3));
}

fn replicas_up(stats: SocketAddr) -> usize {
    get(stats, "/stats;csv")
        .unwrap_or_default()
        .lines()
        .filter(|line| line.starts_with("replicas,replica") && line.contains(",UP,"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs haproxy; run by .ci/rolling-restart"]
async fn a_rolling_restart_behind_haproxy_fails_no_request() {
    let url = statusboard_tests::database::fresh_database_url().await;
    let vars = [
        ("JWT_SECRET", SECRET),
        ("DATABASE_URL", url.as_str()),
        ("SHUTDOWN_DRAIN_SECONDS", "2"),
        ("LOG_LEVEL", "warn"),
    ];
    let addrs: Vec<SocketAddr> = (0..REPLICAS).map(|_| free_addr()).collect();
    let mut replicas: Vec<(Process, tempfile::TempDir)> = addrs
        .iter()
        .map(|addr| Process::start_at(*addr, &vars))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let (front, stats) = (free_addr(), free_addr());
    let balancer = haproxy(dir.path(), front, stats, &addrs);
    let all_up = || {
        poll::until(Duration::from_secs(20), Duration::from_millis(50), || {
            (replicas_up(stats) == REPLICAS).then_some(())
        })
    };
    assert!(all_up().is_some(), "HAProxy never saw the replicas up");
    a_slow_body_is_cut_by_the_balancer(front);

    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let (ok, failed) = (
        std::sync::Arc::new(AtomicU64::new(0)),
        std::sync::Arc::new(AtomicU64::new(0)),
    );
    let loaders: Vec<_> = (0..LOADERS)
        .map(|_| {
            let (stop, ok, failed) = (stop.clone(), ok.clone(), failed.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut failures = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let answer = http
                        .get(format!("http://{front}/api/v1/health"))
                        .send()
                        .await;
                    match answer {
                        Ok(response) if response.status() == 200 => {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        other => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            failures.push(format!("{other:?}"));
                        }
                    }
                }
                failures
            })
        })
        .collect();

    let (subscriber, writer) = live_board(front, &url, stop.clone()).await;

    for (i, addr) in addrs.iter().enumerate() {
        let before = ok.load(Ordering::Relaxed);
        let (mut old, _dir) = replicas.remove(i);
        old.terminate();
        assert!(
            old.wait(Duration::from_secs(20)).success(),
            "{}",
            old.output()
        );
        replicas.insert(i, Process::start_at(*addr, &vars));
        assert!(
            all_up().is_some(),
            "replica {i} did not come back into rotation"
        );
        assert!(ok.load(Ordering::Relaxed) > before, "the load went on");
    }
    stop.store(true, Ordering::Relaxed);
    let mut failures = Vec::new();
    for loader in loaders {
        failures.extend(loader.await.unwrap());
    }
    let recorded = writer.await.unwrap();
    let (received, connections) = tokio::time::timeout(Duration::from_secs(20), subscriber)
        .await
        .expect("the subscriber had every report within 20 s of the last")
        .unwrap();
    drop(balancer);
    println!(
        "live board: {} reports recorded, {} received over {connections} connections",
        recorded.len(),
        received.len()
    );
    assert!(recorded.len() > 100, "too few reports: {}", recorded.len());
    assert_eq!(received, recorded, "every report once, in order");
    assert!(
        connections > 1,
        "the subscriber's replica went away at least once"
    );
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    println!("rolling restart of {REPLICAS} replicas: {ok} requests succeeded, {failed} failed");
    assert!(ok > 1000, "too little load to prove anything: {ok}");
    assert_eq!(
        failed,
        0,
        "first failures: {:?}",
        &failures[..failures.len().min(5)]
    );
}

/// Starts the live board's side of the restart: a writer recording a report every 20 ms
/// (`reports::record`, as the servers do, straight to PostgreSQL) until `stop`, answering
/// their ids;
/// and a subscriber through HAProxy that reads until it has the writer's last report,
/// answering the ids it received and how many times it connected (`caught_up` messages).
async fn live_board(
    front: SocketAddr,
    database_url: &str,
    stop: std::sync::Arc<AtomicBool>,
) -> (
    tokio::task::JoinHandle<(Vec<i64>, usize)>,
    tokio::task::JoinHandle<Vec<i64>>,
) {
    use statusboard_api::{ComponentStatus, ComponentUpdate, NewStatusReport, Slug};
    use statusboard_server::bearer_auth::Actor;
    use statusboard_server::board::{components, reports};
    use statusboard_server::config::{DatabaseUrl, Settings};
    use statusboard_server::database::Database;

    let url = DatabaseUrl::parse("DATABASE_URL", database_url).unwrap();
    let database = Database::new(&Settings::for_tests(url)).unwrap();
    let update = ComponentUpdate {
        name: "API".to_owned(),
        description: String::new(),
        group: None,
    };
    let api = Slug::parse("api").unwrap();
    components::put(
        &database,
        &api,
        &update,
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    let client = statusboard_client::Client::new(
        &format!("http://{front}"),
        statusboard_client::Session::anonymous(),
    );
    let retry = statusboard_client::Retry {
        attempts: 20,
        ..statusboard_client::Retry::default()
    };
    let mut subscription = client.subscribe(None, &retry).await.unwrap();
    let (last_tx, mut last_rx) = tokio::sync::watch::channel(None);
    let subscriber = tokio::spawn(async move {
        let (mut received, mut connections) = (Vec::new(), 0);
        loop {
            let last = *last_rx.borrow();
            if last.is_some() && received.last().copied() >= last {
                return (received, connections);
            }
            tokio::select! {
                event = subscription.next() => match event.unwrap() {
                    statusboard_client::BoardEvent::Report { id, .. } => received.push(id),
                    statusboard_client::BoardEvent::CaughtUp => connections += 1,
                    // The board, and the components the test makes.
                    _ => {}
                },
                // The writer's last report, once it has stopped.
                changed = last_rx.changed(), if last.is_none() => {
                    if changed.is_err() {
                        return (received, connections);
                    }
                }
            }
        }
    });
    let writer = tokio::spawn(async move {
        let report = NewStatusReport {
            status: ComponentStatus::DegradedPerformance,
            message: "during the restart".to_owned(),
        };
        let mut recorded = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let saved = reports::record(
                &database,
                &api,
                &report,
                &Actor::internal("restarter"),
                None,
            )
            .await;
            recorded.push(saved.unwrap().id);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        last_tx.send_replace(recorded.last().copied());
        recorded
    });
    (subscriber, writer)
}
