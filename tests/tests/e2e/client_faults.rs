//! Input that is the client's fault answers `4xx`, never `5xx`; and an operation reads
//! only the headers it declares.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use statusboard_api::Scope;
use statusboard_tests::app::TestApp;

use crate::board_api::pair;

/// A page token as dropshot writes them, holding `page_start`.
fn page_token(page_start: serde_json::Value) -> String {
    let token = serde_json::json!({"v": "v1", "page_start": page_start});
    URL_SAFE.encode(serde_json::to_vec(&token).unwrap())
}

async fn create_db(app: &TestApp, token: &str) {
    let created = reqwest::Client::new()
        .put(app.url("/api/v1/components/db"))
        .bearer_auth(token)
        .json(&serde_json::json!({"name": "Database"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
}

#[tokio::test]
async fn a_forged_page_token_is_a_400_naming_page_token() {
    let app = TestApp::spawn_with_database().await;
    let writer = pair(&app, "ops", &[Scope::ComponentsWrite]).await;
    create_db(&app, &writer.access_token).await;
    let forged = [
        // A NUL in the slug to start after (PostgreSQL: 22021).
        (
            "/api/v1/components",
            page_token(serde_json::json!({"after": "a\u{0}b"})),
        ),
        // A time PostgreSQL cannot hold (22008).
        (
            "/api/v1/components/db/reports",
            page_token(serde_json::json!({
                "since": null, "reported_at": "-5000-01-01T00:00:00Z", "id": 1
            })),
        ),
        (
            "/api/v1/components/db/reports",
            page_token(serde_json::json!({
                "since": "+20000-01-01T00:00:00Z", "reported_at": "2026-01-01T00:00:00Z", "id": 1
            })),
        ),
    ];
    for (path, token) in forged {
        let response = reqwest::Client::new()
            .get(app.url(path))
            .query(&[("page_token", &token)])
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error_code"], "InvalidRequest", "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains("page_token") || message.contains("page token"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_header_the_operation_does_not_read_cannot_fail_it() {
    let app = TestApp::spawn_with_database().await;
    let writer = pair(&app, "ops", &[Scope::ComponentsWrite, Scope::ReportsWrite]).await;
    create_db(&app, &writer.access_token).await;
    let proxy_user = reqwest::header::HeaderValue::from_bytes("José".as_bytes()).unwrap();
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/components/db/reports"))
        .bearer_auth(&writer.access_token)
        .header("x-forwarded-user", proxy_user)
        .header("idempotency-key", "k1")
        .json(&serde_json::json!({"status": "major_outage", "message": "down"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}
