//! The live board from Rust: [`Client::subscribe`] opens `GET /api/v1/events` (progenitor's
//! upgrade method, then tokio-tungstenite) and gives a [`Subscription`] whose messages
//! never skip or repeat a report: when the connection drops (the server restarts, a proxy
//! cuts it, it closed a slow reader), it reconnects with `after` the last report received.

use futures::StreamExt;
use futures::stream::BoxStream;
use progenitor_client::Error;
use serde::Deserialize;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::{Client, Retry, types};

/// A message of the live board (its JSON Schema is
/// `openapi-events/events-<version>.schema.json`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BoardEvent {
    /// A status report: the backlog's, oldest first, then each new one; in id order, each
    /// once.
    Report(types::StatusReport),
    /// The backlog has been sent; what follows is live. Comes once per connection, so again
    /// after a reconnection.
    CaughtUp,
}

/// Why a subscription stopped.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The server could not be reached, or refused the subscription, for every attempt of
    /// the [`Retry`].
    #[error("cannot subscribe to the live board: {0}")]
    Subscribe(#[from] Error<types::Error>),
    /// The server sent a message this client does not understand.
    #[error("unexpected live board message {0:?}: {1}")]
    Message(String, serde_json::Error),
}

/// A live board subscription; see [`Client::subscribe`].
#[derive(Debug)]
pub struct Subscription {
    client: Client,
    retry: Retry,
    after: Option<i64>,
    socket: Option<WebSocketStream<reqwest::Upgraded>>,
}

impl Client {
    /// Subscribes to the live board: the reports of the server's window (`after: None`) or
    /// every report after `after`, then `caught_up`, then live reports. Reconnections retry
    /// with `retry`.
    pub async fn subscribe(
        &self,
        after: Option<i64>,
        retry: Retry,
    ) -> Result<Subscription, LiveError> {
        let mut subscription = Subscription {
            client: self.clone(),
            retry,
            after,
            socket: None,
        };
        subscription.connect().await?;
        Ok(subscription)
    }
}

impl Subscription {
    /// The next message; reconnects (with `after`) when the connection drops.
    pub async fn next(&mut self) -> Result<BoardEvent, LiveError> {
        loop {
            let Some(socket) = self.socket.as_mut() else {
                self.connect().await?;
                continue;
            };
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let event: BoardEvent = serde_json::from_str(&text)
                        .map_err(|e| LiveError::Message(text.to_string(), e))?;
                    if let BoardEvent::Report(report) = &event {
                        self.after = Some(report.id);
                    }
                    return Ok(event);
                }
                // Pings are answered by the library.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                // Closed, cut or refused: connect again after the last report seen.
                _ => self.socket = None,
            }
        }
    }

    /// Where a reconnection resumes: the id of the last report received, else the `after`
    /// it was subscribed with.
    pub fn last_report(&self) -> Option<i64> {
        self.after
    }

    /// The messages as a [`Stream`](futures::Stream); it ends after yielding an error (the
    /// server stayed unreachable for the whole [`Retry`], or sent a message this client
    /// cannot read).
    ///
    /// ```no_run
    /// # use futures::StreamExt;
    /// # use statusboard_client::{BoardEvent, Client, Retry, Session};
    /// # async fn watch() -> Result<(), statusboard_client::LiveError> {
    /// let client = Client::new("https://statusboard.example.com", Session::anonymous());
    /// let mut events = client.subscribe(None, Retry::default()).await?.into_stream();
    /// while let Some(event) = events.next().await {
    ///     if let BoardEvent::Report(report) = event? {
    ///         println!("{}: {}", report.component, report.status);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_stream(self) -> BoxStream<'static, Result<BoardEvent, LiveError>> {
        futures::stream::unfold(Some(self), |subscription| async move {
            let mut subscription = subscription?;
            match subscription.next().await {
                Ok(event) => Some((Ok(event), Some(subscription))),
                Err(e) => Some((Err(e), None)),
            }
        })
        .boxed()
    }

    /// Closes the connection.
    pub async fn close(mut self) {
        if let Some(socket) = self.socket.as_mut() {
            let _ = socket.close(None).await;
        }
    }

    async fn connect(&mut self) -> Result<(), LiveError> {
        let (client, after) = (&self.client, self.after);
        let upgraded = self.retry.run(|| client.events(after)).await?;
        let socket =
            WebSocketStream::from_raw_socket(upgraded.into_inner(), Role::Client, None).await;
        self.socket = Some(socket);
        Ok(())
    }
}
