//! The live board: over a raw WebSocket (tokio-tungstenite) in API 3.0.0's messages, the
//! backlog window, `caught_up`, live reports, resuming with `after`, origins, `1001` on stop;
//! a subscriber that does not read; through the Rust client (the change log's messages), a
//! report from another replica and a cut connection resumed; and reports committed out of
//! id order sent in id order, which makes resuming exact. The change log's own messages: `live_changes.rs`.

use std::time::Duration;

use futures::StreamExt;
use statusboard_api::v3::BoardEvent;
use statusboard_api::{ComponentStatus, ComponentUpdate, NewStatusReport};
use statusboard_server::bearer_auth::Actor;

use crate::slug;
use statusboard_server::board::{components, reports};
use statusboard_tests::app::TestApp;
use statusboard_tests::proxy::Proxy;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn record(app: &TestApp, message: &str) -> i64 {
    let database = &app.server().context().database;
    let report = NewStatusReport {
        status: ComponentStatus::DegradedPerformance,
        message: message.to_owned(),
    };
    reports::record(
        database,
        &slug("db"),
        &report,
        &Actor::internal("ops"),
        None,
    )
    .await
    .unwrap()
    .id
}

/// A raw subscriber speaking `version` (the latest when `None`), with `query` (`&after=…`).
pub async fn connect_as(
    app: &TestApp,
    version: Option<&str>,
    query: &str,
    origin: Option<&str>,
) -> Result<Socket, String> {
    let version = version.map_or(String::new(), |v| format!("api-version={v}"));
    let url = format!("ws://{}/api/v1/events?{version}{query}", app.addr);
    let mut request = url.into_client_request().unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(e) => Err(e.to_string()),
    }
}

/// A raw subscriber speaking API 3.0.0 (reports only), with `query` (`&after=…`).
async fn connect(app: &TestApp, query: &str, origin: Option<&str>) -> Result<Socket, String> {
    connect_as(app, Some("3.0.0"), query, origin).await
}

/// The next message, as `T`, within 5 s.
pub async fn next_as<T: serde::de::DeserializeOwned>(socket: &mut Socket) -> T {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a message within 5 s")
            .expect("the socket stays open")
            .unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// The next text message, if one comes within `within`.
async fn text_within(socket: &mut Socket, within: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + within;
    while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, socket.next()).await {
        if let Message::Text(text) = message {
            return Some(text.to_string());
        }
    }
    None
}

/// The next message in API 3.0.0's form, within 5 s.
async fn next(socket: &mut Socket) -> BoardEvent {
    next_as(socket).await
}

fn id(event: &BoardEvent) -> i64 {
    match event {
        BoardEvent::Report(report) => report.id,
        other => panic!("not a report: {other:?}"),
    }
}

async fn board() -> TestApp {
    let app = TestApp::spawn_with_database().await;
    let update = ComponentUpdate {
        name: "Database".to_owned(),
        description: String::new(),
        group: None,
    };
    components::put(
        &app.server().context().database,
        &slug("db"),
        &update,
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    app
}

#[tokio::test]
async fn the_window_then_caught_up_then_live_reports_and_resuming_misses_nothing() {
    let app = board().await;
    let old = record(&app, "old").await;
    // Out of the window: recorded two hours ago.
    app.execute_sql(&format!(
        "UPDATE status_reports SET reported_at = now() - interval '2 hours' WHERE id = {old}; \
         UPDATE changes SET at = at - interval '2 hours'"
    ))
    .await;
    let recent = record(&app, "recent").await;

    let mut socket = connect(&app, "", None).await.unwrap();
    assert_eq!(id(&next(&mut socket).await), recent);
    assert_eq!(next(&mut socket).await, BoardEvent::CaughtUp);
    let live = record(&app, "live").await;
    assert_eq!(id(&next(&mut socket).await), live);
    drop(socket);

    // Resuming after the last id seen: what came meanwhile, once, then caught_up.
    let missed = record(&app, "missed").await;
    let mut socket = connect(&app, &format!("&after={live}"), None)
        .await
        .unwrap();
    assert_eq!(id(&next(&mut socket).await), missed);
    assert_eq!(next(&mut socket).await, BoardEvent::CaughtUp);
    let _ = socket.close(None).await;
}

#[tokio::test]
async fn a_backlog_longer_than_a_page_comes_whole_in_order() {
    let app = board().await;
    // 2,500 reports: the backlog is read from the table 1,000 at a time.
    app.execute_sql(
        "INSERT INTO status_reports (component, status, message, reported_by) \
         SELECT 'db', 'operational', 'report ' || n, 'ops' FROM generate_series(1, 2500) n",
    )
    .await;
    let mut socket = connect(&app, "&after=0", None).await.unwrap();
    let mut ids = Vec::new();
    loop {
        match next(&mut socket).await {
            BoardEvent::CaughtUp => break,
            report => ids.push(id(&report)),
        }
    }
    // One statement drew the 2,500 ids one after another.
    let first = ids.first().copied().unwrap_or_default();
    assert_eq!(ids, (first..first + 2500).collect::<Vec<i64>>());
}

#[tokio::test]
async fn an_allowed_origin_or_none_may_subscribe_another_gets_403() {
    let app = board().await;
    let allowed = app.settings.cors_origins_list()[0].as_str().to_owned();
    assert!(connect(&app, "", Some(&allowed)).await.is_ok());
    assert!(connect(&app, "", None).await.is_ok());
    let refused = connect(&app, "", Some("https://evil.example"))
        .await
        .unwrap_err();
    assert!(refused.contains("403"), "{refused}");
}

#[tokio::test]
async fn stopping_the_server_closes_subscribers_with_1001() {
    let app = board().await;
    let mut socket = connect(&app, "", None).await.unwrap();
    assert_eq!(next(&mut socket).await, BoardEvent::CaughtUp);
    let stopping = tokio::spawn(app.stop());
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .unwrap();
    assert_eq!(closed, Some(1001));
    stopping.await.unwrap();
}

#[tokio::test]
async fn through_the_rust_client_a_report_recorded_on_another_server_arrives() {
    let first = board().await;
    // A second server on the same database: another replica.
    let second = TestApp::spawn_ready(first.settings.clone()).await;
    let client =
        statusboard_client::Client::new(&first.base_url, statusboard_client::Session::anonymous());
    let mut subscription = client
        .subscribe(None, &statusboard_client::Retry::default())
        .await
        .unwrap();
    let board = subscription.next().await.unwrap();
    assert!(
        matches!(&board, statusboard_client::BoardEvent::Board { components, .. } if components.len() == 1),
        "{board:?}"
    );
    let caught_up = subscription.next().await.unwrap();
    assert!(
        matches!(caught_up, statusboard_client::BoardEvent::CaughtUp),
        "{caught_up:?}"
    );
    let id = record(&second, "on the other replica").await;
    let received = tokio::time::timeout(Duration::from_secs(5), subscription.next())
        .await
        .expect("the report arrives within 5 s")
        .unwrap();
    match &received {
        statusboard_client::BoardEvent::Report {
            id: received_id,
            message,
            ..
        } => {
            assert_eq!(*received_id, id);
            assert_eq!(message, "on the other replica");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(subscription.last_change(), received.change());
    subscription.close().await;
}

#[tokio::test]
async fn through_the_rust_client_a_cut_connection_resumes_without_gap_or_repeat() {
    let app = board().await;
    let proxy = Proxy::start(app.addr).await;
    let client = statusboard_client::Client::new(
        &format!("http://{}", proxy.addr),
        statusboard_client::Session::anonymous(),
    );
    let subscription = client
        .subscribe(None, &statusboard_client::Retry::default())
        .await
        .unwrap();
    let mut events = subscription.into_stream();
    let mut next = async || {
        let event = tokio::time::timeout(Duration::from_secs(5), events.next())
            .await
            .expect("a message within 5 s")
            .expect("the stream goes on")
            .unwrap();
        match event {
            statusboard_client::BoardEvent::Report { id, .. } => Some(id),
            statusboard_client::BoardEvent::CaughtUp => None,
            // The board: no report.
            _ => Some(0),
        }
    };
    assert_eq!(next().await, Some(0), "the board first");
    assert_eq!(next().await, None, "caught up with an empty window");
    let before = record(&app, "before the cut").await;
    assert_eq!(next().await, Some(before));

    proxy.cut();
    let during = record(&app, "while cut off").await;
    // The client finds the connection gone, reconnects after `before`: `during` comes from
    // the backlog, once, then `caught_up` again, then live reports.
    assert_eq!(next().await, Some(during));
    assert_eq!(next().await, None, "caught up again");
    let after = record(&app, "after the reconnection").await;
    assert_eq!(next().await, Some(after));
}

#[tokio::test]
async fn a_subscriber_that_does_not_read_is_closed_instead_of_buffered() {
    let app = board().await;
    let mut socket = connect(&app, "", None).await.unwrap();
    assert_eq!(next(&mut socket).await, BoardEvent::CaughtUp);
    // The 3.0.0 subscriber's reports come from the log, as every server's.
    // The hub knows where the reports stand once one has gone through it.
    let first = record(&app, "first").await;
    assert_eq!(id(&next(&mut socket).await), first);
    // 30,000 reports (of 2 kB each) at once, more than the hub's ring and the sockets hold,
    // while the subscriber reads nothing.
    app.execute_sql(
        "INSERT INTO changes (kind, subject, data) \
         SELECT 'report', 'ops', jsonb_build_object('id', 1000000 + n, 'component', 'db', \
             'status', 'operational', 'message', repeat('x', 2000), 'reported_by', 'ops', \
             'reported_at', '2026-12-01T00:00:00Z') \
         FROM generate_series(1, 30000) n",
    )
    .await;
    record(&app, "announces them").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Reading now: some reports, then the close (1008, or the connection dropped after
    // the send timeout), never all 30,001.
    let mut reports = 0;
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(15), socket.next()).await {
            Ok(Some(Ok(Message::Text(_)))) => reports += 1,
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
            Ok(None | Some(Err(_))) => break None,
            Err(_) => panic!(
                "nothing for 15 s after {reports} reports, {} subscribers",
                app.server().context().hub.subscribers()
            ),
        }
    };
    let read = (reports, closed);
    assert!(read.0 < 30_001, "{read:?}");
    assert!(matches!(read.1, Some(1008) | None), "{read:?}");
    assert_eq!(app.server().context().hub.subscribers(), 0);
}

/// Records a report on component `db` with the server's own statement, in `tx`; its id.
async fn record_in(tx: &tokio_postgres::Transaction<'_>, message: &str) -> i64 {
    use tokio_postgres::types::Type;
    let no_key: Option<&str> = None;
    tx.query_typed_one(
        reports::RECORD_SQL,
        &[
            (&"db", Type::TEXT),
            (&"operational", Type::TEXT),
            (&message, Type::TEXT),
            (&"ops", Type::TEXT),
            (&no_key, Type::TEXT),
        ],
    )
    .await
    .unwrap()
    .get(0)
}

/// Writers do not wait for each other: a report drawn second commits while the first is
/// still open. Subscribers still get reports in id order, the one committed last first,
/// because the hub sends only settled changes (`changes_settled()`): a subscriber resuming
/// after the greater id has seen the smaller. 3.0.0's subscribers (report ids) and the
/// change log's alike; a report's id is its change's.
#[tokio::test]
async fn a_report_committed_after_a_later_one_is_sent_first() {
    let app = board().await;
    let mut v3 = connect(&app, "", None).await.unwrap();
    assert_eq!(next(&mut v3).await, BoardEvent::CaughtUp);
    let mut latest = connect_as(&app, None, "", None).await.unwrap();
    while next_as::<serde_json::Value>(&mut latest).await["type"] != "caught_up" {}

    let url = app.settings.database_url.clone();
    let mut first = statusboard_tests::database::connect(&url).await;
    let mut second = Some(statusboard_tests::database::connect(&url).await);
    // A reader settling meanwhile (the uptime roller, every second) queues the second
    // writer behind the first: then the reports commit in order, and the test tries again.
    for attempt in 1..=5 {
        let slow = first.transaction().await.unwrap();
        let earlier = record_in(&slow, "drawn first, committed last").await;
        let mut client = second.take().unwrap();
        let mut later = tokio::spawn(async move {
            let tx = client.transaction().await.unwrap();
            let id = record_in(&tx, "drawn second, committed first").await;
            tx.commit().await.unwrap();
            (client, id)
        });
        let overtaking = tokio::time::timeout(Duration::from_secs(2), &mut later).await;
        let overtook = overtaking.is_ok();
        if overtook {
            for socket in [&mut latest, &mut v3] {
                let sent = text_within(socket, Duration::from_millis(300)).await;
                assert_eq!(sent, None, "sent before the earlier report settled");
            }
        }
        slow.commit().await.unwrap();
        let (client, later) = match overtaking {
            Ok(done) => done.unwrap(),
            Err(_) => later.await.unwrap(),
        };
        second = Some(client);
        assert!(later > earlier, "{later} after {earlier}");
        for expected in [earlier, later] {
            let message: serde_json::Value = next_as(&mut latest).await;
            assert_eq!(message["type"], "report", "{message}");
            assert_eq!(message["id"], expected, "{message}");
            assert_eq!(message["change"], expected, "a report's id is its change's");
            assert_eq!(id(&next(&mut v3).await), expected);
        }
        if overtook {
            return;
        }
        eprintln!("attempt {attempt}: the second writer waited behind a settling reader");
    }
    panic!("the second writer never committed while the first was open");
}
