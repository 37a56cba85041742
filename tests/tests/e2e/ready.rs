//! `/api/v1/ready` follows the database; `/api/v1/health` never does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use statusboard_client::types::{DatabaseState, HealthStatus, NotReadyStatus};
use statusboard_server::config::DatabaseUrl;
use statusboard_tests::app::TestApp;
use statusboard_tests::poll;
use statusboard_tests::postgres::{Cluster, DataDir};

use crate::client;

#[tokio::test]
async fn ready_answers_ok_through_the_client_when_the_database_is_up() {
    let app = TestApp::spawn_with_database().await;
    let readiness = client(&app)
        .ready()
        .send()
        .await
        .expect("ready")
        .into_inner();
    assert_eq!(readiness.status, HealthStatus::Ok);
    assert_eq!(readiness.database, DatabaseState::Ok);
    assert_eq!(readiness.board.stale_seconds, None);
    let body: serde_json::Value = reqwest::get(app.url("/api/v1/ready"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["database"], "ok");
    assert!(body["board"]["change"].is_i64(), "{body}");
    // 7.0.0 and 8.0.0 answer without `board`.
    let v8 = reqwest::Client::new()
        .get(app.url("/api/v1/ready"))
        .header("api-version", "8.0.0")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(v8, r#"{"status":"ok","database":"ok","github":"no_token"}"#);
    // The versions before 7.0.0 answer without `github`.
    let older = reqwest::Client::new()
        .get(app.url("/api/v1/ready"))
        .header("api-version", "6.0.0")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(older, r#"{"status":"ok","database":"ok"}"#);
}

#[tokio::test]
async fn the_server_starts_and_stays_alive_without_a_database() {
    let app = TestApp::spawn().await;
    let client = client(&app);
    assert_eq!(
        client.health().send().await.unwrap().into_inner().status,
        HealthStatus::Ok
    );

    let started = Instant::now();
    let error = client
        .ready()
        .send()
        .await
        .expect_err("not ready without a database");
    assert!(started.elapsed() < app.settings.database_connect_timeout + Duration::from_secs(1));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    let statusboard_client::Error::ErrorResponse(body) = error else {
        panic!("{error:?}")
    };
    assert_eq!(body.status, NotReadyStatus::Unavailable);
    assert!(
        body.database.contains("cannot be reached"),
        "{}",
        body.database
    );
    assert_eq!(body.error_code, "DatabaseUnavailable");
    assert!(
        body.message.starts_with("database unavailable"),
        "{}",
        body.message
    );
    assert!(!body.request_id.is_empty());

    // On the wire: the SPEC's shape, and CORS headers on the 503 too.
    let response = reqwest::Client::new()
        .get(app.url("/api/v1/ready"))
        .header("origin", "http://localhost:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert!(
        body["database"]
            .as_str()
            .unwrap()
            .contains("cannot be reached"),
        "{body}"
    );
}

/// A server on a PostgreSQL cluster of the test's own, which it may stop and restart, whose
/// `/ready` stays `200` on its board in memory for `ready_max_stale` once the database is
/// gone (`Duration::ZERO`: it turns `503` at once).
pub(crate) async fn app_on_own_cluster(ready_max_stale: Duration) -> (Cluster, TestApp) {
    let cluster = tokio::task::spawn_blocking(|| Cluster::start(DataDir::Temporary, None))
        .await
        .unwrap()
        .unwrap();
    let url = DatabaseUrl::parse("DATABASE_URL", &cluster.url("postgres")).unwrap();
    let mut settings = TestApp::settings(url);
    settings.ready_max_stale = ready_max_stale;
    (cluster, TestApp::spawn_ready(settings).await)
}

/// Runs a blocking cluster operation (stop, restart) off the async workers.
pub(crate) async fn with_cluster(mut cluster: Cluster, operation: fn(&mut Cluster)) -> Cluster {
    tokio::task::spawn_blocking(move || {
        operation(&mut cluster);
        cluster
    })
    .await
    .unwrap()
}

/// Polls `/ready` until it answers `want`, at most `within`; returns how long it took.
async fn ready_becomes(app: &TestApp, want: u16, within: Duration) -> Duration {
    let started = Instant::now();
    let answered = poll::until_async(within, Duration::from_millis(100), || async {
        let response = reqwest::get(app.url("/api/v1/ready")).await.unwrap();
        (response.status().as_u16() == want).then(|| started.elapsed())
    })
    .await;
    answered.unwrap_or_else(|| panic!("/ready did not answer {want} within {within:?}"))
}

#[tokio::test]
async fn ready_follows_the_database_down_and_back_up_while_health_stays_ok() {
    let (cluster, app) = app_on_own_cluster(Duration::ZERO).await;
    let timeout = app.settings.database_connect_timeout;
    ready_becomes(&app, 200, Duration::from_secs(5)).await;

    let cluster = with_cluster(cluster, |c| c.stop().unwrap()).await;
    // Each answer comes within the connect timeout, and it turns 503.
    let started = Instant::now();
    let response = reqwest::get(app.url("/api/v1/ready")).await.unwrap();
    assert!(
        started.elapsed() < timeout + Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), 503);
    let health = reqwest::get(app.url("/api/v1/health")).await.unwrap();
    assert_eq!(health.status(), 200);

    let _cluster = with_cluster(cluster, |c| c.restart().unwrap()).await;
    ready_becomes(&app, 200, Duration::from_secs(15)).await;
    let health = reqwest::get(app.url("/api/v1/health")).await.unwrap();
    assert_eq!(health.status(), 200);
}

/// What a load generator saw.
#[derive(Debug, Default)]
struct Seen {
    health_ok: u32,
    health_other: u32,
    ready_ok: u32,
    ready_unavailable: u32,
    ready_other: u32,
    hung: u32,
}

/// Hits /health and /ready in a loop until `stop`, each request bounded by `limit`, counting
/// its answers in `answered` as they come.
async fn load(
    app_url: String,
    limit: Duration,
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicU64>,
) -> Seen {
    let http = reqwest::Client::new();
    let mut seen = Seen::default();
    while !stop.load(Ordering::Relaxed) {
        for path in ["/api/v1/health", "/api/v1/ready"] {
            let request = http.get(format!("{app_url}{path}")).send();
            let response = tokio::time::timeout(limit, request).await;
            answered.fetch_add(1, Ordering::Relaxed);
            match response {
                Err(_) => seen.hung += 1,
                Ok(response) => {
                    let status = response.map(|r| r.status().as_u16()).unwrap_or(0);
                    match (path, status) {
                        ("/api/v1/health", 200) => seen.health_ok += 1,
                        ("/api/v1/health", _) => seen.health_other += 1,
                        (_, 200) => seen.ready_ok += 1,
                        (_, 503) => seen.ready_unavailable += 1,
                        _ => seen.ready_other += 1,
                    }
                }
            }
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_under_load_never_hangs_a_request_nor_fails_health() {
    let (cluster, app) = app_on_own_cluster(Duration::ZERO).await;
    let limit = app.settings.database_connect_timeout + Duration::from_secs(2);
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let loaders: Vec<_> = (0..4)
        .map(|_| {
            let (stop, answered) = (Arc::clone(&stop), Arc::clone(&answered));
            tokio::spawn(load(app.base_url.clone(), limit, stop, answered))
        })
        .collect();
    // Each phase (up, down, back up) lasts until the loaders have had 200 more answers.
    let phase = || async {
        let until = answered.load(Ordering::Relaxed) + 200;
        let done = poll::until_async(Duration::from_secs(30), Duration::from_millis(10), || {
            std::future::ready((answered.load(Ordering::Relaxed) >= until).then_some(()))
        })
        .await;
        assert!(done.is_some(), "the loaders stalled");
    };

    phase().await;
    let cluster = with_cluster(cluster, |c| c.stop().unwrap()).await;
    ready_becomes(&app, 503, app.settings.database_connect_timeout * 2).await;
    phase().await;
    let _cluster = with_cluster(cluster, |c| c.restart().unwrap()).await;
    ready_becomes(&app, 200, Duration::from_secs(15)).await;
    phase().await;
    stop.store(true, Ordering::Relaxed);

    let mut total = Seen::default();
    for loader in loaders {
        let seen = loader.await.unwrap();
        total.health_ok += seen.health_ok;
        total.health_other += seen.health_other;
        total.ready_ok += seen.ready_ok;
        total.ready_unavailable += seen.ready_unavailable;
        total.ready_other += seen.ready_other;
        total.hung += seen.hung;
    }
    println!("outage under load: {total:?}");
    assert_eq!(total.hung, 0, "{total:?}");
    assert_eq!(total.health_other, 0, "{total:?}");
    assert_eq!(total.ready_other, 0, "{total:?}");
    assert!(total.health_ok > 100, "{total:?}");
    assert!(
        total.ready_ok > 0 && total.ready_unavailable > 0,
        "{total:?}"
    );
}

/// A PostgreSQL that refuses the server (here: a role it does not have) tells the server
/// why in words that name users and hosts: those go to the log, never to a client.
#[tokio::test]
async fn a_refusing_database_s_words_reach_the_log_and_no_client() {
    let mut url =
        url::Url::parse(&statusboard_tests::database::fresh_database_url().await).unwrap();
    url.set_username("intruder_marker").unwrap();
    let database =
        statusboard_server::config::DatabaseUrl::parse("DATABASE_URL", url.as_str()).unwrap();
    let captured = statusboard_tests::log_capture::CapturedLog::default();
    let app = TestApp::spawn_logging(TestApp::settings(database), &captured.logger());
    let http = reqwest::Client::new();
    for path in [
        "/api/v1/ready",
        "/api/v1/components",
        "/api/v1/components/db",
    ] {
        let response = http.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 503, "{path}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("intruder_marker"), "{path}: {body}");
        assert!(body.contains("SQLSTATE class 28"), "{path}: {body}");
    }
    let lines = captured.lines();
    assert!(
        lines.iter().any(|line| line.contains("intruder_marker")),
        "the log says who was refused: {lines:#?}"
    );
}

/// Until the live board follows the change log (here it cannot: its `LISTEN` goes nowhere),
/// the server is not ready, and the live board lets no subscriber in.
#[tokio::test]
async fn not_ready_until_the_live_board_follows_the_log() {
    let database = statusboard_tests::database::fresh_database().await;
    let mut settings = TestApp::settings(database);
    settings.database_listen_url = Some(statusboard_tests::app::nowhere());
    let app = TestApp::spawn_with(settings).await;
    let migrated = statusboard_tests::poll::until_async(
        Duration::from_secs(30),
        Duration::from_millis(20),
        || {
            let done = app
                .server()
                .context()
                .migrated
                .load(std::sync::atomic::Ordering::Acquire);
            std::future::ready(done.then_some(()))
        },
    )
    .await;
    assert!(migrated.is_some());
    let http = reqwest::Client::new();
    let ready = http.get(app.url("/api/v1/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert!(ready.text().await.unwrap().contains("has not caught up"));
    let events = crate::upgrade(http.get(app.url("/api/v1/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 503);
    assert_eq!(events.headers()["retry-after"], "1");
}
