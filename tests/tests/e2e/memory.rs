//! The board in memory: the summary and the components answer from each replica's memory,
//! revalidate with the change they reflect (`ETag`, `304`), and keep answering, marked
//! stale, through a database outage, while writes answer `503` with `Retry-After`; a write
//! is read back at once on its replica and within the lag on another; `/ready` stays `200`
//! (saying the database is gone) so that a load balancer keeps the replicas; a live
//! subscriber connected all along continues without a gap when the database is back.

use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER};
use statusboard_api::Scope;
use statusboard_client::types::{ComponentStatus, Impact, IncidentStatus};
use statusboard_tests::app::TestApp;
use statusboard_tests::poll;
use tokio_tungstenite::tungstenite::Message;

use crate::board_api::{anonymous, client_for, set_status, update};
use crate::incidents::{incident, resolve};
use crate::live::connect_as;
use crate::ready::{app_on_own_cluster, with_cluster};

/// The reads served from memory.
const READS: [&str; 5] = [
    "/api/v1/summary",
    "/api/v1/components",
    "/api/v1/components/db",
    "/api/v1/incidents?state=unresolved",
    "/api/v1/maintenances?state=upcoming",
];

/// How long PostgreSQL stays down.
const OUTAGE: Duration = Duration::from_secs(30);

/// What a reader saw during the outage.
#[derive(Debug, Default)]
struct Seen {
    ok_stale: u32,
    ok_fresh: u32,
    failed: u32,
}

/// Reads every path of [`READS`] from `base` in a loop for `how_long`.
async fn read_for(base: String, how_long: Duration) -> Seen {
    let http = reqwest::Client::new();
    let mut seen = Seen::default();
    let started = Instant::now();
    while started.elapsed() < how_long {
        for path in READS {
            match http.get(format!("{base}{path}")).send().await {
                Ok(response) if response.status() == StatusCode::OK => {
                    if response.headers().contains_key("statusboard-stale") {
                        seen.ok_stale += 1;
                    } else {
                        seen.ok_fresh += 1;
                    }
                }
                _ => seen.failed += 1,
            }
        }
    }
    seen
}

/// Whether `app`'s reads are marked stale now.
async fn stale(app: &TestApp) -> bool {
    let response = reqwest::get(app.url("/api/v1/summary")).await.unwrap();
    assert_eq!(response.status(), 200);
    response.headers().contains_key("statusboard-stale")
}

#[tokio::test]
async fn the_board_is_read_from_memory_and_stays_up_through_a_database_outage() {
    let (cluster, first) = app_on_own_cluster(Duration::from_secs(300)).await;
    let second = TestApp::spawn_ready(first.settings.clone()).await;
    let admin = client_for(
        &first,
        "ops",
        &[
            Scope::ComponentsWrite,
            Scope::ReportsWrite,
            Scope::IncidentsWrite,
        ],
    )
    .await;
    admin
        .put_component()
        .slug("db")
        .body(update("Database"))
        .send()
        .await
        .unwrap();
    // An unresolved incident with two updates: the board holds every update of it.
    let open = incident("Slow queries", Impact::Minor, &[]);
    let opened = admin.create_incident().body(open).send().await.unwrap();
    let mut identified = resolve();
    identified.status = IncidentStatus::Identified;
    admin
        .create_incident_update()
        .id(opened.id)
        .body(identified)
        .send()
        .await
        .unwrap();
    // The writer reads its own write on its replica at once; another replica soon.
    let on_first = anonymous(&first).get_component().slug("db").send().await;
    assert_eq!(on_first.unwrap().name, "Database");
    let written = Instant::now();
    let seen = poll::until_async(Duration::from_secs(5), Duration::from_millis(2), || async {
        let read = anonymous(&second).get_component().slug("db").send().await;
        read.is_ok().then(|| written.elapsed())
    })
    .await;
    println!("another replica read the write after {seen:?}");
    assert!(seen.is_some(), "the second replica never read the write");

    // Conditional requests: the ETag of the change the answer reflects.
    let http = reqwest::Client::new();
    let answer = http.get(first.url("/api/v1/summary")).send().await.unwrap();
    let etag = answer.headers()[ETAG].to_str().unwrap().to_owned();
    assert!(answer.headers().contains_key(LAST_MODIFIED));
    assert_eq!(
        answer.headers()[CACHE_CONTROL],
        "public, max-age=5, stale-while-revalidate=30"
    );
    let again = http
        .get(first.url("/api/v1/summary"))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[ETAG].to_str().unwrap(), etag);
    assert!(again.text().await.unwrap().is_empty());
    set_status(&admin, "db", ComponentStatus::MajorOutage, "down").await;
    let changed = http
        .get(first.url("/api/v1/components/db"))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK, "a change moves the ETag");
    assert_ne!(changed.headers()[ETAG].to_str().unwrap(), etag);
    let component: serde_json::Value = changed.json().await.unwrap();
    assert_eq!(
        component["status"], "major_outage",
        "read on the writer's replica"
    );

    // A live subscriber on the second replica, connected through what follows.
    let mut socket = connect_as(&second, None, "", None).await.unwrap();
    let (messages, mut received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message {
                let _ = messages.send(serde_json::from_str::<serde_json::Value>(&text).unwrap());
            }
        }
        let _ = messages.send(serde_json::json!({"type": "closed"}));
    });
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), received.recv())
            .await
            .unwrap()
            .unwrap();
        if message["type"] == "caught_up" {
            break;
        }
    }

    // PostgreSQL goes away.
    let cluster = with_cluster(cluster, |c| c.stop().unwrap()).await;
    for app in [&first, &second] {
        let marked = poll::until_async(
            Duration::from_secs(15),
            Duration::from_millis(50),
            || async { stale(app).await.then_some(()) },
        )
        .await;
        assert!(
            marked.is_some(),
            "reads are marked stale once the log is lost"
        );
    }
    let readers = [first.url(""), second.url("")].map(|base| tokio::spawn(read_for(base, OUTAGE)));
    // Both stay ready: they can serve the board; the body says the database is gone. A
    // client of 8.0.0 gets that version's answer: not ready.
    for app in [&first, &second] {
        let ready = reqwest::get(app.url("/api/v1/ready")).await.unwrap();
        assert_eq!(ready.status(), 200);
        let body: serde_json::Value = ready.json().await.unwrap();
        assert_eq!(body["database"], "unavailable", "{body}");
        assert!(body["board"]["stale_seconds"].is_u64(), "{body}");
        let old = http
            .get(app.url("/api/v1/ready"))
            .header("api-version", "8.0.0")
            .send()
            .await
            .unwrap();
        assert_eq!(old.status(), 503);
    }
    // The incident, with every update, from the other replica's memory.
    let held = anonymous(&second).get_incident().id(opened.id).send().await;
    let held = held.expect("an unresolved incident is read from memory");
    assert_eq!(held.updates.len(), 2, "{held:?}");
    assert_eq!(held.status, IncidentStatus::Identified);
    let write = admin
        .put_component()
        .slug("web")
        .body(update("Web"))
        .send()
        .await;
    match write {
        Err(statusboard_client::Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 503);
            assert!(answer.headers().contains_key(RETRY_AFTER), "{answer:?}");
        }
        other => panic!("a write without a database: {other:?}"),
    }
    for reader in readers {
        let seen = reader.await.unwrap();
        println!("reads during the outage: {seen:?}");
        assert_eq!(seen.failed, 0, "{seen:?}");
        assert_eq!(seen.ok_fresh, 0, "every read marked stale: {seen:?}");
        assert!(seen.ok_stale > 100, "{seen:?}");
    }

    // PostgreSQL is back: a write on one replica is read on the other, and reaches the
    // subscriber that stayed connected.
    let _cluster = with_cluster(cluster, |c| c.restart().unwrap()).await;
    for app in [&first, &second] {
        let fresh = poll::until_async(
            Duration::from_secs(15),
            Duration::from_millis(100),
            || async { (!stale(app).await).then_some(()) },
        )
        .await;
        assert!(fresh.is_some(), "reads are fresh again");
    }
    let recorded = poll::until_async(Duration::from_secs(15), Duration::from_millis(200), || {
        let admin = admin.clone();
        async move {
            let set = admin
                .create_report()
                .slug("db")
                .body(crate::board_api::report(
                    ComponentStatus::Operational,
                    "back",
                ))
                .send()
                .await;
            set.ok()
        }
    })
    .await;
    assert!(recorded.is_some(), "writes work again");
    let read = poll::until_async(
        Duration::from_secs(5),
        Duration::from_millis(10),
        || async {
            let component = anonymous(&second)
                .get_component()
                .slug("db")
                .send()
                .await
                .ok()?;
            (component.status == ComponentStatus::Operational).then_some(())
        },
    )
    .await;
    assert!(read.is_some(), "the other replica reads the write");
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), received.recv())
            .await
            .expect("the report within 5 s")
            .unwrap();
        assert_ne!(message["type"], "closed", "the subscriber stayed connected");
        if message["type"] == "report" && message["message"] == "back" {
            break;
        }
    }
}

#[tokio::test]
async fn a_component_written_straight_into_the_database_is_read_once_the_board_is_reloaded() {
    let app = TestApp::spawn_with_database().await;
    app.execute_sql("INSERT INTO components (slug, name) VALUES ('legacy', 'Legacy')")
        .await;
    // Outside the API, so outside the change log: the board in memory learns of it when
    // the hub next reads the whole board.
    let started = Instant::now();
    let read = poll::until_async(
        statusboard_server::live::hub::RELOAD_EVERY + Duration::from_secs(5),
        Duration::from_millis(100),
        || async {
            let component = anonymous(&app).get_component().slug("legacy").send().await;
            component.ok().map(|c| c.name.clone())
        },
    )
    .await;
    assert_eq!(
        read.as_deref(),
        Some("Legacy"),
        "after {:?}",
        started.elapsed()
    );
}
