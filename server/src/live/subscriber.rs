//! One WebSocket subscriber of the live board: [`serve`].

use std::time::Duration;

use dropshot::{WebsocketChannelResult, WebsocketConnection};
use futures::{SinkExt, StreamExt, TryStreamExt};
use statusboard_api::BoardEvent;
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};

use super::backlog::{Ended, Protocol, Start, backlog};
use super::hub::Hub;
use crate::database::Database;
use crate::metrics;

/// How often an idle connection is pinged; a peer that has not answered the previous ping
/// by the next one is gone.
const PING_EVERY: Duration = Duration::from_secs(20);

/// How long one message may take to leave: a peer that does not read for this long is
/// closed as too slow.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest message a subscriber may send; it has nothing to say but pongs and a close.
const MAX_INCOMING_BYTES: usize = 4096;

/// The socket's settings: a subscriber only listens, so a read buffer of 4 KiB instead of
/// tungstenite's 128 KiB, which it allocates and zeroes for every connection (10,000 idle
/// subscribers would hold 1.3 GiB), and incoming messages bounded to match.
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(MAX_INCOMING_BYTES)
        .max_message_size(Some(MAX_INCOMING_BYTES))
        .max_frame_size(Some(MAX_INCOMING_BYTES))
}

/// Serves one subscriber until it leaves, falls behind, or the server stops.
pub async fn serve(
    hub: Hub,
    database: Database,
    start: Start,
    connection: WebsocketConnection,
) -> WebsocketChannelResult {
    let raw = connection.into_inner();
    let mut socket =
        WebSocketStream::from_raw_socket(raw, Role::Server, Some(socket_config())).await;
    // Subscribed before the backlog is read: a report committed meanwhile comes both ways,
    // and the id check below sends it once.
    let (mut live, mut stopping) = hub.subscribe();
    let _counted = metrics::Subscriber::enter();

    let mut last = start.after.unwrap_or(0);
    let mut backlog = backlog(&database, start);
    loop {
        // The server may stop while the backlog is sent: it does not wait for the backlog.
        let item = tokio::select! {
            item = backlog.try_next() => item?,
            _ = async { stopping.wait_for(|stop| *stop).await.map(|_| ()) } => {
                return close(&mut socket, CloseCode::Away, "the server is stopping").await;
            }
        };
        let Some((position, message)) = item else {
            break;
        };
        last = last.max(position);
        send(&mut socket, Message::Text(message)).await?;
    }
    let caught_up = serde_json::to_string(&BoardEvent::CaughtUp)?;
    send(&mut socket, Message::text(caught_up)).await?;

    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut unanswered = false;
    loop {
        tokio::select! {
            received = live.recv() => match received {
                Ok(published) => {
                    let message = match start.protocol {
                        Protocol::Changes { major } => {
                            published.frame_for(major).map(|frame| (published.change, frame))
                        }
                        Protocol::Reports => published.report.as_ref().map(|(id, frame)| (*id, frame)),
                    };
                    if let Some((position, frame)) = message && position > last {
                        last = position;
                        send(&mut socket, Message::Text(frame.clone())).await?;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    metrics::live_subscriber_closed_slow();
                    return close(&mut socket, CloseCode::Policy, "too slow: reconnect with after").await;
                }
                Err(RecvError::Closed) => {
                    return close(&mut socket, CloseCode::Away, "the server is stopping").await;
                }
            },
            incoming = socket.next() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                Some(Ok(Message::Pong(_))) => unanswered = false,
                // Pings are answered by the library; anything else is ignored.
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if unanswered {
                    return Ok(());
                }
                unanswered = true;
                send(&mut socket, Message::Ping(Default::default())).await?;
            }
            _ = stopping.changed() => {
                return close(&mut socket, CloseCode::Away, "the server is stopping").await;
            }
        }
    }
}

/// Sends `message`, or gives up on a peer that does not read for [`SEND_TIMEOUT`].
async fn send<S>(socket: &mut WebSocketStream<S>, message: Message) -> Result<(), Ended>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let counts = matches!(message, Message::Text(_));
    match tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await {
        Ok(Ok(())) => {
            if counts {
                metrics::live_messages_sent(1);
            }
            Ok(())
        }
        Ok(Err(e)) => Err(e.into()),
        Err(_) => {
            metrics::live_subscriber_closed_slow();
            Err("the subscriber did not read for 10 s".into())
        }
    }
}

/// Sends a close frame (best effort) and ends the subscription.
async fn close<S>(
    socket: &mut WebSocketStream<S>,
    code: CloseCode,
    reason: &str,
) -> WebsocketChannelResult
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(SEND_TIMEOUT, socket.close(Some(frame))).await;
    Ok(())
}
