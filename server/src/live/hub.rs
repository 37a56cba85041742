//! [`Hub`]: the live changes of this server's subscribers, from PostgreSQL's `NOTIFY`.

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use slog::{Logger, info, warn};
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::changes::read::{self, Logged};
use statusboard_api::BoardEvent;

use crate::changes::{self, Kind};
use crate::database::{Database, DatabaseError};

/// How many changes a subscriber may be behind before it is closed as too slow.
pub const RING: usize = 4096;

/// How long the hub waits before connecting again after losing its `LISTEN` connection.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// A change as every subscriber sends it, serialised once for all of them (cloning the
/// text is cheap).
#[derive(Debug, Clone)]
pub struct Published {
    /// The change's id.
    pub change: i64,
    /// Its message from API 4.0.0 on: `{"type": <kind>, "change": <id>, …data}`.
    pub frame: Utf8Bytes,
    /// For a report: its id and its API 3.0.0 message (`{"type": "report", …report}`).
    pub report: Option<(i64, Utf8Bytes)>,
    /// The major API version from which subscribers get it ([`BoardEvent::since`]); `None`
    /// for a kind this server does not know, which none of its subscribers gets.
    pub since: Option<u64>,
}

impl Published {
    /// Its message for a subscriber of the change log in API version `major`, if that
    /// version's subscribers get it.
    pub fn frame_for(&self, major: u64) -> Option<&Utf8Bytes> {
        self.since
            .is_some_and(|since| since <= major)
            .then_some(&self.frame)
    }
}

impl Published {
    /// The messages for `change`. Its kind and data become the message as they are, so a
    /// new kind of change needs nothing here.
    pub fn new(change: &Logged) -> Self {
        let report = (change.kind == Kind::Report.as_str())
            .then(|| {
                let id = change.data.get("id")?.as_i64()?;
                Some((id, message(&change.kind, None, &change.data).into()))
            })
            .flatten();
        Self {
            change: change.id,
            frame: message(&change.kind, Some(change.id), &change.data).into(),
            report,
            since: BoardEvent::since(&change.kind),
        }
    }
}

/// `{"type": kind, "change": change, …data}` as JSON text.
fn message(kind: &str, change: Option<i64>, data: &serde_json::Value) -> String {
    let mut object = serde_json::Map::new();
    object.insert("type".to_owned(), kind.into());
    if let Some(change) = change {
        object.insert("change".to_owned(), change.into());
    }
    if let serde_json::Value::Object(fields) = data {
        for (name, value) in fields {
            object.entry(name.clone()).or_insert_with(|| value.clone());
        }
    }
    serde_json::Value::Object(object).to_string()
}

/// The live changes, shared by the server's subscribers. Cloning it is cheap.
#[derive(Debug, Clone)]
pub struct Hub {
    changes: broadcast::Sender<Arc<Published>>,
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
            changes: broadcast::channel(RING).0,
            stopping: watch::channel(false).0,
        }
    }

    /// A new subscriber's view: every change published from now on, and whether the
    /// server is stopping.
    pub fn subscribe(&self) -> (broadcast::Receiver<Arc<Published>>, watch::Receiver<bool>) {
        (self.changes.subscribe(), self.stopping.subscribe())
    }

    /// How many subscribers are connected.
    pub fn subscribers(&self) -> usize {
        self.changes.receiver_count()
    }

    /// Tells every subscriber that the server stops (they close with `1001`), and stops
    /// [`Hub::run`].
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Listens and publishes until [`Hub::stop`]: the changes committed after it started,
    /// in id order, each once, across lost connections.
    pub async fn run(self, database: Database, log: Logger) {
        let mut stopping = self.stopping.subscribe();
        let mut last = None;
        while !*stopping.borrow() {
            match database.listen(changes::CHANNEL).await {
                Ok((_client, mut notifications)) => {
                    info!(log, "live board: listening"; "channel" => changes::CHANNEL);
                    // What was committed while no connection listened comes from the table.
                    if let Err(e) = self.catch_up(&database, &mut last, None).await {
                        warn!(log, "live board: reading new changes failed"; "error" => %e);
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
                                    warn!(log, "live board: reading new changes failed"; "error" => %e);
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

    /// Publishes the changes after `last`, and moves `last` to the greatest published.
    /// Before `last` is known (the hub just started, or the table did not exist yet), it
    /// starts at `notified` (the first id announced) when there is one, and otherwise
    /// learns the greatest id so far without publishing anything.
    async fn catch_up(
        &self,
        database: &Database,
        last: &mut Option<i64>,
        notified: Option<i64>,
    ) -> Result<(), DatabaseError> {
        let after = match (*last, notified) {
            (Some(id), _) => id,
            (None, Some(first)) => first - 1,
            (None, None) => {
                *last = Some(read::last_id(database).await?);
                return Ok(());
            }
        };
        let range = read::Range {
            after,
            ..read::Range::default()
        };
        let mut new = std::pin::pin!(read::after(database, range));
        while let Some(change) = new.try_next().await? {
            *last = Some(change.id);
            // No subscriber is not an error.
            let _ = self.changes.send(Arc::new(Published::new(&change)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(kind: &str) -> Logged {
        Logged {
            id: 7,
            kind: kind.to_owned(),
            at: chrono::Utc::now(),
            data: serde_json::json!({"slug": "db"}),
        }
    }

    #[test]
    fn a_kind_reaches_the_versions_that_know_it_and_an_unknown_kind_none() {
        let deleted = Published::new(&logged("component_deleted"));
        assert_eq!(deleted.frame_for(3), None);
        let frame = deleted.frame_for(4).expect("4.0.0 knows component_deleted");
        let message: serde_json::Value = serde_json::from_str(frame.as_str()).unwrap();
        let expected = serde_json::json!({"type": "component_deleted", "change": 7, "slug": "db"});
        assert_eq!(message, expected);
        assert!(deleted.frame_for(5).is_some());
        // Written by a newer replica during a rolling upgrade: no subscriber here gets it.
        let newer = Published::new(&logged("incident"));
        assert_eq!(newer.frame_for(u64::MAX), None);
    }
}
