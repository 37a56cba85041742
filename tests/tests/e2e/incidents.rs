//! Incidents and the summary through the generated client: statuses set and returned
//! through reports, the indicator following, updates newest first, idempotent opens,
//! pages, and bad input refused with nothing written.

use std::collections::HashMap;

use futures::TryStreamExt;
use statusboard_api::Scope;
use statusboard_client::Client;
use statusboard_client::types::{
    ComponentStatus, Impact, IncidentState, IncidentStatus, Indicator, NewIncident,
    NewIncidentUpdate,
};
use statusboard_tests::app::TestApp;

use crate::board_api::{anonymous, client_for, failure, update};

/// A server with the components `api` and `db`, and a client that may do everything.
pub(crate) async fn board() -> (TestApp, Client) {
    let app = TestApp::spawn_with_database().await;
    let admin = client_for(
        &app,
        "ops",
        &[
            Scope::ComponentsWrite,
            Scope::ReportsWrite,
            Scope::IncidentsWrite,
        ],
    )
    .await;
    for (slug, name) in [("api", "API"), ("db", "Database")] {
        admin
            .put_component()
            .slug(slug)
            .body(update(name))
            .send()
            .await
            .unwrap();
    }
    (app, admin)
}

pub(crate) fn statuses(pairs: &[(&str, ComponentStatus)]) -> HashMap<String, ComponentStatus> {
    pairs.iter().map(|(s, c)| ((*s).to_owned(), *c)).collect()
}

pub(crate) fn incident(
    name: &str,
    impact: Impact,
    components: &[(&str, ComponentStatus)],
) -> NewIncident {
    NewIncident {
        name: name.parse().unwrap(),
        status: IncidentStatus::Investigating,
        impact,
        message: "We are looking into it.".parse().unwrap(),
        components: statuses(components),
    }
}

pub(crate) fn resolve() -> NewIncidentUpdate {
    NewIncidentUpdate {
        status: IncidentStatus::Resolved,
        message: "Fixed.".parse().unwrap(),
        components: None,
    }
}

async fn status_of(client: &Client, slug: &str) -> ComponentStatus {
    client
        .get_component()
        .slug(slug)
        .send()
        .await
        .unwrap()
        .status
}

#[tokio::test]
async fn an_incident_sets_its_components_and_resolving_returns_them() {
    let (app, admin) = board().await;
    let anyone = anonymous(&app);
    let summary = anyone.get_summary().send().await.unwrap();
    assert_eq!(summary.status.indicator, Indicator::None);
    assert_eq!(summary.status.description, "All Systems Operational");

    // Opened once, whatever the retries: the same key answers the same incident.
    let new = incident(
        "Database slow",
        Impact::Major,
        &[
            ("db", ComponentStatus::MajorOutage),
            ("api", ComponentStatus::DegradedPerformance),
        ],
    );
    let key = "open-1";
    let opened = admin
        .create_incident()
        .idempotency_key(key)
        .body(new.clone())
        .send()
        .await
        .unwrap()
        .into_inner();
    let again = admin
        .create_incident()
        .idempotency_key(key)
        .body(new)
        .send()
        .await
        .unwrap();
    assert_eq!(again.id, opened.id);
    let other = incident("Another", Impact::Minor, &[]);
    let reused = failure(
        admin
            .create_incident()
            .idempotency_key(key)
            .body(other)
            .send()
            .await,
    );
    assert_eq!(reused, (422, "IdempotencyKeyReused".to_owned()));

    assert_eq!(opened.status, IncidentStatus::Investigating);
    assert_eq!(opened.resolved_at, None);
    assert_eq!(opened.components.len(), 2);
    assert_eq!(opened.updates.len(), 1);
    assert_eq!(opened.updates[0].created_by, "ops");
    assert_eq!(status_of(&anyone, "db").await, ComponentStatus::MajorOutage);
    assert_eq!(
        status_of(&anyone, "api").await,
        ComponentStatus::DegradedPerformance
    );
    // The statuses are the components' reports, which say which incident set them.
    let reports = anyone.list_reports().slug("db").send().await.unwrap();
    assert_eq!(reports.items.len(), 1);
    assert_eq!(reports.items[0].status, ComponentStatus::MajorOutage);
    assert!(
        reports.items[0].message.contains("Database slow"),
        "{:?}",
        reports.items[0]
    );
    assert_eq!(reports.items[0].reported_by, "ops");

    let summary = anyone.get_summary().send().await.unwrap();
    assert_eq!(summary.status.indicator, Indicator::Major);
    assert_eq!(summary.incidents.len(), 1);
    assert_eq!(summary.incidents[0].id, opened.id);

    // An update changes what it names, and comes first.
    let identified = NewIncidentUpdate {
        status: IncidentStatus::Identified,
        message: "A slow query.".parse().unwrap(),
        components: Some(statuses(&[("db", ComponentStatus::PartialOutage)])),
    };
    let updated = admin
        .create_incident_update()
        .id(opened.id)
        .body(identified)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status, IncidentStatus::Identified);
    let messages: Vec<&str> = updated.updates.iter().map(|u| u.message.as_str()).collect();
    assert_eq!(messages, ["A slow query.", "We are looking into it."]);
    assert_eq!(
        status_of(&anyone, "db").await,
        ComponentStatus::PartialOutage
    );
    assert_eq!(
        status_of(&anyone, "api").await,
        ComponentStatus::DegradedPerformance
    );

    // Resolved: every component returns, and the summary is quiet again.
    let resolved = admin
        .create_incident_update()
        .id(opened.id)
        .body(resolve())
        .send()
        .await
        .unwrap();
    assert!(resolved.resolved_at.is_some());
    assert_eq!(status_of(&anyone, "db").await, ComponentStatus::Operational);
    assert_eq!(
        status_of(&anyone, "api").await,
        ComponentStatus::Operational
    );
    let summary = anyone.get_summary().send().await.unwrap();
    assert_eq!(summary.status.indicator, Indicator::None);
    assert!(summary.incidents.is_empty());
    let all = anyone.list_incidents().send().await.unwrap();
    assert_eq!(all.items.len(), 1);
    let unresolved = anyone
        .list_incidents()
        .state(IncidentState::Unresolved)
        .send()
        .await
        .unwrap();
    assert!(unresolved.items.is_empty());
    assert_eq!(
        anyone
            .get_incident()
            .id(opened.id)
            .send()
            .await
            .unwrap()
            .updates
            .len(),
        3
    );
}

#[tokio::test]
async fn resolving_one_of_two_incidents_leaves_the_other_s_status() {
    let (_app, admin) = board().await;
    let outage = incident(
        "Outage",
        Impact::Critical,
        &[("db", ComponentStatus::MajorOutage)],
    );
    admin.create_incident().body(outage).send().await.unwrap();
    let slow = incident(
        "Slow",
        Impact::Minor,
        &[("db", ComponentStatus::DegradedPerformance)],
    );
    let slow = admin.create_incident().body(slow).send().await.unwrap();
    assert_eq!(
        status_of(&admin, "db").await,
        ComponentStatus::DegradedPerformance
    );
    admin
        .create_incident_update()
        .id(slow.id)
        .body(resolve())
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(&admin, "db").await, ComponentStatus::MajorOutage);
    let summary = admin.get_summary().send().await.unwrap();
    assert_eq!(summary.status.indicator, Indicator::Critical);
    assert_eq!(summary.status.description, "Major System Outage");
}

#[tokio::test]
async fn incidents_come_a_page_at_a_time_newest_first() {
    let (_app, admin) = board().await;
    for i in 0..5 {
        let new = incident(&format!("incident {i}"), Impact::None, &[]);
        let opened = admin.create_incident().body(new).send().await.unwrap();
        if i % 2 == 0 {
            admin
                .create_incident_update()
                .id(opened.id)
                .body(resolve())
                .send()
                .await
                .unwrap();
        }
    }
    let first = admin.list_incidents().limit(2_u32).send().await.unwrap();
    let names: Vec<&str> = first.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["incident 4", "incident 3"]);
    let all: Vec<_> = admin
        .list_incidents()
        .limit(2_u32)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    let unresolved: Vec<_> = admin
        .list_incidents()
        .limit(1_u32)
        .state(IncidentState::Unresolved)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let names: Vec<&str> = unresolved.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["incident 3", "incident 1"]);
}

#[tokio::test]
async fn bad_incidents_are_refused_naming_the_field_and_write_nothing() {
    let (app, admin) = board().await;
    let http = reqwest::Client::new();
    let token = crate::board_api::pair(&app, "ops", &[Scope::IncidentsWrite]).await;
    let reader = crate::board_api::pair(&app, "reader", &[Scope::ReportsWrite]).await;
    let changes_before = last_change(&app).await;
    let post = |body: serde_json::Value, token: Option<&str>| {
        let mut request = http.post(app.url("/api/v1/incidents")).json(&body);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.send()
    };
    let good = || {
        serde_json::json!({"name": "Down", "status": "investigating", "impact": "major",
                           "components": {"db": "major_outage"}})
    };
    let mut cases: Vec<(serde_json::Value, &str, u16, &str)> = Vec::new();
    let mut with = |field: &str, value: serde_json::Value, named: &'static str, status, code| {
        let mut body = good();
        body[field] = value;
        cases.push((body, named, status, code));
    };
    with(
        "status",
        "panicking".into(),
        "incident status",
        400,
        "InvalidRequest",
    );
    with("impact", "huge".into(), "impact", 400, "InvalidRequest");
    with("name", "x".repeat(201).into(), "name", 400, "InvalidInput");
    with("name", "".into(), "name", 400, "InvalidInput");
    with(
        "message",
        "x".repeat(10_001).into(),
        "message",
        400,
        "InvalidInput",
    );
    with(
        "components",
        serde_json::json!({"db": "melting"}),
        "status",
        400,
        "InvalidRequest",
    );
    with(
        "components",
        serde_json::json!({"Not A Slug": "major_outage"}),
        "components",
        400,
        "InvalidInput",
    );
    with(
        "components",
        serde_json::json!({"nope": "major_outage"}),
        "nope",
        404,
        "ComponentNotFound",
    );
    for (body, named, status, code) in cases {
        let answer = post(body.clone(), Some(&token.access_token)).await.unwrap();
        assert_eq!(answer.status().as_u16(), status, "{body}");
        let answer: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(answer["error_code"], code, "{body}: {answer}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(named), "{body}: {message}");
    }
    let unauthorized = post(good(), None).await.unwrap();
    assert_eq!(unauthorized.status(), 401);
    let forbidden = post(good(), Some(&reader.access_token)).await.unwrap();
    assert_eq!(forbidden.status(), 403);
    let missing = failure(admin.get_incident().id(12345).send().await);
    assert_eq!(missing, (404, "IncidentNotFound".to_owned()));
    let missing = failure(
        admin
            .create_incident_update()
            .id(12345)
            .body(resolve())
            .send()
            .await,
    );
    assert_eq!(missing, (404, "IncidentNotFound".to_owned()));

    // Nothing was written: no incident, no report, no change.
    assert!(
        admin
            .list_incidents()
            .send()
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let reports = admin.list_reports().slug("db").send().await.unwrap();
    assert!(reports.items.is_empty());
    assert_eq!(last_change(&app).await, changes_before);
}

/// The id of the last change in the log.
pub(crate) async fn last_change(app: &TestApp) -> i64 {
    statusboard_server::changes::read::last_id(&app.server().context().database)
        .await
        .unwrap()
}

#[tokio::test]
async fn groups_are_listed_by_the_summary_and_kept_by_older_clients() {
    let (app, admin) = board().await;
    let mut grouped = update("Payments API");
    grouped.group = Some("Backend".parse().unwrap());
    admin
        .put_component()
        .slug("pay")
        .body(grouped)
        .send()
        .await
        .unwrap();
    let summary = admin.get_summary().send().await.unwrap();
    let groups: Vec<(Option<&str>, Vec<&str>)> = summary
        .components
        .iter()
        .map(|g| {
            let slugs = g.components.iter().map(|c| c.slug.as_str()).collect();
            (g.name.as_deref(), slugs)
        })
        .collect();
    assert_eq!(
        groups,
        [(None, vec!["api", "db"]), (Some("Backend"), vec!["pay"])]
    );

    // A 5.0.0 client renames it: the group stays, and 5.0.0 answers show none.
    let token = crate::board_api::pair(&app, "ops", &[Scope::ComponentsWrite]).await;
    let http = reqwest::Client::new();
    let renamed = http
        .put(app.url("/api/v1/components/pay"))
        .header("api-version", "5.0.0")
        .header("authorization", format!("Bearer {}", token.access_token))
        .json(&serde_json::json!({"name": "Payments"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let renamed: serde_json::Value = renamed.json().await.unwrap();
    assert_eq!(renamed["name"], "Payments");
    assert!(renamed.get("group").is_none(), "{renamed}");
    let now = admin.get_component().slug("pay").send().await.unwrap();
    assert_eq!(now.group.as_deref(), Some("Backend"));
    // A 6.0.0 PUT replaces the component: without a group, it has none.
    admin
        .put_component()
        .slug("pay")
        .body(update("Payments"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        admin
            .get_component()
            .slug("pay")
            .send()
            .await
            .unwrap()
            .group,
        None
    );
}
