//! [`Hub`]: the live reports of this server's subscribers, from PostgreSQL's `NOTIFY`.

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use slog::{Logger, info, warn};
use statusboard_api::{BoardEvent, StatusReport};
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::board::reports;
use crate::database::Database;

/// How many reports a subscriber may be behind before it is closed as too slow.
pub const RING: usize = 4096;

/// How long the hub waits before connecting again after losing its `LISTEN` connection.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// A report as every subscriber sends it: its id, and its `report` message, serialised
/// once for all of them (cloning the text is cheap).
#[derive(Debug, Clone)]
pub struct Published {
    /// The report's id.
    pub id: i64,
    /// The JSON text of its [`BoardEvent::Report`] message.
    pub frame: Utf8Bytes,
}

impl Published {
    /// The message for `report`.
    pub fn new(report: StatusReport) -> Self {
        let id = report.id;
        let frame = serde_json::to_string(&BoardEvent::Report(report)).unwrap_or_default();
        Self {
            id,
            frame: frame.into(),
        }
    }
}

/// The live reports, shared by the server's subscribers. Cloning it is cheap.
#[derive(Debug, Clone)]
pub struct Hub {
    reports: broadcast::Sender<Arc<Published>>,
    stopping: watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    /// A hub with no subscribers, not yet listening (see [`Hub::run`]).
    pub fn new() -> Self {
        Self {
            reports: broadcast::channel(RING).0,
            stopping: watch::channel(false).0,
        }
    }

    /// A new subscriber's view: every report published from now on, and whether the
    /// server is stopping.
    pub fn subscribe(&self) -> (broadcast::Receiver<Arc<Published>>, watch::Receiver<bool>) {
        (self.reports.subscribe(), self.stopping.subscribe())
    }

    /// How many subscribers are connected.
    pub fn subscribers(&self) -> usize {
        self.reports.receiver_count()
    }

    /// Tells every subscriber that the server stops (they close with `1001`), and stops
    /// [`Hub::run`].
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Listens and publishes until [`Hub::stop`]: the reports committed after it started,
    /// in id order, each once, across lost connections.
    pub async fn run(self, database: Database, log: Logger) {
        let mut stopping = self.stopping.subscribe();
        let mut last = None;
        while !*stopping.borrow() {
            match database.listen(reports::CHANNEL).await {
                Ok((_client, mut notifications)) => {
                    info!(log, "live board: listening"; "channel" => reports::CHANNEL);
                    // What was committed while no connection listened comes from the table.
                    if let Err(e) = self.catch_up(&database, &mut last, None).await {
                        warn!(log, "live board: reading new reports failed"; "error" => %e);
                    }
                    loop {
                        tokio::select! {
                            notification = notifications.recv() => {
                                let Some(payload) = notification else {
                                    warn!(log, "live board: the LISTEN connection was lost");
                                    break;
                                };
                                // Several notifications may wait: one read serves them all.
                                let mut first = payload.parse::<i64>().ok();
                                while let Ok(payload) = notifications.try_recv() {
                                    first = first.min(payload.parse().ok()).or(first);
                                }
                                if let Err(e) = self.catch_up(&database, &mut last, first).await {
                                    warn!(log, "live board: reading new reports failed"; "error" => %e);
                                }
                            }
                            _ = stopping.changed() => return,
                        }
                    }
                }
                Err(e) => warn!(log, "live board: cannot LISTEN"; "error" => %e),
            }
            tokio::select! {
                () = tokio::time::sleep(RECONNECT_AFTER) => {}
                _ = stopping.changed() => return,
            }
        }
    }

    /// Publishes the reports after `last`, and moves `last` to the greatest published.
    /// Before `last` is known (the hub just started, or the table did not exist yet), it
    /// starts at `notified` (the first id announced) when there is one, and otherwise
    /// learns the greatest id so far without publishing anything.
    async fn catch_up(
        &self,
        database: &Database,
        last: &mut Option<i64>,
        notified: Option<i64>,
    ) -> Result<(), crate::board::BoardError> {
        let after = match (*last, notified) {
            (Some(id), _) => id,
            (None, Some(first)) => first - 1,
            (None, None) => {
                *last = Some(reports::last_id(database).await?);
                return Ok(());
            }
        };
        let mut new = std::pin::pin!(reports::after(database, after, None));
        while let Some(report) = new.try_next().await? {
            *last = Some(report.id);
            // No subscriber is not an error.
            let _ = self.reports.send(Arc::new(Published::new(report)));
        }
        Ok(())
    }
}
