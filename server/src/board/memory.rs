//! The board in memory: what `GET /api/v1/summary`, `GET /api/v1/components[/{slug}]` and
//! the reads of unresolved incidents and of maintenances in progress or scheduled answer,
//! held by each replica and kept current from the change log, so that those reads run no
//! SQL and keep answering while the database is down.
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
    Component, Incident, Maintenance, MaintenanceState, MaintenanceStatus, Serialized,
    StatusReport, Summary,
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
    /// Unresolved incidents by id, each with every update.
    incidents: BTreeMap<i64, Incident>,
    /// Maintenances in progress or scheduled, by id, each with every update.
    maintenances: BTreeMap<i64, Maintenance>,
    /// Whether `incidents` holds every unresolved incident (the board's statement reads
    /// at most [`MOST`]; the log adds every one opened or reopened after).
    every_incident: bool,
    /// Whether `maintenances` holds every maintenance in progress or scheduled.
    every_maintenance: bool,
    summary: OnceLock<Serialized<Summary>>,
}

impl Snapshot {
    fn new(board: Board, changed_at: DateTime<Utc>) -> Self {
        Self {
            change: board.change,
            changed_at,
            every_incident: board.incidents.len() < MOST as usize,
            every_maintenance: board.maintenances.len() < MOST as usize,
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

    /// The unresolved incident `id`, with every update; `None` when the board does not
    /// hold it (resolved, unknown, or beyond the [`MOST`] read when the board was loaded).
    pub fn incident(&self, id: i64) -> Option<&Incident> {
        self.incidents.get(&id)
    }

    /// Up to `limit` unresolved incidents, newest first, before the id `before` when given:
    /// `list_incidents`'s answer for the state `unresolved`, when the board holds every
    /// unresolved incident (else `None`).
    pub fn unresolved_incidents(
        &self,
        before: Option<i64>,
        limit: usize,
    ) -> Option<Vec<Incident>> {
        let held = self.every_incident.then_some(&self.incidents)?;
        let below = before.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        let page = held.range((std::ops::Bound::Unbounded, below)).rev();
        Some(
            page.take(limit)
                .map(|(_, incident)| incident.clone())
                .collect(),
        )
    }

    /// The maintenance `id` when it is in progress or scheduled, with every update.
    pub fn maintenance(&self, id: i64) -> Option<&Maintenance> {
        self.maintenances.get(&id)
    }

    /// Up to `limit` maintenances in `state`, soonest first, after `after` (the previous
    /// page's last `scheduled_for` and id) when given: `list_maintenances`'s answer for
    /// `active` and `upcoming`, when the board holds every such maintenance (else `None`).
    pub fn maintenances(
        &self,
        state: MaintenanceState,
        after: Option<(DateTime<Utc>, i64)>,
        limit: usize,
    ) -> Option<Vec<Maintenance>> {
        let status = match state {
            MaintenanceState::Active => MaintenanceStatus::InProgress,
            MaintenanceState::Upcoming => MaintenanceStatus::Scheduled,
            MaintenanceState::Completed | MaintenanceState::All => return None,
        };
        let held = self.every_maintenance.then_some(&self.maintenances)?;
        let mut page: Vec<&Maintenance> = held
            .values()
            .filter(|m| m.status == status)
            .filter(|m| after.is_none_or(|after| (m.scheduled_for, m.id) > after))
            .collect();
        page.sort_by_key(|m| (m.scheduled_for, m.id));
        Some(page.into_iter().take(limit).cloned().collect())
    }

    /// The summary of this board, each incident and maintenance with its latest update:
    /// built and serialized once per snapshot.
    pub fn summary(&self) -> Result<Serialized<Summary>, serde_json::Error> {
        if let Some(summary) = self.summary.get() {
            return Ok(summary.clone());
        }
        let summary = {
            let latest_only = |updates: &mut Vec<_>| updates.truncate(1);
            let incidents = self.incidents.values().rev().take(MOST as usize).cloned();
            let incidents = incidents.map(|mut incident| {
                latest_only(&mut incident.updates);
                incident
            });
            let mut maintenances: Vec<Maintenance> = self.maintenances.values().cloned().collect();
            maintenances.sort_by_key(|m| {
                (
                    m.status != MaintenanceStatus::InProgress,
                    m.scheduled_for,
                    m.id,
                )
            });
            maintenances.truncate(MOST as usize);
            for maintenance in &mut maintenances {
                maintenance.updates.truncate(1);
            }
            let summary = Summary::new(
                self.change,
                self.components.values().cloned().collect(),
                incidents.collect(),
                maintenances,
            );
            Serialized::new(&summary)?
        };
        Ok(self.summary.get_or_init(|| summary).clone())
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
                    // As the database's cascade does.
                    for incident in self.incidents.values_mut() {
                        incident.components.retain(|c| c.slug != slug);
                    }
                    for maintenance in self.maintenances.values_mut() {
                        maintenance.components.retain(|c| c != slug);
                    }
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
                if let Ok(incident) = serde_json::from_value::<Incident>(data) {
                    if incident.resolved_at.is_some() {
                        self.incidents.remove(&incident.id);
                    } else {
                        self.incidents.insert(incident.id, incident);
                    }
                }
            }
            "maintenance" => {
                if let Ok(maintenance) = serde_json::from_value::<Maintenance>(data) {
                    if matches!(
                        maintenance.status,
                        MaintenanceStatus::InProgress | MaintenanceStatus::Scheduled
                    ) {
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
            every_incident: self.every_incident,
            every_maintenance: self.every_maintenance,
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
