//! The board in memory: what `GET /api/v1/summary` and `GET /api/v1/components[/{slug}]`
//! answer, held by each replica and kept current from the change log, so that those reads
//! run no SQL and keep answering while the database is down.
//!
//! The live board's hub ([`crate::live::Hub`]) loads it when it starts (the summary's one
//! statement, which also says the change id it reflects) and applies every change it reads
//! after that id, in id order, before it publishes them: a subscriber that gets a change can
//! read it here. A write waits until its change is applied ([`Memory::wait_applied`]), so
//! the writer reads its own write on its replica.
//!
//! Each batch of changes makes a new [`Snapshot`] (copy on write); readers hold an `Arc` to
//! the one they read, so a read never waits for a write.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use statusboard_api::{
    Component, Incident, Maintenance, MaintenanceStatus, StatusReport, Summary,
};
use tokio::sync::watch;

use super::summary::{Board, MOST};
use crate::changes::read::Logged;

/// The board as of one change.
#[derive(Debug)]
pub struct Snapshot {
    /// The last change it reflects.
    pub change: i64,
    /// When that change was made (when the board was loaded, for the first snapshot).
    pub changed_at: DateTime<Utc>,
    components: BTreeMap<String, Component>,
    /// Unresolved incidents by id, each with its latest update.
    incidents: BTreeMap<i64, Incident>,
    /// Maintenances in progress or scheduled, by id, each with its latest update.
    maintenances: BTreeMap<i64, Maintenance>,
    summary: OnceLock<Summary>,
}

impl Snapshot {
    fn new(board: Board, changed_at: DateTime<Utc>) -> Self {
        Self {
            change: board.change,
            changed_at,
            components: board
                .components
                .into_iter()
                .map(|c| (c.slug.clone(), c))
                .collect(),
            incidents: board.incidents.into_iter().map(|i| (i.id, i)).collect(),
            maintenances: board.maintenances.into_iter().map(|m| (m.id, m)).collect(),
            summary: OnceLock::new(),
        }
    }

    /// The component `slug`.
    pub fn component(&self, slug: &str) -> Option<&Component> {
        self.components.get(slug)
    }

    /// Up to `limit` components in slug order, after `after` when given.
    pub fn components(&self, after: Option<&str>, limit: usize) -> Vec<Component> {
        let from = match after {
            Some(after) => std::ops::Bound::Excluded(after),
            None => std::ops::Bound::Unbounded,
        };
        self.components
            .range::<str, _>((from, std::ops::Bound::Unbounded))
            .take(limit)
            .map(|(_, component)| component.clone())
            .collect()
    }

    /// The summary of this board (built once per snapshot).
    pub fn summary(&self) -> &Summary {
        self.summary.get_or_init(|| {
            let incidents = self.incidents.values().rev().take(MOST as usize).cloned();
            let mut maintenances: Vec<Maintenance> = self.maintenances.values().cloned().collect();
            maintenances.sort_by_key(|m| {
                (
                    m.status != MaintenanceStatus::InProgress,
                    m.scheduled_for,
                    m.id,
                )
            });
            maintenances.truncate(MOST as usize);
            Summary::new(
                self.change,
                self.components.values().cloned().collect(),
                incidents.collect(),
                maintenances,
            )
        })
    }

    /// This board with `change` applied (a kind it does not show moves only its id).
    fn apply(&mut self, change: &Logged) {
        self.change = change.id;
        self.changed_at = change.at;
        let data = change.data.clone();
        match change.kind.as_str() {
            "component" => {
                if let Ok(component) = serde_json::from_value::<Component>(data) {
                    self.components.insert(component.slug.clone(), component);
                }
            }
            "component_deleted" => {
                if let Some(slug) = change.data.get("slug").and_then(|s| s.as_str()) {
                    self.components.remove(slug);
                }
            }
            "report" => {
                if let Ok(report) = serde_json::from_value::<StatusReport>(data)
                    && let Some(component) = self.components.get_mut(&report.component)
                    && report.reported_at >= component.updated_at
                {
                    component.status = report.status;
                    component.updated_at = report.reported_at;
                }
            }
            "incident" => {
                if let Ok(mut incident) = serde_json::from_value::<Incident>(data) {
                    if incident.resolved_at.is_some() {
                        self.incidents.remove(&incident.id);
                    } else {
                        incident.updates.truncate(1);
                        self.incidents.insert(incident.id, incident);
                    }
                }
            }
            "maintenance" => {
                if let Ok(mut maintenance) = serde_json::from_value::<Maintenance>(data) {
                    if matches!(
                        maintenance.status,
                        MaintenanceStatus::InProgress | MaintenanceStatus::Scheduled
                    ) {
                        maintenance.updates.truncate(1);
                        self.maintenances.insert(maintenance.id, maintenance);
                    } else {
                        self.maintenances.remove(&maintenance.id);
                    }
                }
            }
            _ => {}
        }
    }

    fn copy(&self) -> Self {
        Self {
            change: self.change,
            changed_at: self.changed_at,
            components: self.components.clone(),
            incidents: self.incidents.clone(),
            maintenances: self.maintenances.clone(),
            summary: OnceLock::new(),
        }
    }
}

/// The board in memory, shared by the hub that keeps it and the handlers that read it.
/// Cloning it is cheap.
#[derive(Debug, Clone)]
pub struct Memory {
    current: watch::Sender<Option<Arc<Snapshot>>>,
    /// Whether the hub follows the log now, and when it last read it to its end.
    confidence: Arc<Mutex<Confidence>>,
}

#[derive(Debug, Default)]
struct Confidence {
    following: bool,
    confirmed_at: Option<Instant>,
    /// Why the board could not be loaded, as anyone may be told (until it is).
    not_loaded: Option<String>,
}

impl Default for Memory {
    fn default() -> Self {
        Self {
            current: watch::channel(None).0,
            confidence: Arc::default(),
        }
    }
}

impl Memory {
    /// The board now, once loaded.
    pub fn current(&self) -> Option<Arc<Snapshot>> {
        self.current.borrow().clone()
    }

    /// Holds `board`, read at `at` (what the hub does when it starts).
    pub fn load(&self, board: Board, at: DateTime<Utc>) {
        self.current
            .send_replace(Some(Arc::new(Snapshot::new(board, at))));
        self.confirm();
    }

    /// Holds `board`, read again from the database, unless the board held already reflects
    /// a later change: what heals a write made outside the API (straight into the
    /// database), which the change log never saw.
    pub fn reload(&self, board: Board) {
        let Some(current) = self.current() else {
            return self.load(board, Utc::now());
        };
        if board.change >= current.change {
            let changed_at = if board.change == current.change {
                current.changed_at
            } else {
                Utc::now()
            };
            self.current
                .send_replace(Some(Arc::new(Snapshot::new(board, changed_at))));
        }
    }

    /// Applies `changes` (in id order, all after the board's change) as one new snapshot.
    pub fn apply(&self, changes: &[Logged]) {
        let Some(current) = self.current() else {
            return;
        };
        let mut next = current.copy();
        for change in changes.iter().filter(|c| c.id > current.change) {
            next.apply(change);
        }
        self.current.send_replace(Some(Arc::new(next)));
    }

    /// Marks the board current: the hub follows the log and has just read it to its end.
    pub fn confirm(&self) {
        if let Ok(mut confidence) = self.confidence.lock() {
            confidence.following = true;
            confidence.confirmed_at = Some(Instant::now());
        }
    }

    /// Remembers why loading the board failed (`shown`: words anyone may read).
    pub fn not_loaded(&self, shown: String) {
        if let Ok(mut confidence) = self.confidence.lock() {
            confidence.not_loaded = Some(shown);
        }
    }

    /// Why the board is not loaded yet, as anyone may be told.
    pub fn why_not_loaded(&self) -> String {
        let shown = self
            .confidence
            .lock()
            .ok()
            .and_then(|c| c.not_loaded.clone());
        shown.unwrap_or_else(|| "the server is starting".to_owned())
    }

    /// Marks the board no longer known current: the hub lost its connection to the log.
    pub fn doubt(&self) {
        if let Ok(mut confidence) = self.confidence.lock() {
            confidence.following = false;
        }
    }

    /// `None` while the board is known current; else how long ago it last was.
    pub fn stale_for(&self) -> Option<Duration> {
        let confidence = self.confidence.lock().ok()?;
        match (confidence.following, confidence.confirmed_at) {
            (true, _) => None,
            (false, Some(at)) => Some(at.elapsed()),
            (false, None) => Some(Duration::MAX),
        }
    }

    /// Waits (at most `within`) until the board reflects the change `id`; answers whether
    /// it does.
    pub async fn wait_applied(&self, id: i64, within: Duration) -> bool {
        let mut current = self.current.subscribe();
        let reached =
            current.wait_for(|snapshot| snapshot.as_ref().is_some_and(|s| s.change >= id));
        matches!(tokio::time::timeout(within, reached).await, Ok(Ok(_)))
    }
}
