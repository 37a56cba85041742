//! Every `error_code` the server answers is one of the document's `ErrorCode`s: each way a
//! request fails, from dropshot's router to the database, provoked once over raw HTTP.

use std::collections::BTreeSet;

use reqwest::{Method, RequestBuilder, Response};
use statusboard_api::{ErrorCode, Scope};
use statusboard_tests::app::TestApp;

use crate::board_api::pair;
use crate::{checked_in_document, upgrade};

/// The codes the latest document lists.
fn documented_codes() -> BTreeSet<String> {
    let document = checked_in_document();
    let schema = &document["components"]["schemas"]["ErrorCode"];
    let variants = schema["oneOf"].as_array().map_or_else(
        || schema["enum"].as_array().unwrap().clone(),
        |one_of| {
            one_of
                .iter()
                .flat_map(|v| v["enum"].as_array().unwrap().clone())
                .collect()
        },
    );
    variants
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// The error code of `response`, checked against the document: present, listed, and the
/// body otherwise what `ApiError` says.
async fn code_of(response: Response, documented: &BTreeSet<String>) -> String {
    let status = response.status();
    assert!(!status.is_success(), "{status}");
    let body: serde_json::Value = response.json().await.unwrap();
    let code = body["error_code"].as_str().unwrap_or_else(|| {
        panic!("a {status} without an error_code: {body}");
    });
    assert!(
        documented.contains(code),
        "{code} ({status}) is not in the document: {body}"
    );
    assert!(
        body["request_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{body}"
    );
    assert!(body["message"].is_string(), "{body}");
    code.to_owned()
}

#[tokio::test]
async fn every_error_code_the_server_answers_is_in_the_document() {
    let documented = documented_codes();
    let listed: BTreeSet<String> = ErrorCode::ALL.iter().map(|c| c.to_string()).collect();
    assert_eq!(documented, listed, "run cargo xtask openapi generate");

    let app = TestApp::spawn_with_database().await;
    let http = reqwest::Client::new();
    let writer = pair(
        &app,
        "ops",
        &[
            Scope::ComponentsWrite,
            Scope::ReportsWrite,
            Scope::IncidentsWrite,
            Scope::WebhooksWrite,
        ],
    )
    .await;
    let reader = pair(&app, "reader", &[Scope::ReportsWrite]).await;
    let bearer =
        |pair: &statusboard_client::types::TokenResponse| format!("Bearer {}", pair.access_token);
    let component = app.url("/api/v1/components/db");
    let created = http
        .put(&component)
        .header("authorization", bearer(&writer))
        .json(&serde_json::json!({"name": "Database", "description": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let reports = app.url("/api/v1/components/db/reports");
    let down = serde_json::json!({"status": "major_outage", "message": "down"});
    let first = http
        .post(&reports)
        .header("authorization", bearer(&writer))
        .header("idempotency-key", "k1")
        .json(&down)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    let maintenance = http
        .post(app.url("/api/v1/maintenances"))
        .header("authorization", bearer(&writer))
        .json(&serde_json::json!({
            "name": "Upgrade", "components": ["db"],
            "scheduled_for": in_an_hour,
            "scheduled_until": in_an_hour + chrono::Duration::hours(1),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(maintenance.status(), 201);
    let maintenance: serde_json::Value = maintenance.json().await.unwrap();
    let webhook: serde_json::Value = http
        .post(app.url("/api/v1/webhooks"))
        .header("authorization", bearer(&writer))
        .json(&serde_json::json!({"url": "http://127.0.0.1:9/hook"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let maintenance_updates = app.url(&format!(
        "/api/v1/maintenances/{}/updates",
        maintenance["id"]
    ));

    let failures: Vec<(&str, RequestBuilder)> = vec![
        (
            "malformed body",
            http.put(&component)
                .header("authorization", bearer(&writer))
                .header("content-type", "application/json")
                .body("{"),
        ),
        (
            "a query of the wrong type",
            http.get(app.url("/api/v1/components?limit=many")),
        ),
        (
            "a page over 1,000",
            http.get(app.url("/api/v1/components?limit=1001")),
        ),
        (
            "a forged page token",
            http.get(app.url("/api/v1/components?page_token=forged")),
        ),
        (
            "an out-of-bounds slug",
            http.get(app.url("/api/v1/components/Not%20A%20Slug")),
        ),
        (
            "an unknown refresh token",
            http.post(app.url("/api/v1/auth/refresh"))
                .json(&serde_json::json!({"refresh_token": "nope"})),
        ),
        (
            "an unserved version",
            http.get(app.url("/api/v1/health"))
                .header("api-version", "99.0.0"),
        ),
        ("no token", http.delete(&component)),
        (
            "a token without the scope",
            http.delete(&component)
                .header("authorization", bearer(&reader)),
        ),
        (
            "a browser from elsewhere",
            upgrade(
                http.get(app.url("/api/v1/events"))
                    .header("origin", "https://elsewhere.example"),
            ),
        ),
        (
            "no such component",
            http.get(app.url("/api/v1/components/nope")),
        ),
        (
            "no such incident",
            http.get(app.url("/api/v1/incidents/999")),
        ),
        (
            "no such maintenance",
            http.get(app.url("/api/v1/maintenances/999")),
        ),
        (
            "no such webhook",
            http.get(app.url("/api/v1/webhooks/999"))
                .header("authorization", bearer(&writer)),
        ),
        (
            "a delivery the webhook never attempted",
            http.post(app.url(&format!(
                "/api/v1/webhooks/{}/deliveries/999/retry",
                webhook["webhook"]["id"]
            )))
            .header("authorization", bearer(&writer)),
        ),
        (
            "no GitHub binding",
            http.get(app.url("/api/v1/components/db/github")),
        ),
        (
            "GitHub's webhook without a configured secret",
            http.post(app.url("/api/v1/integrations/github/webhook"))
                .header("x-github-event", "ping")
                .body("{}"),
        ),
        (
            "completing a maintenance that has not started",
            http.post(&maintenance_updates)
                .header("authorization", bearer(&writer))
                .json(&serde_json::json!({"status": "completed"})),
        ),
        (
            "a method the path does not answer",
            http.request(Method::PATCH, &component),
        ),
        (
            "an OPTIONS that is no preflight",
            http.request(Method::OPTIONS, &component),
        ),
        (
            "a reused Idempotency-Key",
            http.post(&reports)
                .header("authorization", bearer(&writer))
                .header("idempotency-key", "k1")
                .json(&serde_json::json!({"status": "operational", "message": "up"})),
        ),
    ];
    let mut seen = BTreeSet::new();
    for (what, request) in failures {
        let response = request.send().await.unwrap();
        let status = response.status();
        let code = code_of(response, &documented).await;
        println!("{what}: {status} {code}");
        seen.insert(code);
    }

    // GitHub's webhook, signed with another secret.
    let mut with_secret = app.settings.clone();
    with_secret.github_webhook_secret = Some(statusboard_server::config::Secret::new("s"));
    let with_secret = TestApp::spawn_ready(with_secret).await;
    let forged = http
        .post(with_secret.url("/api/v1/integrations/github/webhook"))
        .header("x-hub-signature-256", "sha256=00")
        .body("{}")
        .send()
        .await
        .unwrap();
    seen.insert(code_of(forged, &documented).await);

    // Without a database; past the subscriber cap.
    let down = TestApp::spawn().await;
    let unavailable = http
        .get(down.url("/api/v1/components"))
        .send()
        .await
        .unwrap();
    seen.insert(code_of(unavailable, &documented).await);
    let mut settings = app.settings.clone();
    settings.live_max_subscribers = 0;
    let full = TestApp::spawn_ready(settings).await;
    let full = upgrade(http.get(full.url("/api/v1/events")))
        .send()
        .await
        .unwrap();
    seen.insert(code_of(full, &documented).await);

    // `Internal` is a fault of the server, which no request provokes on purpose.
    let unprovoked: BTreeSet<String> = documented.difference(&seen).cloned().collect();
    assert_eq!(unprovoked, BTreeSet::from(["Internal".to_owned()]));
}
