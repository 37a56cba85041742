//! The TypeScript client in a real browser: headless Chromium, driven by
//! `client/typescript/e2e/browser.mjs` (puppeteer-core), against a real server on a real
//! PostgreSQL that this test stops halfway (the page then reads the board the server last
//! knew, marked stale, and gets a typed `503` for a write).
//!
//! Needs Node.js, `npm ci --prefix client/typescript` and Chromium (`apt-get install
//! chromium`), so it is ignored by default; `.ci/run` runs it:
//! `cargo test -p statusboard-tests --test browser -- --ignored`.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use statusboard_api::{ComponentStatus, ComponentUpdate, NewStatusReport, Slug};
use statusboard_server::auth::{JwtKeys, Scope, Scopes};
use statusboard_server::bearer_auth::Actor;
use statusboard_server::board::{components, reports};
use statusboard_server::config::{DatabaseUrl, Origin};
use statusboard_server::grants;
use statusboard_tests::app::TestApp;
use statusboard_tests::poll;
use statusboard_tests::postgres::{Cluster, DataDir};

/// Runs the browser driver for `phase`; panics with its output when a check fails.
fn browser(phase: &str, base_url: &str, token: &str, allowed_port: u16, other_port: u16) {
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../client/typescript");
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser");
    let output = Command::new("node")
        .arg("e2e/browser.mjs")
        .args([
            phase,
            base_url,
            &allowed_port.to_string(),
            &other_port.to_string(),
        ])
        .arg(&artifacts)
        .env("STATUSBOARD_TOKEN", token)
        .current_dir(&package)
        .output()
        .expect("node runs (Node.js 20 or newer on PATH)");
    let printed = String::from_utf8_lossy(&output.stdout);
    println!("{printed}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "browser checks failed ({phase}):\n{printed}"
    );
}

/// A report on another component, recorded two hours ago: outside the live board's
/// one-hour window, so the page's subscription must not see it (with every change so far,
/// so that the log's times stay in id order).
async fn outside_the_window(app: &TestApp) {
    let database = &app.server().context().database;
    let update = ComponentUpdate {
        name: "Legacy".to_owned(),
        description: String::new(),
        group: None,
    };
    components::put(
        database,
        &Slug::parse("legacy").unwrap(),
        &update,
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    let report = NewStatusReport {
        status: ComponentStatus::MajorOutage,
        message: "two hours ago".to_owned(),
    };
    let old = reports::record(
        database,
        &Slug::parse("legacy").unwrap(),
        &report,
        &Actor::internal("ops"),
        None,
    )
    .await
    .unwrap();
    app.execute_sql(&format!(
        "UPDATE status_reports SET reported_at = now() - interval '2 hours' WHERE id = {}; \
         UPDATE changes SET at = at - interval '2 hours'",
        old.id
    ))
    .await;
}

#[tokio::test]
#[ignore = "needs Node.js, `npm ci` in client/typescript and Chromium; .ci/run runs it"]
async fn the_typescript_client_in_headless_chromium() {
    let mut cluster = tokio::task::spawn_blocking(|| Cluster::start(DataDir::Temporary, None))
        .await
        .unwrap()
        .unwrap();
    // The page server's two ports, held until it takes them: the API server, started
    // meanwhile on port 0, could otherwise be given one of them.
    let reserved = [(); 2].map(|()| std::net::TcpListener::bind("127.0.0.1:0").unwrap());
    let [allowed_port, other_port] = reserved.each_ref().map(|l| l.local_addr().unwrap().port());
    let url = DatabaseUrl::parse("DATABASE_URL", &cluster.url("postgres")).unwrap();
    let mut settings = TestApp::settings(url);
    settings.cors_origins =
        vec![Origin::parse(&format!("http://localhost:{allowed_port}")).unwrap()];
    let app = TestApp::spawn_ready(settings).await;
    drop(reserved);
    let keys = JwtKeys::from_settings(&app.settings);
    let scopes: Scopes = [
        Scope::ComponentsWrite,
        Scope::ReportsWrite,
        Scope::IncidentsWrite,
    ]
    .into_iter()
    .collect();
    let database = app.server().context().database.clone();
    let token = grants::issue(&database, &keys, "dashboard", &scopes)
        .await
        .unwrap()
        .access_token;

    outside_the_window(&app).await;

    let run = |phase: &'static str, base_url: String| {
        let token = token.clone();
        tokio::task::spawn_blocking(move || {
            browser(phase, &base_url, &token, allowed_port, other_port)
        })
    };
    run("up", app.base_url.clone()).await.unwrap();
    // The page posted five reports (two while subscribed to the live board) and its
    // incident recorded two (opened, resolved); the foreign origin's write never reached
    // the server.
    let recorded = reports::list(&database, &Slug::parse("browser").unwrap(), None, None, 100)
        .await
        .unwrap();
    assert_eq!(recorded.len(), 7, "{recorded:?}");

    cluster = tokio::task::spawn_blocking(move || {
        cluster.stop().unwrap();
        cluster
    })
    .await
    .unwrap();
    // The server serves the board it last knew, marked stale, and says so in /ready.
    let stale = poll::until_async(
        Duration::from_secs(15),
        Duration::from_millis(100),
        || async {
            let summary = reqwest::get(app.url("/api/v1/summary")).await.unwrap();
            summary
                .headers()
                .contains_key("statusboard-stale")
                .then_some(())
        },
    )
    .await;
    assert!(stale.is_some(), "the summary never turned stale");
    run("down", app.base_url.clone()).await.unwrap();
    drop(cluster);
}
