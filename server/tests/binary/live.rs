//! The live board's memory in the real binary: a subscriber that stops reading while
//! 200 MB of reports go by is closed, and the server's resident memory stays bounded by
//! its ring of recent reports, not by what the subscriber did not read (measured: about
//! 36 MiB of growth for 100 MB and for 200 MB alike, in a debug build).

use statusboard_tests::os::memory_mib;

use super::*;

/// How many reports go by, of [`MESSAGE_CHARS`] each: 200 MB.
const FLOOD: u32 = 100_000;
const MESSAGE_CHARS: u32 = 2_000;
/// The most the server's peak resident memory may grow: the hub's ring (4,096 reports of
/// about 2 kB), its reading batches and the allocator's arenas, far below the 200 MB that
/// buffering the flood for the subscriber would take.
const BOUND_MIB: f64 = 64.0;

/// The value of the metric `series` (a line's leading text) at `metrics`.
fn metric(metrics: SocketAddr, series: &str) -> Option<f64> {
    metric_value(&get(metrics, "/metrics")?, series)
}

#[tokio::test]
async fn a_subscriber_that_stops_reading_is_closed_and_memory_stays_bounded() {
    use futures::StreamExt;

    let url = statusboard_tests::database::fresh_database_url().await;
    let (process, _dir) = Process::start(&[
        ("JWT_SECRET", SECRET),
        ("DATABASE_URL", url.as_str()),
        ("METRICS_BIND_ADDRESS", "127.0.0.1:0"),
    ]);
    let addr = process.addr;
    process.wait_ready();
    let metrics = process.metrics_addr();

    let database = statusboard_server::config::DatabaseUrl::parse("DATABASE_URL", &url).unwrap();
    let sql = statusboard_tests::database::connect(&database).await;
    let insert = |count: u32, chars: u32| {
        format!(
            "WITH added AS (INSERT INTO changes (kind, subject, data) \
             SELECT 'report', 'ops', jsonb_build_object('component', 'db', \
                 'message', repeat('x', {chars})) \
             FROM generate_series(1, {count}) RETURNING id) \
             SELECT pg_notify('changes', max(id)::text) FROM added"
        )
    };
    sql.batch_execute("INSERT INTO components (slug, name) VALUES ('db', 'Database')")
        .await
        .unwrap();

    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/events"))
        .await
        .unwrap();
    let board = socket.next().await.unwrap().unwrap();
    assert!(board.to_text().unwrap().starts_with(r#"{"type":"board""#));
    let caught_up = socket.next().await.unwrap().unwrap();
    assert_eq!(caught_up.to_text().unwrap(), r#"{"type":"caught_up"}"#);
    // One report read, so that the hub knows where the table stands.
    sql.batch_execute(&insert(1, 10)).await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("the first report within 5 s");
    assert!(
        first
            .unwrap()
            .unwrap()
            .to_text()
            .unwrap()
            .contains("\"report\"")
    );

    let pid = process.child.id();
    let before = memory_mib(pid, "VmRSS:").unwrap();
    // The subscriber reads nothing from here on.
    sql.batch_execute(&insert(FLOOD, MESSAGE_CHARS))
        .await
        .unwrap();
    let closed = poll::until_async(Duration::from_secs(60), Duration::from_millis(200), || {
        let gone = metric(metrics, "statusboard_live_subscribers ") == Some(0.0);
        std::future::ready(gone.then_some(()))
    })
    .await;
    assert!(
        closed.is_some(),
        "the subscriber is still served after 60 s"
    );
    assert_eq!(
        metric(metrics, "statusboard_live_subscribers_closed_slow_total "),
        Some(1.0)
    );
    let growth = memory_mib(pid, "VmHWM:").unwrap() - before;
    println!("peak resident memory grew by {growth:.1} MiB while {FLOOD} reports went by");
    assert!(
        growth < BOUND_MIB,
        "the server's peak resident memory grew by {growth:.1} MiB (bound {BOUND_MIB} MiB)"
    );
    drop(socket);
}
