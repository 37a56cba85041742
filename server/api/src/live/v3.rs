//! The live board's messages in API 3.0.0, which streams status reports only and resumes
//! after a report id. Kept as released: its subscribers get exactly these.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::StatusReport;

/// A message of the live board. Every message is a JSON object whose `type` says which.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BoardEvent {
    /// A status report, as `GET /api/v1/components/{slug}/reports` shows it: first those of
    /// the window (or after `after`), oldest first, then each new one once it is committed.
    /// Reports come in increasing `id` order, each once.
    Report(StatusReport),
    /// Every report of the window (or after `after`) has been sent; what follows is live.
    /// Sent once per connection.
    CaughtUp,
}

/// Where a subscription starts.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct EventsQuery {
    /// Resume after this report id (the last one received): every later report is sent,
    /// and none twice. Without it, the reports of the last `WS_INITIAL_HOURS` hours.
    pub after: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ComponentStatus;

    #[test]
    fn messages_are_tagged_objects() {
        let report = StatusReport {
            id: 7,
            component: "db".to_owned(),
            status: ComponentStatus::MajorOutage,
            message: "down".to_owned(),
            reported_by: "ops".to_owned(),
            reported_at: "2026-11-29T09:00:00Z".parse().unwrap(),
        };
        let json = serde_json::to_value(BoardEvent::Report(report.clone())).unwrap();
        assert_eq!(json["type"], "report");
        assert_eq!(json["id"], 7);
        assert_eq!(
            serde_json::to_string(&BoardEvent::CaughtUp).unwrap(),
            r#"{"type":"caught_up"}"#
        );
        let back: BoardEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, BoardEvent::Report(report));
        assert!(super::super::board_event_schema(3).contains("caught_up"));
    }
}
