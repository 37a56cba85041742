//! Stopping the server is bounded: a subscriber still receiving its backlog is closed
//! (`1001`) at once, rather than sent the rest first.

use std::time::Duration;

use futures::StreamExt;
use statusboard_tests::app::TestApp;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::live::connect_as;

#[tokio::test]
async fn a_subscriber_in_its_backlog_is_closed_at_once_when_the_server_stops() {
    let app = TestApp::spawn_with_database().await;
    app.execute_sql(
        "INSERT INTO components (slug, name, description) VALUES ('db', 'Database', '');
         INSERT INTO status_reports (component, status, message, reported_by)
             SELECT 'db', 'operational', 'report ' || n, 'ops'
             FROM generate_series(1, 50000) n",
    )
    .await;
    // API 3.0.0 from report 0: a backlog of 50,000 messages, read slowly.
    let mut socket = connect_as(&app, Some("3.0.0"), "&after=0", None)
        .await
        .unwrap();
    for _ in 0..10 {
        let message = socket.next().await.unwrap().unwrap();
        assert!(matches!(message, Message::Text(_)), "{message:?}");
    }
    let stopping = tokio::spawn(app.stop());
    let mut received = 10;
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(message)) = socket.next().await {
            match message {
                Message::Close(frame) => return frame.map(|f| f.code),
                _ => received += 1,
            }
        }
        None
    })
    .await
    .expect("closed within 10 s");
    assert_eq!(closed, Some(CloseCode::Away));
    assert!(received < 50_000, "the whole backlog came before the close");
    let stopped = tokio::time::timeout(Duration::from_secs(10), stopping).await;
    assert!(stopped.is_ok(), "the server stopped");
}
