use statusboard_client::types::HealthStatus;
use statusboard_tests::app::TestApp;

use crate::client;

#[tokio::test]
async fn health_answers_ok_through_the_client() {
    let app = TestApp::spawn().await;
    let response = client(&app).health().send().await.expect("health answers");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.into_inner().status, HealthStatus::Ok);
}

#[tokio::test]
async fn health_is_exactly_the_reference_body() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(app.url("/api/v1/health")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.unwrap(), r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn unknown_path_is_a_json_404() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(app.url("/api/v1/nope")).await.unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["request_id"].is_string(), "{body}");
    assert!(body["message"].is_string(), "{body}");
}

#[tokio::test]
async fn graceful_stop_reports_graceful() {
    let app = TestApp::spawn().await;
    let addr = app.addr;
    assert_eq!(
        app.stop().await,
        statusboard_server::server::Shutdown::Graceful
    );
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the port is closed"
    );
}
