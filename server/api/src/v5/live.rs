//! The live board's messages in API 4.0.0 and 5.0.0, whose components have no `group`
//! and whose `board` message holds components only. A subscriber of those versions gets
//! the messages of the kinds they know; a message may carry fields that 6.0.0 added
//! (JSON Schema lets an object carry more than it lists).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Component;
use crate::StatusReport;

/// A message of the live board. Every message is a JSON object whose `type` says which;
/// every change carries `change`, its id in the board's change log (changes come in
/// increasing `change` order, each once).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BoardEvent {
    /// The whole board as it is after the change `change`: every component, ordered by
    /// slug. Sent first on a connection without `after`, and instead of a replay when
    /// `after` is further behind than the server replays.
    Board {
        /// The last change the board reflects.
        change: i64,
        /// Every component, with its status.
        components: Vec<Component>,
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
    /// The board and its backlog have been sent; what follows is live. Sent once per
    /// connection.
    CaughtUp,
}
