//! The reads served from memory run no SQL: PostgreSQL's own count of the statements it
//! executed (`pg_stat_statements`) does not move with 10,000 of them.
//!
//! The server's background tasks (the uptime roller, the maintenance scheduler, the webhook
//! worker, the board's reload) run statements of their own every second or so, so the
//! count is compared with an idle window of the same length: what the reads add is what
//! the count moved beyond that.

use std::time::{Duration, Instant};

use chrono::Utc;
use statusboard_api::Scope;
use statusboard_client::types::{ComponentStatus, Impact};
use statusboard_tests::app::TestApp;
use statusboard_tests::database::connect;

use crate::board_api::{anonymous, client_for, update};
use crate::incidents::incident;
use crate::maintenances::maintenance;
use crate::ready::app_on_own_cluster;

/// How many reads run.
const READS: usize = 10_000;
/// How many readers run them at once.
const READERS: usize = 8;

/// The statements PostgreSQL executed in `app`'s database so far, the counting's own
/// left out.
async fn statements_executed(counter: &tokio_postgres::Client) -> i64 {
    let rows = counter
        .query_typed(
            "SELECT COALESCE(sum(calls), 0)::bigint FROM pg_stat_statements \
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND query NOT LIKE '%pg_stat_statements%'",
            &[],
        )
        .await
        .unwrap();
    rows[0].get(0)
}

/// Reads `paths` from `app` round robin, [`READS`] times in all, [`READERS`] at once.
async fn read_all(app: &TestApp, paths: &[String]) {
    let mut readers = Vec::new();
    for reader in 0..READERS {
        let http = reqwest::Client::new();
        let urls: Vec<String> = paths.iter().map(|p| app.url(p)).collect();
        readers.push(tokio::spawn(async move {
            for read in (reader..READS).step_by(READERS) {
                let response = http.get(&urls[read % urls.len()]).send().await.unwrap();
                assert_eq!(response.status(), 200, "{}", urls[read % urls.len()]);
            }
        }));
    }
    for reader in readers {
        reader.await.unwrap();
    }
}

#[tokio::test]
async fn reads_from_memory_run_no_sql() {
    let (_cluster, app) = app_on_own_cluster(Duration::from_secs(300)).await;
    let counter = connect(&app.settings.database_url).await;
    counter
        .batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .await
        .expect("pg_stat_statements (Debian's postgresql package has it)");
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
    for slug in ["api", "db", "web"] {
        admin
            .put_component()
            .slug(slug)
            .body(update(slug))
            .send()
            .await
            .unwrap();
    }
    let open = incident(
        "Slow queries",
        Impact::Minor,
        &[("db", ComponentStatus::DegradedPerformance)],
    );
    let opened = admin.create_incident().body(open).send().await.unwrap();
    let announced = admin
        .create_maintenance()
        .body(maintenance(
            "Upgrade",
            Utc::now() + chrono::Duration::days(1),
            Utc::now() + chrono::Duration::days(2),
        ))
        .send()
        .await
        .unwrap();
    let paths = [
        "/api/v1/summary".to_owned(),
        "/api/v1/components".to_owned(),
        "/api/v1/components/db".to_owned(),
        "/api/v1/incidents?state=unresolved".to_owned(),
        format!("/api/v1/incidents/{}", opened.id),
        "/api/v1/maintenances?state=upcoming".to_owned(),
        format!("/api/v1/maintenances/{}", announced.id),
    ];
    // Every path answers from memory before the count starts.
    read_all(&app, &paths).await;
    assert!(
        anonymous(&app)
            .get_summary()
            .send()
            .await
            .unwrap()
            .incidents[0]
            .id
            == opened.id
    );

    let before = statements_executed(&counter).await;
    let started = Instant::now();
    read_all(&app, &paths).await;
    let took = started.elapsed();
    let during = statements_executed(&counter).await - before;
    tokio::time::sleep(took).await;
    let idle = statements_executed(&counter).await - before - during;
    println!(
        "{READS} reads in {took:?}: {during} statements executed meanwhile, {idle} in an idle \
         window as long"
    );
    // The background tasks run on timers: equal windows see about as many of their
    // statements. One statement per read would be 10,000 more.
    assert!(
        during <= idle + 50 + idle / 10,
        "{READS} reads ran {during} statements, an idle window {idle}"
    );
}
