//! The status board's types: components and the status reports that other services record
//! about them (names after Atlassian Statuspage's vocabulary).
//!
//! The limits below are declared in each type's JSON Schema (so the documents, the clients
//! and contract fuzzing know them) and checked by [`Limits::check`] on the server, which
//! names the first field out of bounds.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a component is doing: the status of its latest report (`operational` before its
/// first).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    /// Working normally.
    Operational,
    /// Working, slower than usual.
    DegradedPerformance,
    /// Partly unavailable.
    PartialOutage,
    /// Unavailable.
    MajorOutage,
    /// Taken down on purpose for maintenance.
    UnderMaintenance,
}

impl ComponentStatus {
    /// Every status, in order of severity (maintenance last).
    pub const ALL: [Self; 5] = [
        Self::Operational,
        Self::DegradedPerformance,
        Self::PartialOutage,
        Self::MajorOutage,
        Self::UnderMaintenance,
    ];

    /// Its name on the wire and in the database: `degraded_performance`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operational => "operational",
            Self::DegradedPerformance => "degraded_performance",
            Self::PartialOutage => "partial_outage",
            Self::MajorOutage => "major_outage",
            Self::UnderMaintenance => "under_maintenance",
        }
    }

    /// The status called `name`, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A part of the service whose status the board shows.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Component {
    /// Its identity in paths: lower-case letters, digits and `-`, starting with a letter
    /// or digit, at most 63 characters.
    pub slug: String,
    /// Its name as people read it (1 to 200 characters).
    pub name: String,
    /// What it is (at most 2,000 characters).
    pub description: String,
    /// The status of its latest report; `operational` before its first.
    pub status: ComponentStatus,
    /// When its name, description or status last changed.
    pub updated_at: DateTime<Utc>,
}

/// What a component is called and what it is, as created or updated.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct ComponentUpdate {
    /// Its name as people read it (1 to 200 characters).
    #[schemars(length(min = 1, max = 200))]
    pub name: String,
    /// What it is (at most 2,000 characters; empty when left out).
    #[serde(default)]
    #[schemars(length(max = 2000))]
    pub description: String,
}

/// A status recorded for a component.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct StatusReport {
    /// Its id: later reports have greater ids.
    pub id: i64,
    /// The component's slug.
    pub component: String,
    /// The component's status as of this report.
    pub status: ComponentStatus,
    /// What happened, for people (at most 2,000 characters).
    pub message: String,
    /// Who reported it: the subject of the token it was recorded with.
    pub reported_by: String,
    /// When the server recorded it.
    pub reported_at: DateTime<Utc>,
}

/// A report as a service sends it.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct NewStatusReport {
    /// The component's status as of now.
    pub status: ComponentStatus,
    /// What happened, for people (at most 2,000 characters; empty when left out).
    #[serde(default)]
    #[schemars(length(max = 2000))]
    pub message: String,
}

/// The bounds of the board's fields, checked on the server.
#[derive(Debug)]
pub enum Limits {}

impl Limits {
    /// The longest slug.
    pub const SLUG_MAX: usize = 63;
    /// The longest name.
    pub const NAME_MAX: usize = 200;
    /// The longest description or message.
    pub const TEXT_MAX: usize = 2000;

    /// Whether `slug` is a valid slug: `^[a-z0-9][a-z0-9-]{0,62}$`.
    pub fn slug(slug: &str) -> Result<(), String> {
        let mut chars = slug.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if first_ok && rest_ok && slug.len() <= Self::SLUG_MAX {
            Ok(())
        } else {
            Err(format!(
                "slug {slug:?} is invalid: expected lower-case letters, digits and `-`, \
                 starting with a letter or digit, at most {} characters",
                Self::SLUG_MAX
            ))
        }
    }

    /// The first field of `update` out of bounds, named.
    pub fn component(update: &ComponentUpdate) -> Result<(), String> {
        let name = update.name.chars().count();
        if name == 0 || name > Self::NAME_MAX {
            return Err(format!(
                "name must have 1 to {} characters (it has {name})",
                Self::NAME_MAX
            ));
        }
        Self::text("description", &update.description)
    }

    /// The first field of `report` out of bounds, named.
    pub fn report(report: &NewStatusReport) -> Result<(), String> {
        Self::text("message", &report.message)
    }

    fn text(field: &str, text: &str) -> Result<(), String> {
        let length = text.chars().count();
        if length > Self::TEXT_MAX {
            return Err(format!(
                "{field} must have at most {} characters (it has {length})",
                Self::TEXT_MAX
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for good in ["db", "0", "checkout-api", &"a".repeat(63)] {
            assert_eq!(Limits::slug(good), Ok(()), "{good}");
        }
        for bad in ["", "-db", "DB", "db_1", "dé", &"a".repeat(64), "a/b"] {
            let err = Limits::slug(bad).unwrap_err();
            assert!(err.starts_with("slug"), "{bad}: {err}");
        }
    }

    #[test]
    fn fields_out_of_bounds_are_named() {
        let update = |name: &str, description: &str| ComponentUpdate {
            name: name.to_owned(),
            description: description.to_owned(),
        };
        assert_eq!(Limits::component(&update("Database", "")), Ok(()));
        assert!(
            Limits::component(&update("", ""))
                .unwrap_err()
                .starts_with("name")
        );
        let long_name = "é".repeat(201);
        assert!(
            Limits::component(&update(&long_name, ""))
                .unwrap_err()
                .starts_with("name")
        );
        let long = "x".repeat(2001);
        let err = Limits::component(&update("Database", &long)).unwrap_err();
        assert!(err.starts_with("description"), "{err}");
        let report = NewStatusReport {
            status: ComponentStatus::MajorOutage,
            message: long,
        };
        assert!(Limits::report(&report).unwrap_err().starts_with("message"));
    }

    #[test]
    fn statuses_round_trip_by_name() {
        for status in ComponentStatus::ALL {
            assert_eq!(ComponentStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(ComponentStatus::parse("down"), None);
    }
}
