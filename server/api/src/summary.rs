//! The summary a status page reads in one request: the overall indicator, the components
//! by group, the unresolved incidents and the maintenances under way or to come.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::board::{Component, ComponentStatus};
use crate::incidents::{Impact, Incident};
use crate::maintenances::{Maintenance, MaintenanceStatus};
use crate::wire_enum::wire_enum;

wire_enum! {
    /// How the service is doing overall (see [`Indicator::of`] for the rule).
    Indicator ("indicator") {
        /// Nothing is wrong.
        None = "none",
        /// Something minor is wrong.
        Minor = "minor",
        /// Part of the service is down.
        Major = "major",
        /// The service is down.
        Critical = "critical",
        /// Nothing is wrong but a maintenance is under way.
        Maintenance = "maintenance",
    }
}

impl Indicator {
    /// The rule, the worst of:
    ///
    /// * each unresolved incident's impact (`none`, `minor`, `major`, `critical`);
    /// * each component's status: `degraded_performance` → `minor`, `partial_outage` →
    ///   `major`, `major_outage` → `major`, or `critical` when every component is in
    ///   `major_outage`;
    ///
    /// and, when that is `none` while a maintenance is in progress, `maintenance`.
    pub fn of(
        incidents: &[Incident],
        components: &[Component],
        maintenances: &[Maintenance],
    ) -> Self {
        let from_incidents = incidents
            .iter()
            .filter(|incident| incident.resolved_at.is_none())
            .map(|incident| match incident.impact {
                Impact::None => 0,
                Impact::Minor => 1,
                Impact::Major => 2,
                Impact::Critical => 3,
            });
        let all_down = !components.is_empty()
            && components
                .iter()
                .all(|c| c.status == ComponentStatus::MajorOutage);
        let from_components = components.iter().map(|component| match component.status {
            ComponentStatus::Operational | ComponentStatus::UnderMaintenance => 0,
            ComponentStatus::DegradedPerformance => 1,
            ComponentStatus::PartialOutage => 2,
            ComponentStatus::MajorOutage if all_down => 3,
            ComponentStatus::MajorOutage => 2,
        });
        match from_incidents.chain(from_components).max().unwrap_or(0) {
            3 => Self::Critical,
            2 => Self::Major,
            1 => Self::Minor,
            _ if maintenances
                .iter()
                .any(|m| m.status == MaintenanceStatus::InProgress) =>
            {
                Self::Maintenance
            }
            _ => Self::None,
        }
    }

    /// The indicator in words, for the page's banner.
    pub fn description(self) -> &'static str {
        match self {
            Self::None => "All Systems Operational",
            Self::Minor => "Minor Service Outage",
            Self::Major => "Partial System Outage",
            Self::Critical => "Major System Outage",
            Self::Maintenance => "Service Under Maintenance",
        }
    }
}

/// How the service is doing overall.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct OverallStatus {
    /// The worst of the unresolved incidents' impacts and the components' statuses:
    /// `degraded_performance` counts as `minor`, `partial_outage` and `major_outage` as
    /// `major`, every component in `major_outage` as `critical`; `maintenance` when
    /// nothing is wrong but a maintenance is in progress.
    pub indicator: Indicator,
    /// The indicator in words: "All Systems Operational", "Minor Service Outage",
    /// "Partial System Outage", "Major System Outage" or "Service Under Maintenance".
    pub description: String,
}

/// The components of one group.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct ComponentGroup {
    /// The group's name; `null` for the components without a group.
    pub name: Option<String>,
    /// Its components, ordered by slug.
    pub components: Vec<Component>,
}

/// Everything a status page shows, as of one change of the board.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Summary {
    /// The last change of the board's change log it reflects (the live board's `change`).
    pub change: i64,
    /// How the service is doing overall.
    pub status: OverallStatus,
    /// The components by group: the components without a group first, then each group by
    /// name.
    pub components: Vec<ComponentGroup>,
    /// The unresolved incidents, newest first, each with its latest update only (at most
    /// 100).
    pub incidents: Vec<Incident>,
    /// The maintenances in progress, then those scheduled, soonest first, each with its
    /// latest update only (at most 100).
    pub maintenances: Vec<Maintenance>,
}

impl Summary {
    /// The summary of a board as of `change`: its indicator, and its components grouped.
    pub fn new(
        change: i64,
        components: Vec<Component>,
        incidents: Vec<Incident>,
        maintenances: Vec<Maintenance>,
    ) -> Self {
        let indicator = Indicator::of(&incidents, &components, &maintenances);
        let mut groups: std::collections::BTreeMap<Option<String>, Vec<Component>> =
            std::collections::BTreeMap::new();
        for component in components {
            groups
                .entry(component.group.clone())
                .or_default()
                .push(component);
        }
        Self {
            change,
            status: OverallStatus {
                indicator,
                description: indicator.description().to_owned(),
            },
            components: groups
                .into_iter()
                .map(|(name, components)| ComponentGroup { name, components })
                .collect(),
            incidents,
            maintenances,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::IncidentStatus;

    fn component(slug: &str, status: ComponentStatus, group: Option<&str>) -> Component {
        Component {
            slug: slug.to_owned(),
            name: slug.to_owned(),
            description: String::new(),
            status,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            group: group.map(str::to_owned),
        }
    }

    fn incident(impact: Impact) -> Incident {
        Incident {
            id: 1,
            name: "db".to_owned(),
            status: IncidentStatus::Investigating,
            impact,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            resolved_at: None,
            components: vec![],
            updates: vec![],
        }
    }

    #[test]
    fn the_indicator_is_the_worst_of_impacts_and_statuses() {
        use ComponentStatus::*;
        let up = component("api", Operational, None);
        let slow = component("db", DegradedPerformance, None);
        let down = component("db", MajorOutage, None);
        assert_eq!(
            Indicator::of(&[], std::slice::from_ref(&up), &[]),
            Indicator::None
        );
        assert_eq!(
            Indicator::of(&[], std::slice::from_ref(&slow), &[]),
            Indicator::Minor
        );
        assert_eq!(
            Indicator::of(&[], &[up.clone(), down.clone()], &[]),
            Indicator::Major
        );
        assert_eq!(
            Indicator::of(&[], std::slice::from_ref(&down), &[]),
            Indicator::Critical
        );
        let critical = incident(Impact::Critical);
        assert_eq!(
            Indicator::of(&[critical], std::slice::from_ref(&up), &[]),
            Indicator::Critical
        );
        let mut resolved = incident(Impact::Major);
        resolved.resolved_at = Some(chrono::DateTime::UNIX_EPOCH);
        assert_eq!(Indicator::of(&[resolved], &[up], &[]), Indicator::None);
        assert_eq!(Indicator::Critical.description(), "Major System Outage");
    }

    #[test]
    fn components_are_grouped_ungrouped_first() {
        use ComponentStatus::Operational;
        let summary = Summary::new(
            3,
            vec![
                component("a", Operational, Some("Backend")),
                component("b", Operational, None),
                component("c", Operational, Some("Apps")),
            ],
            vec![],
            vec![],
        );
        let names: Vec<_> = summary.components.iter().map(|g| g.name.clone()).collect();
        assert_eq!(
            names,
            [None, Some("Apps".to_owned()), Some("Backend".to_owned())]
        );
        assert_eq!(summary.status.description, "All Systems Operational");
    }
}
