//! Badges as READMEs and shields.io read them: the status and uptime SVGs follow the board,
//! carry a short `Cache-Control` and an `ETag` that turns a repeat into `304`, escape what
//! they show; the shields.io endpoint JSON through the generated client.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use statusboard_client::types::ComponentStatus;
use statusboard_tests::app::TestApp;

use crate::board_api::{anonymous, board, set_status, update};

/// `GET path` with `If-None-Match: etag` when given: the status, the `ETag`, the body.
async fn fetch(app: &TestApp, path: &str, etag: Option<&str>) -> (StatusCode, String, String) {
    let mut request = reqwest::Client::new().get(app.url(path));
    if let Some(etag) = etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    if status == StatusCode::OK {
        let content_type = response.headers()[CONTENT_TYPE].to_str().unwrap();
        assert!(
            content_type.starts_with("image/svg+xml"),
            "{path}: {content_type}"
        );
    }
    assert_eq!(
        response.headers()[CACHE_CONTROL],
        "public, max-age=60",
        "{path}"
    );
    let etag = response.headers()[ETAG].to_str().unwrap().to_owned();
    (status, etag, response.text().await.unwrap())
}

#[tokio::test]
async fn the_status_badge_follows_the_status_and_revalidates_with_its_etag() {
    let (app, admin) = board().await;
    let (status, etag, svg) = fetch(&app, "/api/v1/components/db/badge.svg", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.contains(">Database</text>") && svg.contains(">operational</text>"));
    assert!(svg.contains("fill=\"#4c1\""), "green: {svg}");

    // Unchanged: 304 with no body, the same validator.
    let (status, again, body) = fetch(&app, "/api/v1/components/db/badge.svg", Some(&etag)).await;
    assert_eq!(
        (status, again.as_str(), body.as_str()),
        (StatusCode::NOT_MODIFIED, etag.as_str(), "")
    );

    set_status(&admin, "db", ComponentStatus::MajorOutage, "down").await;
    let (status, changed, svg) = fetch(&app, "/api/v1/components/db/badge.svg", Some(&etag)).await;
    assert_eq!(status, StatusCode::OK, "the old ETag no longer matches");
    assert_ne!(changed, etag);
    assert!(svg.contains(">major outage</text>") && svg.contains("fill=\"#e05d44\""));

    // What it shows is escaped.
    admin
        .put_component()
        .slug("db")
        .body(update("<DB & \"co\">"))
        .send()
        .await
        .unwrap();
    let (_, _, svg) = fetch(&app, "/api/v1/components/db/badge.svg", None).await;
    assert!(svg.contains("&lt;DB &amp; &quot;co&quot;&gt;"), "{svg}");
    assert!(!svg.contains("<DB"));

    for path in ["badge.svg", "uptime.svg", "badge.json"] {
        let missing = reqwest::get(app.url(&format!("/api/v1/components/nope/{path}")))
            .await
            .unwrap();
        assert_eq!(missing.status(), 404, "{path}");
        let body: serde_json::Value = missing.json().await.unwrap();
        assert_eq!(body["error_code"], "ComponentNotFound");
    }
}

#[tokio::test]
async fn the_uptime_badge_shows_the_figure_over_the_days_asked() {
    let (app, admin) = board().await;
    let (status, _, svg) = fetch(&app, "/api/v1/components/db/uptime.svg", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        svg.contains(">Database uptime</text>") && svg.contains(">100%</text>"),
        "{svg}"
    );
    set_status(&admin, "db", ComponentStatus::MajorOutage, "down").await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let (_, _, svg) = fetch(&app, "/api/v1/components/db/uptime.svg?days=1", None).await;
    assert!(!svg.contains(">100%</text>"), "downtime shows: {svg}");
    assert!(svg.contains("%</text>"));
}

#[tokio::test]
async fn shields_reads_the_endpoint_badge() {
    let (app, admin) = board().await;
    let client = anonymous(&app);
    let badge = client
        .get_shields_badge()
        .slug("db")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            badge.schema_version,
            badge.label.as_str(),
            badge.message.as_str()
        ),
        (1, "Database", "operational")
    );
    assert_eq!(badge.color, "brightgreen");
    set_status(&admin, "db", ComponentStatus::UnderMaintenance, "upgrading").await;
    let answer = client.get_shields_badge().slug("db").send().await.unwrap();
    assert_eq!(answer.headers()[CACHE_CONTROL], "public, max-age=60");
    assert_eq!(
        (answer.message.as_str(), answer.color.as_str()),
        ("under maintenance", "blue")
    );
    let raw: serde_json::Value = reqwest::get(app.url("/api/v1/components/db/badge.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["schemaVersion"], 1, "the field shields.io reads: {raw}");
    let bad = reqwest::get(app.url("/api/v1/components/Not%20A%20Slug/badge.json")).await;
    assert_eq!(bad.unwrap().status(), 400);
}
