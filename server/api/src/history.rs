//! History (API 8.0.0 on): each component's time in each status per UTC day and its
//! uptime, and the badges that show a component's status or uptime where people already
//! look (READMEs, dashboards).
//!
//! # The uptime rule
//!
//! A day's (or a range's) uptime is `1 - (major_outage + 0.3 × partial_outage) /
//! (operational + degraded_performance + partial_outage + major_outage)`, the seconds
//! spent in each status: `major_outage` counts as down, `partial_outage` as 0.3 down
//! ([`PARTIAL_OUTAGE_WEIGHT`], the weight Instatus gives it), `degraded_performance` as up,
//! and time `under_maintenance` is left out. A component is counted from its creation; a
//! day with no counted time has no uptime (`null`).

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How much of a major outage a second of partial outage counts as.
pub const PARTIAL_OUTAGE_WEIGHT: f64 = 0.3;
/// The most days one uptime answer covers.
pub const UPTIME_DAYS_MAX: u16 = 366;
/// The days an uptime answer covers when the request does not say.
pub const UPTIME_DAYS_DEFAULT: u16 = 90;
/// The days an uptime badge covers when the request does not say.
pub const BADGE_DAYS_DEFAULT: u16 = 30;

/// Seconds spent in each status (to the microsecond).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
pub struct StatusSeconds {
    /// Seconds `operational`.
    pub operational: f64,
    /// Seconds `degraded_performance` (counted as up).
    pub degraded_performance: f64,
    /// Seconds `partial_outage` (counted as 0.3 down).
    pub partial_outage: f64,
    /// Seconds `major_outage` (counted as down).
    pub major_outage: f64,
    /// Seconds `under_maintenance` (left out of the uptime).
    pub under_maintenance: f64,
}

/// One UTC day of a component.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
pub struct UptimeDay {
    /// The day (UTC).
    pub date: NaiveDate,
    /// The seconds the component spent in each status that day: all zero before its
    /// creation and after now; today's count up to now.
    pub seconds: StatusSeconds,
    /// The day's uptime, from 0 to 1 (see the rule in `ComponentUptime`); `null` when the
    /// day has no counted time.
    pub uptime: Option<f64>,
}

/// A component's uptime over a range of days.
///
/// Uptime is `1 - (major_outage + 0.3 × partial_outage) / (operational +
/// degraded_performance + partial_outage + major_outage)`: a major outage counts as down,
/// a partial outage as 0.3 down, degraded performance as up, and time under maintenance
/// is left out. A component is counted from its creation.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
pub struct ComponentUptime {
    /// The component's slug.
    pub component: String,
    /// The range's first day.
    pub from: NaiveDate,
    /// The range's last day (included).
    pub to: NaiveDate,
    /// The seconds in each status over the whole range.
    pub seconds: StatusSeconds,
    /// The range's uptime, from 0 to 1; `null` when the range has no counted time.
    pub uptime: Option<f64>,
    /// Every day of the range, oldest first.
    pub days: Vec<UptimeDay>,
}

/// Which days of a component to read.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct UptimeRange {
    /// The first day (`YYYY-MM-DD`, UTC); 89 days before `to` when left out.
    pub from: Option<NaiveDate>,
    /// The last day, included (`YYYY-MM-DD`, UTC); today when left out. At most 366 days
    /// after `from`.
    pub to: Option<NaiveDate>,
}

/// How many days of every component to read.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct UptimeScan {
    /// The number of days up to today, from 1 to 366 (90 when left out).
    #[schemars(range(min = 1, max = 366))]
    pub days: Option<u16>,
}

/// Where a page of uptimes starts (inside `page_token`): the first page's range, so that
/// every page covers the same days, and the previous page's last component.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct UptimePage {
    /// The range's first day.
    pub from: NaiveDate,
    /// The range's last day.
    pub to: NaiveDate,
    /// The last slug of the previous page.
    pub after: String,
}

impl UptimePage {
    /// The slug to start after: `400` naming `page_token` when the token holds none (a
    /// forged one).
    pub fn after(&self) -> Result<crate::Slug, crate::ApiError> {
        crate::Slug::parse(&self.after).map_err(|_| crate::board::forged_page_token())
    }
}

/// Which days an uptime badge covers.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct UptimeBadgeQuery {
    /// The number of days up to today, from 1 to 366 (30 when left out).
    #[schemars(range(min = 1, max = 366))]
    pub days: Option<u16>,
}

/// A badge as shields.io's endpoint badges read it
/// (`https://img.shields.io/endpoint?url=…`).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct ShieldsBadge {
    /// Always 1.
    #[serde(rename = "schemaVersion")]
    pub schema_version: u8,
    /// The left part: the component's name.
    pub label: String,
    /// The right part: its status, in words.
    pub message: String,
    /// The right part's colour: `brightgreen`, `yellow`, `orange`, `red` or `blue`.
    pub color: String,
}
