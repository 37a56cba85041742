//! The feed and the badges read by real parsers: the Atom feed by Python's `feedparser`
//! (what many feed readers are built on; it also makes the conditional second fetch) and the
//! SVG badges by Python's XML parser, through `tests/tests/readers.py`.
//!
//! Needs the pinned Python tools (`.ci/venv`, `.ci/requirements.txt`), so it is ignored by
//! default; `.ci/run` runs it:
//! `STATUSBOARD_PYTHON=$(.ci/venv)/bin/python cargo test -p statusboard-tests --test readers
//! -- --ignored`.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use chrono::{Duration, Utc};
use statusboard_api::{
    ComponentStatus, ComponentUpdate, Impact, IncidentStatus, NewIncident, NewMaintenance, Slug,
};
use statusboard_server::bearer_auth::Actor;
use statusboard_server::board::components::Group;
use statusboard_server::board::{components, incidents, maintenances};
use statusboard_tests::app::TestApp;

#[tokio::test]
#[ignore = "needs the pinned Python tools: STATUSBOARD_PYTHON=$(.ci/venv)/bin/python"]
async fn feed_readers_and_xml_parsers_read_what_the_server_writes() {
    let python = std::env::var("STATUSBOARD_PYTHON")
        .expect("STATUSBOARD_PYTHON names a Python with feedparser (.ci/venv)");
    let app = TestApp::spawn_with_database().await;
    let database = &app.server().context().database;
    let name = "Database <primary> & \"replicas\"";
    let db = Slug::parse("db").unwrap();
    let update = ComponentUpdate {
        name: name.parse().unwrap(),
        description: "PostgreSQL".parse().unwrap(),
        group: None,
    };
    components::put(
        database,
        &db,
        &update,
        Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    let opened = incidents::open(
        database,
        &NewIncident {
            name: "Slow queries".to_owned(),
            status: IncidentStatus::Investigating,
            impact: Impact::Minor,
            message: "Queries take 3 s & more.".to_owned(),
            components: [("db".to_owned(), ComponentStatus::DegradedPerformance)].into(),
        },
        &Actor::internal("ops"),
        None,
    )
    .await
    .unwrap();
    let now = Utc::now();
    let planned = maintenances::announce(
        database,
        &NewMaintenance {
            name: "Upgrade".to_owned(),
            message: "PostgreSQL 16.".to_owned(),
            scheduled_for: now + Duration::hours(1),
            scheduled_until: now + Duration::hours(2),
            components: vec!["db".to_owned()],
        },
        &Actor::internal("ops"),
        None,
    )
    .await
    .unwrap();
    let expected = serde_json::json!({
        "feed": {
            "titles": ["Maintenance: Upgrade (scheduled)", "Slow queries (investigating)"],
            "links": [
                format!("/api/v1/maintenances/{}", planned.id),
                format!("/api/v1/incidents/{}", opened.id),
            ],
            "content": "Queries take 3 s & more.",
        },
        "badges": [
            {"path": "/api/v1/components/db/badge.svg", "label": name,
             "message": "degraded performance"},
            {"path": "/api/v1/components/db/uptime.svg?days=7", "label": format!("{name} uptime"),
             "message": "100%"},
        ],
    });
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readers.py");
    let mut command = Command::new(python);
    command
        .arg(script)
        .arg(app.url(""))
        .arg(expected.to_string());
    // The server answers on this test's runtime: the script runs beside it.
    let output = tokio::task::spawn_blocking(move || command.output().expect("Python runs"))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    println!("{stdout}");
}
