//! The status board through the generated Rust client, on a real server and PostgreSQL:
//! every endpoint, every error, tokens and their refresh, pages, idempotent retries.

use std::collections::BTreeSet;

use futures::{StreamExt, TryStreamExt};
use statusboard_api::Scope;
use statusboard_client::types::{
    ComponentStatus, ComponentUpdate, NewStatusReport, TokenResponse,
};
use statusboard_client::{Client, Error, Retry, Session};
use statusboard_server::auth::{JwtKeys, Scopes};
use statusboard_server::grants;
use statusboard_tests::app::TestApp;

/// A token pair for `subject` with `scopes`, as `token issue` grants it.
pub(crate) async fn pair(app: &TestApp, subject: &str, scopes: &[Scope]) -> TokenResponse {
    let keys = JwtKeys::from_settings(&app.settings);
    let scopes: Scopes = scopes.iter().copied().collect();
    let database = &app.server().context().database;
    let pair = grants::issue(database, &keys, subject, &scopes)
        .await
        .unwrap();
    serde_json::from_value(serde_json::to_value(pair).unwrap()).unwrap()
}

pub(crate) async fn client_for(app: &TestApp, subject: &str, scopes: &[Scope]) -> Client {
    let pair = pair(app, subject, scopes).await;
    Client::new(&app.base_url, Session::with_tokens(&pair).unwrap())
}

pub(crate) fn anonymous(app: &TestApp) -> Client {
    Client::new(&app.base_url, Session::anonymous())
}

pub(crate) fn update(name: &str) -> ComponentUpdate {
    ComponentUpdate {
        name: name.parse().unwrap(),
        description: "The primary PostgreSQL cluster.".parse().unwrap(),
        group: None,
    }
}

pub(crate) fn report(status: ComponentStatus, message: &str) -> NewStatusReport {
    NewStatusReport {
        status,
        message: message.parse().unwrap(),
    }
}

/// The status and `error_code` of a failed call.
pub(crate) fn failure<T: std::fmt::Debug>(
    result: Result<T, Error<statusboard_client::types::ApiError>>,
) -> (u16, String) {
    match result.unwrap_err() {
        Error::ErrorResponse(answer) => (answer.status().as_u16(), answer.error_code.to_string()),
        other => panic!("not an error answer: {other:?}"),
    }
}

/// Records `status` for the component `slug` (a report saying `message`).
pub(crate) async fn set_status(
    client: &Client,
    slug: &str,
    status: ComponentStatus,
    message: &str,
) {
    client
        .create_report()
        .slug(slug)
        .body(report(status, message))
        .send()
        .await
        .unwrap();
}

/// A server with a component `db`, and clients: `admin` may do everything.
pub(crate) async fn board() -> (TestApp, Client) {
    let app = TestApp::spawn_with_database().await;
    let admin = client_for(&app, "ops", &[Scope::ComponentsWrite, Scope::ReportsWrite]).await;
    admin
        .put_component()
        .slug("db")
        .body(update("Database"))
        .send()
        .await
        .unwrap();
    (app, admin)
}

#[tokio::test]
async fn every_endpoint_through_the_client() {
    let (app, admin) = board().await;
    let anyone = anonymous(&app);

    // PUT: created (the client hands the 201 on as documented, keeping Location) …
    let created = admin
        .put_component()
        .slug("api")
        .body(update("API"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.headers()["location"], "/api/v1/components/api");
    assert_eq!(created.status, ComponentStatus::Operational);
    // … then updated, without Location.
    let updated = admin
        .put_component()
        .slug("api")
        .body(update("Public API"))
        .send()
        .await
        .unwrap();
    assert!(!updated.headers().contains_key("location"));
    assert_eq!(updated.name, "Public API");

    let recorded = admin
        .create_report()
        .slug("api")
        .body(report(ComponentStatus::PartialOutage, "5xx"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(recorded.component, "api");
    assert_eq!(recorded.reported_by, "ops");

    let component = anyone
        .get_component()
        .slug("api")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(component.status, ComponentStatus::PartialOutage);
    assert_eq!(component.updated_at, recorded.reported_at);

    let page = anyone
        .list_components()
        .limit(1_u32)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.items[0].slug, "api");
    let next = anyone
        .list_components()
        .page_token(page.next_page.clone().unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        next.items
            .iter()
            .map(|c| c.slug.as_str())
            .collect::<Vec<_>>(),
        ["db"]
    );

    let reports = anyone
        .list_reports()
        .slug("api")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reports.items, std::slice::from_ref(&recorded));
    let later = recorded.reported_at + chrono::Duration::seconds(1);
    let none = anyone
        .list_reports()
        .slug("api")
        .since(later)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(none.items.is_empty());

    let deleted = admin.delete_component().slug("api").send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        failure(anyone.get_component().slug("api").send().await),
        (404, "ComponentNotFound".into())
    );
    assert_eq!(
        failure(anyone.list_reports().slug("api").send().await),
        (404, "ComponentNotFound".into())
    );
    assert_eq!(
        failure(admin.delete_component().slug("api").send().await),
        (404, "ComponentNotFound".into())
    );
    assert_eq!(
        failure(
            admin
                .create_report()
                .slug("api")
                .body(report(ComponentStatus::Operational, ""))
                .send()
                .await
        ),
        (404, "ComponentNotFound".into())
    );
}

/// A report refused for an unknown component draws no id from the change log, so it leaves
/// no hole that readers would wait at: the next report's id follows the last one's.
#[tokio::test]
async fn a_report_for_an_unknown_component_leaves_no_hole_in_the_change_log() {
    let (_app, admin) = board().await;
    let record = |slug: &'static str| {
        admin
            .create_report()
            .slug(slug)
            .body(report(ComponentStatus::Operational, ""))
            .send()
    };
    let first = record("db").await.unwrap().into_inner();
    for _ in 0..3 {
        assert_eq!(
            failure(record("nope").await),
            (404, "ComponentNotFound".into())
        );
    }
    let next = record("db").await.unwrap().into_inner();
    assert_eq!(next.id, first.id + 1, "the refused reports drew ids");
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_field_and_writes_nothing() {
    let (app, admin) = board().await;
    let http = reqwest::Client::new();
    let pair = pair(&app, "ops", &[Scope::ComponentsWrite, Scope::ReportsWrite]).await;
    let bearer = format!("Bearer {}", pair.access_token);
    let cases: [(reqwest::Method, &str, serde_json::Value, &str); 9] = [
        (
            reqwest::Method::PUT,
            "/api/v1/components/Bad_Slug",
            serde_json::json!({"name": "x"}),
            "slug",
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/components/db",
            serde_json::json!({"name": ""}),
            "name",
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/components/db",
            serde_json::json!({}),
            "name",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/components/db/reports",
            serde_json::json!({"status": "down"}),
            "status",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/components/db/reports",
            serde_json::json!({"status": "operational", "message": "x".repeat(2001)}),
            "message",
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/components/db",
            serde_json::json!({"name": "x", "description": "x".repeat(2001)}),
            "description",
        ),
        (
            // PostgreSQL's text cannot hold it: a 400, not the database's 500.
            reqwest::Method::PUT,
            "/api/v1/components/db",
            serde_json::json!({"name": "x", "description": "a\u{0}b"}),
            "description",
        ),
        (
            // serde would read a report's fields from an array, in order.
            reqwest::Method::POST,
            "/api/v1/components/db/reports",
            serde_json::json!(["major_outage", "down"]),
            "JSON object",
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/components/db",
            serde_json::json!(["Database renamed"]),
            "JSON object",
        ),
    ];
    for (method, path, body, field) in cases {
        let response = http
            .request(method.clone(), app.url(path))
            .header("authorization", &bearer)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{method} {path} {body}");
        let answer: serde_json::Value = response.json().await.unwrap();
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(field), "{field}: {message}");
    }
    let response = http
        .get(app.url("/api/v1/components/db/reports?since=yesterday"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert!(
        answer["message"].as_str().unwrap().contains("since"),
        "{answer}"
    );

    // Nothing was written: `db` is as `board()` left it, with no report.
    let db = admin
        .get_component()
        .slug("db")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(db.name, "Database");
    let reports = admin.list_reports().slug("db").send().await.unwrap();
    assert!(reports.items.is_empty());
    let all = admin.list_components().send().await.unwrap();
    assert_eq!(all.items.len(), 1);
}

#[tokio::test]
async fn fifty_concurrent_reports_are_all_recorded_and_the_latest_wins() {
    let (_app, admin) = board().await;
    let statuses = [
        ComponentStatus::Operational,
        ComponentStatus::DegradedPerformance,
        ComponentStatus::PartialOutage,
        ComponentStatus::MajorOutage,
        ComponentStatus::UnderMaintenance,
    ];
    let calls = (0..50).map(|i| {
        let status = statuses[i % statuses.len()];
        let admin = &admin;
        async move {
            admin
                .create_report()
                .slug("db")
                .body(report(status, &format!("report {i}")))
                .send()
                .await
                .unwrap()
                .into_inner()
        }
    });
    let recorded = futures::future::join_all(calls).await;
    let ids: BTreeSet<i64> = recorded.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 50);

    let listed: Vec<_> = admin
        .list_reports()
        .slug("db")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 50);
    let latest = &listed[0];
    let component = admin
        .get_component()
        .slug("db")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(component.status, latest.status);
    assert_eq!(component.updated_at, latest.reported_at);
}

/// Records `count` reports of `db` straight into the database: that many HTTP calls would
/// only slow a test about reading them.
pub(crate) async fn record_directly(app: &TestApp, count: u32) {
    app.execute_sql(&format!(
        "INSERT INTO status_reports (component, status, message, reported_by) \
         SELECT 'db', 'operational', 'report ' || n, 'ops' FROM generate_series(1, {count}) n"
    ))
    .await;
}

#[tokio::test]
async fn a_thousand_reports_page_through_the_stream_each_once_in_order() {
    let (app, admin) = board().await;
    record_directly(&app, 1000).await;
    let reports: Vec<_> = admin
        .list_reports()
        .slug("db")
        .limit(37_u32)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(reports.len(), 1000);
    let ids: BTreeSet<i64> = reports.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 1000, "each report exactly once");
    for pair in reports.windows(2) {
        let (newer, older) = (&pair[0], &pair[1]);
        assert!(
            (newer.reported_at, newer.id) > (older.reported_at, older.id),
            "newest first"
        );
    }
    let components: Vec<_> = admin.list_components().stream().collect().await;
    assert_eq!(components.len(), 1);
}

#[tokio::test]
async fn one_idempotency_key_records_one_report_even_sent_concurrently() {
    let (_app, admin) = board().await;
    let down = report(ComponentStatus::MajorOutage, "down");
    let key = "key-1";
    let sends = (0..2).map(|_| {
        admin
            .create_report()
            .slug("db")
            .idempotency_key(key)
            .body(down.clone())
            .send()
    });
    let answers: Vec<_> = futures::future::join_all(sends)
        .await
        .into_iter()
        .map(|r| r.unwrap().into_inner())
        .collect();
    assert_eq!(answers[0], answers[1]);
    let listed = admin.list_reports().slug("db").send().await.unwrap();
    assert_eq!(listed.items.len(), 1);

    // The same key with another report: 422, nothing recorded.
    let other = report(ComponentStatus::Operational, "fine");
    assert_eq!(
        failure(
            admin
                .create_report()
                .slug("db")
                .idempotency_key(key)
                .body(other.clone())
                .send()
                .await
        ),
        (422, "IdempotencyKeyReused".into())
    );
    // The retry helper sends a key of its own.
    let recorded = admin
        .record_report("db", &other, &Retry::default())
        .await
        .unwrap();
    let listed = admin.list_reports().slug("db").send().await.unwrap();
    assert_eq!(listed.items.len(), 2);
    assert_eq!(listed.items[0], recorded.into_inner());
}
