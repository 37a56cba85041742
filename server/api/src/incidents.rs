//! Incidents: what is happening, told as a timeline of updates, with the components it
//! affects and the status it gives each (names after Atlassian Statuspage's vocabulary).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::board::{ComponentStatus, Limits, Slug};
use crate::wire_enum::wire_enum;

/// The longest incident or maintenance message.
pub const MESSAGE_MAX: usize = 10_000;
/// The most components one incident update or maintenance names.
pub const COMPONENTS_MAX: usize = 100;

wire_enum! {
    /// Where an incident stands.
    IncidentStatus ("incident status") {
        /// The cause is being looked for.
        Investigating = "investigating",
        /// The cause is known; a fix is under way.
        Identified = "identified",
        /// A fix is in place; its effect is being watched.
        Monitoring = "monitoring",
        /// Over: its components returned to their status without it.
        Resolved = "resolved",
    }
}

wire_enum! {
    /// How bad an incident is for the people who use the service.
    Impact ("impact") {
        /// No visible effect.
        None = "none",
        /// A few people, or a small part of the service.
        Minor = "minor",
        /// Many people, or a main part of the service.
        Major = "major",
        /// The service is unusable.
        Critical = "critical",
    }
}

/// A component an incident affects, and the status the incident gives it.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct AffectedComponent {
    /// The component's slug.
    pub slug: String,
    /// The status the incident (or the update) gave it.
    pub status: ComponentStatus,
}

/// Something that is happening to the service, and what is known about it.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Incident {
    /// Its id: later incidents have greater ids.
    pub id: i64,
    /// What is happening, in a line (1 to 200 characters).
    pub name: String,
    /// Where it stands: its latest update's status.
    pub status: IncidentStatus,
    /// How bad it is.
    pub impact: Impact,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it last changed (its latest update).
    pub updated_at: DateTime<Utc>,
    /// When it was resolved; `null` while it is not.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The components it affects, by slug, with the status it gives each now.
    pub components: Vec<AffectedComponent>,
    /// Its updates, newest first (in the summary, only the latest).
    pub updates: Vec<IncidentUpdate>,
}

/// One entry of an incident's timeline.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct IncidentUpdate {
    /// Its id: later updates have greater ids.
    pub id: i64,
    /// The incident's status as of this update.
    pub status: IncidentStatus,
    /// What is known, for people.
    pub message: String,
    /// The components whose status this update set, with that status.
    pub components: Vec<AffectedComponent>,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
    /// Who posted it: the subject of the token it was posted with.
    pub created_by: String,
}

/// An incident as it is opened.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct NewIncident {
    /// What is happening, in a line (1 to 200 characters).
    #[schemars(length(min = 1, max = 200))]
    #[schemars(regex(pattern = r"^[^\u0000]*$"))]
    pub name: String,
    /// Where it stands.
    pub status: IncidentStatus,
    /// How bad it is.
    pub impact: Impact,
    /// What is known, for people: the first update (at most 10,000 characters; empty when
    /// left out).
    #[serde(default)]
    #[schemars(length(max = 10000))]
    #[schemars(regex(pattern = r"^[^\u0000]*$"))]
    pub message: String,
    /// The components it affects, by slug, with the status it gives each (at most 100;
    /// none when left out). Each component's status becomes this one, recorded as its
    /// status report.
    #[serde(default)]
    pub components: BTreeMap<String, ComponentStatus>,
}

/// An update posted to an incident.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct NewIncidentUpdate {
    /// Where the incident stands now. `resolved` sets `resolved_at`; another status
    /// after `resolved` reopens it.
    pub status: IncidentStatus,
    /// What is known, for people (at most 10,000 characters; empty when left out).
    #[serde(default)]
    #[schemars(length(max = 10000))]
    #[schemars(regex(pattern = r"^[^\u0000]*$"))]
    pub message: String,
    /// Components whose status changes, by slug, with their new status (at most 100).
    /// Components not named keep theirs, except when the update resolves the incident:
    /// then every component it affects and this does not name returns to the status it
    /// would have without the incident (the worst that another unresolved incident gives
    /// it, or `operational`).
    #[serde(default)]
    pub components: Option<BTreeMap<String, ComponentStatus>>,
}

impl NewIncident {
    /// The first field out of bounds, named.
    pub fn check(&self) -> Result<(), String> {
        Limits::name("name", &self.name, Limits::NAME_MAX)?;
        Limits::text_up_to("message", &self.message, MESSAGE_MAX)?;
        check_components(&self.components)
    }
}

impl NewIncidentUpdate {
    /// The first field out of bounds, named.
    pub fn check(&self) -> Result<(), String> {
        Limits::text_up_to("message", &self.message, MESSAGE_MAX)?;
        self.components.as_ref().map_or(Ok(()), check_components)
    }
}

/// At most [`COMPONENTS_MAX`] components, each named by a slug.
fn check_components(components: &BTreeMap<String, ComponentStatus>) -> Result<(), String> {
    if components.len() > COMPONENTS_MAX {
        return Err(format!(
            "components must name at most {COMPONENTS_MAX} components (it names {})",
            components.len()
        ));
    }
    check_slugs(components.keys())
}

/// Each of `slugs` is a slug; the error names the field `components`.
pub(crate) fn check_slugs<'a>(slugs: impl IntoIterator<Item = &'a String>) -> Result<(), String> {
    for slug in slugs {
        Slug::parse(slug).map_err(|e| format!("components: {e}"))?;
    }
    Ok(())
}

/// The path of one incident.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct IncidentPath {
    /// The incident's id.
    pub id: i64,
}

wire_enum! {
    /// Which incidents to list.
    IncidentState ("state") {
        /// Those not resolved.
        Unresolved = "unresolved",
        /// Every incident.
        All = "all",
    }
}

/// Which incidents to list.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct IncidentsScan {
    /// `unresolved` or `all` (the default).
    #[serde(default = "all_incidents")]
    pub state: IncidentState,
}

fn all_incidents() -> IncidentState {
    IncidentState::All
}

/// Where a page of incidents starts (inside `page_token`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct IncidentsPage {
    /// The first page's `state`.
    pub state: IncidentState,
    /// The previous page's last incident.
    pub before: i64,
}
