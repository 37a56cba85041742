//! Scheduled maintenance: announced ahead, its components `under_maintenance` while it is
//! in progress, started and completed by the server at the times it names.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::board::Limits;
use crate::incidents::{COMPONENTS_MAX, MESSAGE_MAX, check_slugs};
use crate::wire_enum::wire_enum;

wire_enum! {
    /// Where a scheduled maintenance stands.
    MaintenanceStatus ("maintenance status") {
        /// Announced; it has not started.
        Scheduled = "scheduled",
        /// Under way: its components are `under_maintenance`.
        InProgress = "in_progress",
        /// Over: its components returned to the status they would have without it.
        Completed = "completed",
        /// Called off before it started.
        Cancelled = "cancelled",
    }
}

/// A maintenance announced ahead of time.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Maintenance {
    /// Its id.
    pub id: i64,
    /// What is done, in a line (1 to 200 characters).
    pub name: String,
    /// What people should expect.
    pub message: String,
    /// Where it stands.
    pub status: MaintenanceStatus,
    /// When it starts: the server sets it `in_progress` then (within a few seconds).
    pub scheduled_for: DateTime<Utc>,
    /// When it ends: the server sets it `completed` then (within a few seconds).
    pub scheduled_until: DateTime<Utc>,
    /// The slugs of the components it takes down, ordered.
    pub components: Vec<String>,
    /// When it was announced.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Its updates, newest first (in the summary, only the latest), including those the
    /// server posts when it starts and completes it (by `scheduler`).
    pub updates: Vec<MaintenanceUpdate>,
}

/// One entry of a maintenance's timeline.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct MaintenanceUpdate {
    /// Its id: later updates have greater ids.
    pub id: i64,
    /// The maintenance's status as of this update.
    pub status: MaintenanceStatus,
    /// What is known, for people.
    pub message: String,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
    /// Who posted it: the subject of the token it was posted with, or `scheduler` for
    /// the server's own start and completion.
    pub created_by: String,
}

/// A maintenance as it is announced.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct NewMaintenance {
    /// What is done, in a line (1 to 200 characters).
    #[schemars(length(min = 1, max = 200))]
    #[schemars(regex(pattern = r"^[^\u0000]*$"))]
    pub name: String,
    /// What people should expect (at most 10,000 characters; empty when left out).
    #[serde(default)]
    #[schemars(length(max = 10000))]
    #[schemars(regex(pattern = r"^[^\u0000]*$"))]
    pub message: String,
    /// When it starts (RFC 3339).
    pub scheduled_for: DateTime<Utc>,
    /// When it ends (RFC 3339): after `scheduled_for`, and in the future.
    pub scheduled_until: DateTime<Utc>,
    /// The slugs of the components it takes down (at most 100; none when left out).
    #[serde(default)]
    pub components: Vec<String>,
}

/// An update posted to a maintenance: a message, and optionally the end of it.
#[derive(Clone, Debug, Serialize, JsonSchema, PartialEq, Eq)]
pub struct NewMaintenanceUpdate {
    /// `cancelled` (only while it is `scheduled`) or `completed` (only while it is
    /// `in_progress`: ends it early); left out, the status stays. Any other is `400`;
    /// a change its status does not allow is `409` (`TransitionNotAllowed`).
    #[serde(default)]
    pub status: Option<MaintenanceStatus>,
    /// What is known, for people (at most 10,000 characters; empty when left out).
    #[serde(default)]
    #[schemars(length(max = 10000))]
    #[schemars(regex(pattern = r"^[^\u0000]*$"))]
    pub message: String,
}

/// Read from a JSON object only: serde reads a struct from an array too, and every field
/// here has a default, so `[]` or `[null]` would be an update (found by schemathesis).
impl<'de> Deserialize<'de> for NewMaintenanceUpdate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Fields {
            #[serde(default)]
            status: Option<MaintenanceStatus>,
            #[serde(default)]
            message: String,
        }
        let object = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        let fields = Fields::deserialize(serde_json::Value::Object(object))
            .map_err(serde::de::Error::custom)?;
        Ok(Self {
            status: fields.status,
            message: fields.message,
        })
    }
}

impl NewMaintenance {
    /// The first field out of bounds, named (times in the past are the server's to judge:
    /// it knows what now is).
    pub fn check(&self) -> Result<(), String> {
        Limits::name("name", &self.name, Limits::NAME_MAX)?;
        Limits::text_up_to("message", &self.message, MESSAGE_MAX)?;
        if self.scheduled_until <= self.scheduled_for {
            return Err(format!(
                "scheduled_until ({}) must be after scheduled_for ({})",
                self.scheduled_until.to_rfc3339(),
                self.scheduled_for.to_rfc3339()
            ));
        }
        if self.components.len() > COMPONENTS_MAX {
            return Err(format!(
                "components must name at most {COMPONENTS_MAX} components (it names {})",
                self.components.len()
            ));
        }
        check_slugs(&self.components)
    }
}

impl NewMaintenanceUpdate {
    /// The first field out of bounds, named.
    pub fn check(&self) -> Result<(), String> {
        Limits::text_up_to("message", &self.message, MESSAGE_MAX)?;
        match self.status {
            None | Some(MaintenanceStatus::Cancelled | MaintenanceStatus::Completed) => Ok(()),
            Some(other) => Err(format!(
                "status {other:?} cannot be posted: only cancelled or completed (the server \
                 starts a maintenance itself)",
                other = other.as_str()
            )),
        }
    }
}

/// The path of one maintenance.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct MaintenancePath {
    /// The maintenance's id.
    pub id: i64,
}

wire_enum! {
    /// Which maintenances to list, and in which order.
    MaintenanceState ("state") {
        /// Not started yet (`scheduled`), soonest first.
        Upcoming = "upcoming",
        /// Under way (`in_progress`), soonest to start first.
        Active = "active",
        /// Over (`completed` or `cancelled`), latest first.
        Completed = "completed",
        /// Every one, latest to start first.
        All = "all",
    }
}

impl MaintenanceState {
    /// Whether its list runs from the soonest to start.
    pub fn soonest_first(self) -> bool {
        matches!(self, Self::Upcoming | Self::Active)
    }
}

/// Which maintenances to list.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct MaintenancesScan {
    /// `upcoming`, `active`, `completed` or `all` (the default).
    #[serde(default = "all_maintenances")]
    pub state: MaintenanceState,
}

fn all_maintenances() -> MaintenanceState {
    MaintenanceState::All
}

/// Where a page of maintenances starts (inside `page_token`): after the previous page's
/// last, in the list's order.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct MaintenancesPage {
    /// The first page's `state`.
    pub state: MaintenanceState,
    /// The previous page's last maintenance's `scheduled_for`.
    pub scheduled_for: DateTime<Utc>,
    /// The previous page's last maintenance.
    pub id: i64,
}

impl MaintenancesPage {
    /// The page, checked: `400` naming `page_token` when its time is out of what the
    /// server stores (a forged token).
    pub fn checked(self) -> Result<Self, crate::ApiError> {
        if crate::board::storable(&self.scheduled_for) {
            Ok(self)
        } else {
            Err(crate::board::forged_page_token())
        }
    }
}

#[cfg(test)]
mod object_only {
    use super::*;

    #[test]
    fn an_update_is_read_from_a_json_object_only() {
        for array in ["[]", "[null]", r#"["completed", "done"]"#] {
            assert!(
                serde_json::from_str::<NewMaintenanceUpdate>(array).is_err(),
                "{array}"
            );
        }
        let empty: NewMaintenanceUpdate = serde_json::from_str("{}").unwrap();
        assert_eq!((empty.status, empty.message.as_str()), (None, ""));
        let done: NewMaintenanceUpdate =
            serde_json::from_str(r#"{"status": "completed", "message": "Done.", "x": 1}"#)
                .unwrap();
        assert_eq!(done.status, Some(MaintenanceStatus::Completed));
        assert_eq!(done.message, "Done.");
    }
}
