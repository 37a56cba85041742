//! [`Hub`]: the live changes of this server's subscribers, from PostgreSQL's `NOTIFY`.

use std::sync::Arc;
use std::time::Duration;

use slog::{Logger, info, warn};
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::changes::read::{self, Logged};
use statusboard_api::BoardEvent;

use crate::auth::Revoked;
use crate::board::memory::Memory;
use crate::board::{BoardError, summary};
use crate::changes::{self, Kind};
use crate::database::{Database, DatabaseError};

/// How many changes a subscriber may be behind before it is closed as too slow.
pub const RING: usize = 4096;

/// How many changes the hub applies to the board in memory, then publishes, at a time:
/// a long backlog is never held whole.
const BATCH: usize = 1000;

/// How often the hub reads the whole board again, in case a write reached the database
/// outside the API (and so outside the change log).
pub const RELOAD_EVERY: Duration = Duration::from_secs(10);

/// How long the hub waits at a hole in the log (a change drawn before those it has read,
/// not committed yet) for the writer to commit, before it waits out every writer in flight
/// instead ([`read::settled`], which holds new writers back meanwhile): a hole left by a
/// writer that rolled back never fills.
const HOLE_PATIENCE: Duration = Duration::from_millis(50);

/// How long the hub waits before connecting again after losing its `LISTEN` connection.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// How often the hub asks its `LISTEN` connection whether it is still there.
const CHECK_EVERY: Duration = Duration::from_secs(5);

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
                Some((id, read::message(&change.kind, None, &change.data).into()))
            })
            .flatten();
        Self {
            change: change.id,
            frame: change.message().into(),
            report,
            since: BoardEvent::since(&change.kind),
        }
    }
}

/// The live changes, shared by the server's subscribers. Cloning it is cheap.
#[derive(Debug, Clone)]
pub struct Hub {
    changes: broadcast::Sender<Arc<Published>>,
    stopping: watch::Sender<bool>,
    /// Whether it has caught up with the log once (see [`Hub::is_live`]).
    live: watch::Sender<bool>,
    /// The revoked grants, which it learns from the log.
    revoked: Revoked,
    /// The board, which it loads and keeps current from the log.
    memory: Memory,
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
            live: watch::channel(false).0,
            revoked: Revoked::default(),
            memory: Memory::default(),
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

    /// The grants revoked so far: loaded when the hub starts, then learnt from the log
    /// (`grant_revoked`) within seconds of each revocation, on whichever replica.
    pub fn revoked(&self) -> &Revoked {
        &self.revoked
    }

    /// The board in memory, which the hub keeps current.
    pub fn memory(&self) -> &Memory {
        &self.memory
    }

    /// Whether the hub has caught up with the log once since the server started: until
    /// then a subscriber could miss what it has not published, and `/ready` says no.
    pub fn is_live(&self) -> bool {
        *self.live.borrow()
    }

    /// Listens and publishes until [`Hub::stop`]: the changes committed after it started,
    /// in id order, each once, across lost connections.
    ///
    /// The greatest id so far is read *before* `LISTEN` starts, and the first read after it
    /// publishes everything since, so that a change committed in between is published
    /// too. A read that fails is tried again every `RECONNECT_AFTER`, without waiting
    /// for another notification; the `LISTEN` connection is asked `SELECT 1` every
    /// `CHECK_EVERY`, so that one lost without a word (a dead peer, a dropped route) is
    /// replaced within seconds, not when TCP gives up.
    pub async fn run(self, database: Database, log: Logger) {
        let mut stopping = self.stopping.subscribe();
        let mut last = None;
        while !*stopping.borrow() {
            if last.is_none() {
                // The board and the revocations as of one change; those after come with
                // the log.
                let start = async {
                    let board = summary::read(&database, summary::Updates::Every).await?;
                    let id = board.change;
                    self.revoked.extend(revoked_families(&database).await?);
                    self.memory.load(board, chrono::Utc::now());
                    Ok::<_, BoardError>(id)
                };
                match start.await {
                    Ok(id) => last = Some(id),
                    Err(e) => {
                        if let BoardError::Database(e) = &e {
                            self.memory.not_loaded(e.shown());
                        }
                        warn!(log, "live board: reading the board failed"; "error" => %e);
                    }
                }
            }
            let listening = match last {
                Some(_) => database.listen(changes::CHANNEL).await.map_err(|e| {
                    warn!(log, "live board: cannot LISTEN"; "error" => %e);
                }),
                None => Err(()),
            };
            if let Ok((client, notifications)) = listening {
                info!(log, "live board: listening"; "channel" => changes::CHANNEL);
                if self
                    .follow(
                        &database,
                        &log,
                        &client,
                        notifications,
                        &mut last,
                        &mut stopping,
                    )
                    .await
                {
                    return;
                }
            }
            // Starting (the migrations may not have made the log yet), try again soon.
            let pause = if self.is_live() {
                RECONNECT_AFTER
            } else {
                RECONNECT_AFTER / 10
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                _ = stopping.changed() => return,
            }
        }
    }

    /// Publishes what `LISTEN` announces until its connection is lost (`false`) or the
    /// server stops (`true`).
    async fn follow(
        &self,
        database: &Database,
        log: &Logger,
        client: &tokio_postgres::Client,
        mut notifications: tokio::sync::mpsc::UnboundedReceiver<String>,
        last: &mut Option<i64>,
        stopping: &mut watch::Receiver<bool>,
    ) -> bool {
        // What was committed while no connection listened comes from the table.
        let mut behind = true;
        let mut check = tokio::time::interval(CHECK_EVERY);
        check.tick().await;
        let mut reload = tokio::time::interval(RELOAD_EVERY);
        reload.tick().await;
        // A hole the hub stopped at: where, and since when.
        let mut hole: Option<(Option<i64>, tokio::time::Instant)> = None;
        loop {
            if behind {
                let now = tokio::time::Instant::now();
                let settle = hole.is_some_and(|(_, since)| now >= since + HOLE_PATIENCE);
                match self.catch_up(database, last, settle).await {
                    Ok(stopped_at_hole) => {
                        behind = false;
                        self.live.send_replace(true);
                        hole = match hole {
                            _ if !stopped_at_hole => None,
                            Some((at, since)) if at == *last => Some((at, since)),
                            _ => Some((*last, now)),
                        };
                    }
                    Err(e) => {
                        self.memory.doubt();
                        warn!(log, "live board: reading new changes failed"; "error" => %e);
                    }
                }
            }
            let retry = tokio::time::sleep(RECONNECT_AFTER);
            let patience = hole.map(|(_, since)| since + HOLE_PATIENCE);
            let waited = tokio::time::sleep_until(
                patience.unwrap_or_else(|| tokio::time::Instant::now() + RELOAD_EVERY),
            );
            tokio::select! {
                () = waited, if patience.is_some() && !behind => {
                    behind = true;
                }
                notification = notifications.recv() => {
                    if notification.is_none() {
                        warn!(log, "live board: the LISTEN connection was lost");
                        self.memory.doubt();
                        return false;
                    }
                    // Several notifications may wait: one read serves them all.
                    while notifications.try_recv().is_ok() {}
                    behind = true;
                }
                () = retry, if behind => {}
                _ = check.tick() => {
                    let asked = tokio::time::timeout(CHECK_EVERY, client.simple_query("SELECT 1"));
                    if !matches!(asked.await, Ok(Ok(_))) {
                        warn!(log, "live board: the LISTEN connection does not answer");
                        self.memory.doubt();
                        return false;
                    }
                    // A notification lost with a connection that recovered: read anyway.
                    behind = true;
                }
                _ = reload.tick() => {
                    match summary::read(database, summary::Updates::Every).await {
                        Ok(board) => self.memory.reload(board),
                        Err(e) => warn!(log, "live board: reloading the board failed"; "error" => %e),
                    }
                }
                _ = stopping.changed() => return true,
            }
        }
    }

    /// Publishes the settled changes after `last`, [`BATCH`] at a time, and moves `last` to
    /// the greatest published. Without `settle`, it stops at a hole (a change that may still
    /// commit) and answers `true`: the writer's notification, or [`HOLE_PATIENCE`] running
    /// out, brings the hub back. With `settle`, it waits out the writers in flight
    /// ([`read::settled`]) and goes past the holes that will never fill.
    async fn catch_up(
        &self,
        database: &Database,
        last: &mut Option<i64>,
        settle: bool,
    ) -> Result<bool, DatabaseError> {
        let Some(mut after) = *last else {
            return Ok(false);
        };
        let most = i64::try_from(BATCH).unwrap_or(i64::MAX);
        loop {
            let (batch, hole) = if settle {
                let range = read::Range {
                    after,
                    ..read::Range::default()
                };
                (read::page(database, range, most).await?, false)
            } else {
                read::before_any_hole(database, after, most).await?
            };
            let full = batch.len() == BATCH;
            if !batch.is_empty() {
                self.publish(batch, last);
                after = last.unwrap_or(after);
            }
            if !full {
                self.memory.confirm();
                return Ok(hole);
            }
        }
    }

    /// Applies `changes` to the board in memory, then publishes them, so that a subscriber
    /// that gets a change can read it; moves `last` to the greatest.
    fn publish(&self, changes: Vec<Logged>, last: &mut Option<i64>) {
        self.memory.apply(&changes);
        for change in changes {
            *last = Some(change.id);
            if change.kind == Kind::GrantRevoked.as_str()
                && let Some(family) = change.data.get("family").and_then(|f| f.as_i64())
            {
                self.revoked.insert(family);
                continue;
            }
            // No subscriber is not an error.
            let _ = self.changes.send(Arc::new(Published::new(&change)));
        }
    }
}

/// Every grant revoked so far.
async fn revoked_families(database: &Database) -> Result<Vec<i64>, DatabaseError> {
    let connection = database.connection().await?;
    let rows = connection
        .client()
        .query_typed(
            "SELECT id FROM token_families WHERE revoked_at IS NOT NULL",
            &[],
        )
        .await?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
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
        let incident = Published::new(&logged("incident"));
        assert_eq!(incident.frame_for(5), None);
        assert!(incident.frame_for(6).is_some());
        // Written by a newer replica during a rolling upgrade: no subscriber here gets it.
        let newer = Published::new(&logged("webhook_disabled"));
        assert_eq!(newer.frame_for(u64::MAX), None);
    }
}
