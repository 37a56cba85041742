//! The server behind PgBouncer in transaction pooling mode (Debian's `pgbouncer`, two
//! server connections), where nothing survives the end of a transaction: no prepared
//! statement, no session lock. Needs `apt-get install pgbouncer`; `.ci/pgbouncer` runs
//! these, and a named part of the end-to-end tests through PgBouncer too.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use statusboard_server::config::DatabaseUrl;
use statusboard_server::database::{Database, migrations};
use statusboard_tests::app::TestApp;
use statusboard_tests::pgbouncer::PgBouncer;
use statusboard_tests::postgres::{Cluster, DataDir};

/// A cluster with a database `board`, and PgBouncer in front of it.
fn bounced() -> (Cluster, PgBouncer) {
    let cluster = Cluster::start(DataDir::Temporary, None).unwrap();
    cluster.create_database("board").unwrap();
    let bouncer = PgBouncer::start(cluster.port(), 2).unwrap();
    (cluster, bouncer)
}

fn settings(bouncer: &PgBouncer) -> statusboard_server::config::Settings {
    let url = DatabaseUrl::parse("DATABASE_URL", &bouncer.url("board")).unwrap();
    TestApp::settings(url)
}

#[tokio::test]
#[ignore = "needs pgbouncer (apt-get install pgbouncer); .ci/pgbouncer runs it"]
async fn ready_and_the_board_answer_under_load_without_an_error() {
    let (_cluster, bouncer) = tokio::task::spawn_blocking(bounced).await.unwrap();
    let app = TestApp::spawn_ready(settings(&bouncer)).await;
    let http = reqwest::Client::new();
    let created = http
        .get(app.url("/api/v1/components"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);

    // 16 clients, 2 server connections: each request's statements land on whichever
    // server connection PgBouncer hands out.
    let (clients, each) = (16, 150);
    let tasks = (0..clients).map(|i| {
        let http = http.clone();
        let ready = app.url("/api/v1/ready");
        let board = app.url("/api/v1/components?limit=100");
        tokio::spawn(async move {
            let mut failures = Vec::new();
            for n in 0..each {
                let url = if (i + n) % 2 == 0 { &ready } else { &board };
                let response = http.get(url).send().await.unwrap();
                if response.status() != 200 {
                    failures.push(format!("{url}: {}", response.text().await.unwrap()));
                }
            }
            failures
        })
    });
    let mut failures = Vec::new();
    for task in futures::future::join_all(tasks).await {
        failures.extend(task.unwrap());
    }
    assert!(
        failures.is_empty(),
        "{} of {} requests failed, e.g. {:?}; PgBouncer's log:\n{}",
        failures.len(),
        clients * each,
        failures.first(),
        bouncer.log()
    );
}

#[tokio::test]
#[ignore = "needs pgbouncer (apt-get install pgbouncer); .ci/pgbouncer runs it"]
async fn two_servers_migrating_at_once_both_succeed() {
    let (_cluster, bouncer) = tokio::task::spawn_blocking(bounced).await.unwrap();
    let settings = settings(&bouncer);
    let (first, second) = (
        Database::new(&settings).unwrap(),
        Database::new(&settings).unwrap(),
    );
    let runner = migrations::embedded();
    let (a, b) = tokio::time::timeout(
        Duration::from_secs(60),
        futures::future::join(
            migrations::apply(&first, &runner),
            migrations::apply(&second, &runner),
        ),
    )
    .await
    .expect("both migrations finish within 60 s");
    let (a, b) = (a.unwrap(), b.unwrap());
    let expected = runner.get_migrations().len();
    // One applied everything, the other found it done.
    let mut counts = [a.len(), b.len()];
    counts.sort_unstable();
    assert_eq!(counts, [0, expected], "{a:?} {b:?}");

    // And again, later: nothing to do, and nothing left locked.
    let again = tokio::time::timeout(Duration::from_secs(10), migrations::apply(&first, &runner))
        .await
        .expect("a later migration is not blocked by a lock left behind")
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
}
