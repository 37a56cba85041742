//! The live board from API 4.0.0 on: the change log's messages across replicas, API
//! 3.0.0's subscribers kept to reports, resuming and its bound, the subscriber cap, the
//! indexes every backlog query uses, and writes that fail fast behind a stalled session.

use std::time::{Duration, Instant};

use statusboard_api::{BoardEvent, Scope};
use statusboard_server::bearer_auth::Actor;

use crate::slug;
use statusboard_server::board::components;
use statusboard_server::changes::{self, read};
use statusboard_tests::app::TestApp;
use tokio_postgres::types::Type;

use super::board_api::{client_for, update};
use super::live::{connect_as, next_as};

/// The next message in the change log's form, within 5 s.
async fn next(socket: &mut super::live::Socket) -> BoardEvent {
    next_as(socket).await
}

#[tokio::test]
async fn components_created_and_deleted_on_one_replica_reach_subscribers_of_another() {
    let first = TestApp::spawn_with_database().await;
    let second = TestApp::spawn_ready(first.settings.clone()).await;
    let mut latest = connect_as(&second, None, "", None).await.unwrap();
    let mut v3 = connect_as(&second, Some("3.0.0"), "", None).await.unwrap();
    let BoardEvent::Board {
        change, components, ..
    } = next(&mut latest).await
    else {
        panic!("the board comes first");
    };
    assert!(components.is_empty());
    assert_eq!(next(&mut latest).await, BoardEvent::CaughtUp);
    assert_eq!(next(&mut v3).await, BoardEvent::CaughtUp);

    let admin = client_for(
        &first,
        "admin",
        &[Scope::ComponentsWrite, Scope::ReportsWrite],
    )
    .await;
    admin
        .put_component()
        .slug("db")
        .body(update("Database"))
        .send()
        .await
        .unwrap();
    let created = next(&mut latest).await;
    let BoardEvent::Component {
        change: created_at,
        component,
    } = &created
    else {
        panic!("{created:?}");
    };
    assert!(*created_at > change);
    assert_eq!(
        (component.slug.as_str(), component.name.as_str()),
        ("db", "Database")
    );

    let report = statusboard_client::types::NewStatusReport {
        status: statusboard_client::types::ComponentStatus::MajorOutage,
        message: "down".parse().unwrap(),
    };
    let recorded = admin
        .create_report()
        .slug("db")
        .body(report)
        .send()
        .await
        .unwrap();
    let BoardEvent::Report {
        change: reported_at,
        report,
    } = next(&mut latest).await
    else {
        panic!("a report");
    };
    assert_eq!(report.id, recorded.id);
    assert!(reported_at > *created_at);

    admin.delete_component().slug("db").send().await.unwrap();
    let deleted = next(&mut latest).await;
    assert!(
        matches!(&deleted, BoardEvent::ComponentDeleted { change, slug } if *change > reported_at && slug == "db"),
        "{deleted:?}"
    );

    // API 3.0.0's subscriber saw the report, and nothing else.
    let only = next_as::<statusboard_api::v3::BoardEvent>(&mut v3).await;
    assert!(
        matches!(&only, statusboard_api::v3::BoardEvent::Report(r) if r.id == recorded.id),
        "{only:?}"
    );
    admin
        .put_component()
        .slug("web")
        .body(update("Web"))
        .send()
        .await
        .unwrap();
    let web = next(&mut latest).await;
    assert!(matches!(web, BoardEvent::Component { .. }), "{web:?}");
    let nothing = tokio::time::timeout(
        Duration::from_millis(300),
        next_as::<serde_json::Value>(&mut v3),
    );
    assert!(nothing.await.is_err(), "3.0.0 subscribers get reports only");
}

/// 100,000 changes in the log (recorded straight into it).
async fn a_long_log(app: &TestApp) {
    app.execute_sql(
        "INSERT INTO changes (kind, subject, data) \
         SELECT 'component_deleted', 'ops', jsonb_build_object('slug', 'c' || n) \
         FROM generate_series(1, 100000) n; ANALYZE changes",
    )
    .await;
}

#[tokio::test]
async fn resuming_replays_at_most_what_the_server_keeps_else_a_fresh_board() {
    let app = TestApp::spawn_with_database().await;
    a_long_log(&app).await;
    let last = read::last_id(&app.server().context().database)
        .await
        .unwrap();

    // From the start: a board, not 100,000 replays.
    let mut socket = connect_as(&app, None, "&after=0", None).await.unwrap();
    let board = next(&mut socket).await;
    assert!(
        matches!(board, BoardEvent::Board { change, .. } if change == last),
        "{board:?}"
    );
    assert_eq!(next(&mut socket).await, BoardEvent::CaughtUp);

    // Three behind: exactly those three, then caught up.
    let mut socket = connect_as(&app, None, &format!("&after={}", last - 3), None)
        .await
        .unwrap();
    for expected in last - 2..=last {
        assert_eq!(next(&mut socket).await.change(), Some(expected));
    }
    assert_eq!(next(&mut socket).await, BoardEvent::CaughtUp);

    // Behind the window: a board again.
    app.execute_sql("UPDATE changes SET at = at - interval '2 hours'")
        .await;
    let mut socket = connect_as(&app, None, &format!("&after={}", last - 3), None)
        .await
        .unwrap();
    assert!(matches!(next(&mut socket).await, BoardEvent::Board { .. }));
}

#[tokio::test]
async fn every_backlog_query_is_served_by_an_index() {
    let app = TestApp::spawn_with_database().await;
    a_long_log(&app).await;
    let connection = app.server().context().database.connection().await.unwrap();
    for query in [
        // `read::after`'s page, `read::first_since`, `read::next_after`, `read::last_id`.
        "SELECT id, kind, at, data::text FROM changes WHERE id > 99000 \
         AND (NULL::int8 IS NULL OR id <= NULL) AND (NULL::text IS NULL OR kind = NULL) \
         ORDER BY id LIMIT 1000",
        "SELECT id FROM changes WHERE at >= now() - interval '1 hour' ORDER BY at, id LIMIT 1",
        "SELECT id, at FROM changes WHERE id > 5 ORDER BY id LIMIT 1",
        "SELECT COALESCE(max(id), 0) FROM changes",
    ] {
        let rows = connection
            .client()
            .simple_query(&format!("EXPLAIN {query}"))
            .await
            .unwrap();
        let plan: Vec<String> = rows
            .iter()
            .filter_map(|row| match row {
                tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
                _ => None,
            })
            .collect();
        let plan = plan.join("\n");
        assert!(!plan.contains("Seq Scan"), "{query}:\n{plan}");
        assert!(plan.contains("Index"), "{query}:\n{plan}");
    }
}

#[tokio::test]
async fn past_the_subscriber_cap_503_with_retry_after_before_the_upgrade() {
    let database = statusboard_tests::database::fresh_database().await;
    let mut settings = TestApp::settings(database);
    settings.live_max_subscribers = 1;
    let app = TestApp::spawn_ready(settings).await;
    let _first = connect_as(&app, None, "", None).await.unwrap();
    let response = crate::upgrade(reqwest::Client::new().get(app.url("/api/v1/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error_code"], "TooManySubscribers");
}

/// A session holding the change log's lock stalls (a replica frozen mid-statement). Held
/// exclusively, as a reader settling the log holds it: every write gives up within
/// `lock_timeout` with `503`. Held shared, as a writer holds it between its append and its
/// commit: a reader's settling gives up within `lock_timeout`, other writes commit or give
/// up as fast, none hangs. Either way everything works again once the session ends.
#[tokio::test]
async fn behind_a_stalled_session_holding_the_log_nothing_hangs_then_all_recovers() {
    let database = statusboard_tests::database::fresh_database().await;
    let mut settings = TestApp::settings(database);
    settings.database_session_timeouts.lock = Duration::from_secs(1);
    let app = TestApp::spawn_ready(settings).await;
    let db = &app.server().context().database;
    let mut stalled = statusboard_tests::database::connect(&app.settings.database_url).await;
    let put = |name: &str| {
        let update = statusboard_api::ComponentUpdate {
            name: name.to_owned(),
            description: String::new(),
            group: None,
        };
        async move {
            let (db_slug, ops) = (slug("db"), Actor::internal("ops"));
            let started = Instant::now();
            let put = components::put(
                db,
                &db_slug,
                &update,
                statusboard_server::board::components::Group::Replace,
                &ops,
            );
            let answer = tokio::time::timeout(Duration::from_secs(10), put)
                .await
                .expect("a write gives up within lock_timeout instead of waiting");
            let waited = started.elapsed();
            assert!(waited < Duration::from_secs(4), "waited {waited:?}");
            answer.map_err(|e| statusboard_api::ApiError::from(e).status().as_u16())
        }
    };

    // Held exclusively (the number is the log's lock: `in_order!`, `changes_settled()`).
    let holding = stalled.transaction().await.unwrap();
    holding
        .execute("SELECT pg_advisory_xact_lock(8243118316935476017)", &[])
        .await
        .unwrap();
    assert_eq!(put("Database").await.unwrap_err(), 503);
    holding.rollback().await.unwrap();
    put("Database").await.unwrap();

    // Held shared: a writer that appended a change and stalls before its commit.
    let holding = stalled.transaction().await.unwrap();
    holding
        .query_typed(
            changes::APPEND_SQL,
            &[
                (&"component_deleted", Type::TEXT),
                (&"stalled", Type::TEXT),
                (&r#"{"slug":"x"}"#, Type::TEXT),
            ],
        )
        .await
        .unwrap();
    let started = Instant::now();
    let settling = tokio::time::timeout(Duration::from_secs(10), read::settled(db))
        .await
        .expect("settling gives up within lock_timeout instead of waiting");
    let answer = statusboard_api::ApiError::from(settling.unwrap_err());
    assert_eq!(answer.status().as_u16(), 503, "{answer}");
    assert!(started.elapsed() < Duration::from_secs(4));
    for name in ["Database 1", "Database 2", "Database 3"] {
        if let Err(status) = put(name).await {
            assert_eq!(status, 503);
        }
    }

    holding.rollback().await.unwrap();
    put("Database, again").await.unwrap();
    let settled = read::settled(db).await.unwrap();
    assert!(settled > 0);
    // The board in memory goes past the hole the rolled-back writer left, and reflects the
    // writes committed behind it.
    let memory = app.server().context().hub.memory();
    let name = || {
        let board = memory.current()?;
        Some(board.component("db")?.name.clone())
    };
    for _ in 0..100 {
        if name().as_deref() == Some("Database, again") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the board in memory stopped at the hole: {:?}", name());
}

/// The hub's `LISTEN` connection goes silent (a dead peer: nothing arrives, nothing is
/// closed). Without asking it, the hub would wait for TCP to give up (hours) and publish
/// nothing meanwhile; it notices within seconds, listens again, and the change made
/// meanwhile reaches the subscriber.
#[tokio::test]
async fn a_listen_connection_gone_silent_is_replaced_and_nothing_is_missed() {
    let url = statusboard_tests::database::fresh_database_url().await;
    let mut listen = url::Url::parse(&url).unwrap();
    let postgres = std::net::SocketAddr::new(
        std::net::Ipv4Addr::LOCALHOST.into(),
        listen.port().unwrap_or(5432),
    );
    let proxy = statusboard_tests::proxy::Proxy::start(postgres).await;
    listen.set_port(Some(proxy.addr.port())).unwrap();
    let database = statusboard_server::config::DatabaseUrl::parse("DATABASE_URL", &url).unwrap();
    let mut settings = TestApp::settings(database);
    settings.database_listen_url = Some(
        statusboard_server::config::DatabaseUrl::parse("DATABASE_LISTEN_URL", listen.as_str())
            .unwrap(),
    );
    let app = TestApp::spawn_ready(settings).await;
    let mut socket = connect_as(&app, None, "", None).await.unwrap();
    assert!(matches!(next(&mut socket).await, BoardEvent::Board { .. }));
    assert_eq!(next(&mut socket).await, BoardEvent::CaughtUp);

    proxy.freeze();
    let db = &app.server().context().database;
    components::put(
        db,
        &slug("db"),
        &update_of("Database"),
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    let arrived = tokio::time::timeout(Duration::from_secs(20), async {
        use futures::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message
                && let Ok(BoardEvent::Component { component, .. }) = serde_json::from_str(&text)
            {
                return component;
            }
        }
        panic!("the subscription ended");
    })
    .await
    .expect("the component arrives once the hub listens again");
    assert_eq!(arrived.slug, "db");
}

fn update_of(name: &str) -> statusboard_api::ComponentUpdate {
    statusboard_api::ComponentUpdate {
        name: name.to_owned(),
        description: String::new(),
        group: None,
    }
}
