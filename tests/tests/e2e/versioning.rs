//! The `api-version` header chooses the API version that answers.

use statusboard_tests::app::TestApp;

async fn health_with(app: &TestApp, version: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(app.url("/api/v1/health"));
    if let Some(version) = version {
        request = request.header("api-version", version);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_supported_version_or_none_is_served() {
    let app = TestApp::spawn().await;
    for version in [Some("1.0.0"), None] {
        let response = health_with(&app, version).await;
        assert_eq!(response.status(), 200, "{version:?}");
        let vary = response.headers()["vary"].to_str().unwrap();
        assert!(vary.contains("api-version"), "{vary}");
    }
}

#[tokio::test]
async fn an_unsupported_version_is_400_naming_the_supported_ones() {
    let app = TestApp::spawn().await;
    for version in ["99.0.0", "0.1.0", "1.0", "latest"] {
        let response = health_with(&app, Some(version)).await;
        assert_eq!(response.status(), 400, "{version}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error_code"], "UnsupportedApiVersion", "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("supports 1.0.0"), "{message}");
        assert!(message.contains(version), "{message}");
    }
}

/// A client generated from the released 1.0.0 document, as a service built before 2.0.0
/// has it.
mod v1 {
    #![allow(
        missing_docs,
        missing_debug_implementations,
        unreachable_pub,
        clippy::all
    )]
    progenitor::generate_api!(spec = "../openapi/statusboard/statusboard-1.0.0-61e9a3.json");
}

#[tokio::test]
async fn a_client_of_the_released_1_0_0_document_still_works() {
    let app = TestApp::spawn_with_database().await;
    let client = v1::Client::new(&app.base_url);
    let health = client.health().await.unwrap();
    assert_eq!(health.status, v1::types::HealthStatus::Ok);
    let ready = client.ready().await.unwrap();
    assert_eq!(ready.database, v1::types::HealthStatus::Ok);
    // 1.0.0 has no board: its paths answer 404 to a 1.0.0 client.
    let response = reqwest::Client::new()
        .get(app.url("/api/v1/components"))
        .header("api-version", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    // Nor any other method, preflights included.
    let response = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/components/db"))
        .header("api-version", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
