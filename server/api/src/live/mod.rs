//! The live board's messages: what `GET /api/v1/events` (a WebSocket) sends, as JSON text
//! frames, one [`BoardEvent`] each.
//!
//! The messages travel outside the OpenAPI document, so their JSON Schema
//! ([`board_event_schema`]) is generated and checked in beside the documents, one file per
//! API version that serves the channel (`openapi-events/events-<version>.schema.json`),
//! and `cargo xtask openapi check` fails when it drifts; a released version's file never
//! changes.
//!
//! From API 4.0.0 the live board streams the change log: a `board` message, the reports of
//! the window, `caught_up`, then every change, each with its change id. API 3.0.0's
//! messages ([`v3`]) stream reports only.

pub mod v3;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Component, Incident, Maintenance, StatusReport};

/// A message of the live board. Every message is a JSON object whose `type` says which;
/// every change carries `change`, its id in the board's change log (changes come in
/// increasing `change` order, each once).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BoardEvent {
    /// The whole board as it is after the change `change`: every component, ordered by
    /// slug, the unresolved incidents and the maintenances in progress or scheduled (as
    /// `GET /api/v1/summary` lists them). Sent first on a connection without `after`, and
    /// instead of a replay when `after` is further behind than the server replays.
    Board {
        /// The last change the board reflects.
        change: i64,
        /// Every component, with its status.
        components: Vec<Component>,
        /// The unresolved incidents, newest first, each with its latest update only.
        incidents: Vec<Incident>,
        /// The maintenances in progress, then those scheduled, soonest first, each with
        /// its latest update only.
        maintenances: Vec<Maintenance>,
    },
    /// A component was created or updated (its name or description); the component as
    /// `GET /api/v1/components/{slug}` shows it.
    Component {
        /// The change's id.
        change: i64,
        /// The component.
        #[serde(flatten)]
        component: Component,
    },
    /// A component was deleted, with its reports.
    ComponentDeleted {
        /// The change's id.
        change: i64,
        /// The deleted component's slug.
        slug: String,
    },
    /// A status report was recorded (the component's status is now the report's); the
    /// report as `GET /api/v1/components/{slug}/reports` shows it. After a `board`
    /// message, the reports of the last `WS_INITIAL_HOURS` hours come as these, oldest
    /// first, before `caught_up`.
    Report {
        /// The change's id.
        change: i64,
        /// The report.
        #[serde(flatten)]
        report: StatusReport,
    },
    /// An incident was opened or updated; the incident as `GET /api/v1/incidents/{id}`
    /// shows it, with every update. The statuses it gave components come as `report`
    /// messages just before it.
    Incident {
        /// The change's id.
        change: i64,
        /// The incident.
        #[serde(flatten)]
        incident: Incident,
    },
    /// A scheduled maintenance was announced, updated, started, completed or cancelled;
    /// the maintenance as `GET /api/v1/maintenances/{id}` shows it. The statuses it gave
    /// components come as `report` messages just before it.
    Maintenance {
        /// The change's id.
        change: i64,
        /// The maintenance.
        #[serde(flatten)]
        maintenance: Maintenance,
    },
    /// The board and its backlog have been sent; what follows is live. Sent once per
    /// connection.
    CaughtUp,
}

impl BoardEvent {
    /// The major API version from which the live board sends messages of type `kind` (a
    /// subscriber of an older version never gets them, so its messages do not change);
    /// `None` for a type this API does not have (one a newer server writes). A kind of
    /// change is the `type` of its message.
    pub fn since(kind: &str) -> Option<u64> {
        match kind {
            "board" | "component" | "component_deleted" | "report" | "caught_up" => Some(4),
            "incident" | "maintenance" => Some(6),
            _ => None,
        }
    }

    /// The change id the message carries (`None` for `caught_up`): reconnect with
    /// `after=<the last one received>`.
    pub fn change(&self) -> Option<i64> {
        match self {
            Self::Board { change, .. }
            | Self::Component { change, .. }
            | Self::ComponentDeleted { change, .. }
            | Self::Report { change, .. }
            | Self::Incident { change, .. }
            | Self::Maintenance { change, .. } => Some(*change),
            Self::CaughtUp => None,
        }
    }
}

/// Where a subscription to the change log starts.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct ChangesQuery {
    /// Resume after this change id (the last `change` received): every later change is
    /// sent, and none twice. Without it, or when it is further behind than the server
    /// replays (more than 10,000 changes, or older than the `WS_INITIAL_HOURS` window), the
    /// server sends a fresh `board` message instead and goes on from there.
    pub after: Option<i64>,
}

/// The JSON Schema of the live board's messages in API version `major` (3: [`v3`]'s,
/// 4 and 5: [`crate::v5::BoardEvent`]'s, 6 on: [`BoardEvent`]'s, with the messages that
/// version has, see [`BoardEvent::since`]), as checked in (pretty, with a final newline).
pub fn board_event_schema(major: u64) -> String {
    let mut schema = match major {
        ..4 => schemars::schema_for!(v3::BoardEvent),
        4..=crate::v5::MAJOR => schemars::schema_for!(crate::v5::BoardEvent),
        _ => schemars::schema_for!(BoardEvent),
    };
    if major > crate::v5::MAJOR
        && let Some(variants) = schema
            .schema
            .subschemas
            .as_mut()
            .and_then(|s| s.one_of.as_mut())
    {
        variants.retain(|variant| {
            message_type(variant)
                .is_none_or(|kind| BoardEvent::since(&kind).is_some_and(|since| since <= major))
        });
    }
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The `type` a variant's schema fixes, if it fixes one.
fn message_type(variant: &schemars::schema::Schema) -> Option<String> {
    let schemars::schema::Schema::Object(object) = variant else {
        return None;
    };
    let tag = object.object.as_ref()?.properties.get("type")?;
    let schemars::schema::Schema::Object(tag) = tag else {
        return None;
    };
    tag.enum_values
        .as_ref()?
        .first()?
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ComponentStatus;

    #[test]
    fn changes_are_tagged_objects_with_their_change_id() {
        let report = StatusReport {
            id: 7,
            component: "db".to_owned(),
            status: ComponentStatus::MajorOutage,
            message: "down".to_owned(),
            reported_by: "ops".to_owned(),
            reported_at: "2026-11-29T09:00:00Z".parse().unwrap(),
        };
        let event = BoardEvent::Report { change: 12, report };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "report");
        assert_eq!(json["change"], 12);
        assert_eq!(json["id"], 7);
        let back: BoardEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
        assert_eq!(back.change(), Some(12));
        let deleted = r#"{"type":"component_deleted","change":3,"slug":"db"}"#;
        let deleted: BoardEvent = serde_json::from_str(deleted).unwrap();
        assert_eq!(deleted.change(), Some(3));
        assert!(board_event_schema(4).contains("component_deleted"));
        assert!(!board_event_schema(3).contains("component_deleted"));
        assert!(board_event_schema(6).contains("\"incident\""));
        assert!(!board_event_schema(5).contains("\"incident\""));
    }

    #[test]
    fn every_message_type_of_the_schema_has_its_version() {
        let schema = schemars::schema_for!(BoardEvent);
        let variants = schema.schema.subschemas.unwrap().one_of.unwrap();
        assert_eq!(variants.len(), 7);
        for variant in &variants {
            let kind = message_type(variant).expect("every message fixes its type");
            assert!(BoardEvent::since(&kind).is_some(), "{kind}");
        }
        assert_eq!(BoardEvent::since("webhook"), None);
    }
}
