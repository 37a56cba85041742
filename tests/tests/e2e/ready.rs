//! `/api/v1/ready` follows the database; `/api/v1/health` never does.

use std::time::{Duration, Instant};

use statusboard_client::types::HealthStatus;
use statusboard_server::config::DatabaseUrl;
use statusboard_tests::app::TestApp;
use statusboard_tests::postgres::{Cluster, DataDir};

use crate::client;

#[tokio::test]
async fn ready_answers_ok_through_the_client_when_the_database_is_up() {
    let app = TestApp::spawn().await;
    let readiness = client(&app).ready().await.expect("ready").into_inner();
    assert_eq!(readiness.status, HealthStatus::Ok);
    assert_eq!(readiness.database, HealthStatus::Ok);
    let body = reqwest::get(app.url("/api/v1/ready"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, r#"{"status":"ok","database":"ok"}"#);
}

#[tokio::test]
async fn the_server_starts_and_stays_alive_without_a_database() {
    let nowhere = DatabaseUrl::parse("DATABASE_URL", "postgresql://u:p@127.0.0.1:1/none").unwrap();
    let app = TestApp::spawn_with(TestApp::settings(nowhere)).await;
    let client = client(&app);
    assert_eq!(
        client.health().await.unwrap().into_inner().status,
        HealthStatus::Ok
    );

    let started = Instant::now();
    let error = client
        .ready()
        .await
        .expect_err("not ready without a database");
    assert!(started.elapsed() < app.settings.database_connect_timeout + Duration::from_secs(1));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    let statusboard_client::Error::ErrorResponse(body) = error else {
        panic!("{error:?}")
    };
    assert_eq!(body.error_code.as_deref(), Some("DatabaseUnavailable"));
    assert!(
        body.message.starts_with("database unavailable"),
        "{}",
        body.message
    );
}

/// Polls `/ready` until it answers `want`, at most `within`; returns how long it took.
async fn ready_becomes(app: &TestApp, want: u16, within: Duration) -> Duration {
    let started = Instant::now();
    while started.elapsed() < within {
        let status = reqwest::get(app.url("/api/v1/ready"))
            .await
            .unwrap()
            .status()
            .as_u16();
        if status == want {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("/ready did not answer {want} within {within:?}");
}

#[tokio::test]
async fn ready_follows_the_database_down_and_back_up_while_health_stays_ok() {
    // A cluster of this test's own, since it is stopped and restarted.
    let mut cluster = tokio::task::spawn_blocking(|| Cluster::start(DataDir::Temporary, None))
        .await
        .unwrap()
        .unwrap();
    let url = DatabaseUrl::parse("DATABASE_URL", &cluster.url("postgres")).unwrap();
    let app = TestApp::spawn_ready(TestApp::settings(url)).await;
    let timeout = app.settings.database_connect_timeout;
    ready_becomes(&app, 200, Duration::from_secs(5)).await;

    let mut cluster = tokio::task::spawn_blocking(move || {
        cluster.stop().unwrap();
        cluster
    })
    .await
    .unwrap();
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

    let _cluster = tokio::task::spawn_blocking(move || {
        cluster.restart().unwrap();
        cluster
    })
    .await
    .unwrap();
    ready_becomes(&app, 200, Duration::from_secs(15)).await;
    let health = reqwest::get(app.url("/api/v1/health")).await.unwrap();
    assert_eq!(health.status(), 200);
}
