//! [`Component`] and [`ComponentUpdate`] as 5.0.0 describes them: without `group`.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ComponentStatus;

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

impl From<crate::Component> for Component {
    fn from(component: crate::Component) -> Self {
        Self {
            slug: component.slug,
            name: component.name,
            description: component.description,
            status: component.status,
            updated_at: component.updated_at,
        }
    }
}

/// What a component is called and what it is, as created or updated.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct ComponentUpdate {
    /// Its name as people read it (1 to 200 characters).
    #[schemars(length(min = 1, max = 200))]
    #[schemars(regex(pattern = r"^[^\u0000]*$"))]
    pub name: String,
    /// What it is (at most 2,000 characters; empty when left out).
    #[serde(default)]
    #[schemars(length(max = 2000))]
    #[schemars(regex(pattern = r"^[^\u0000]*$"))]
    pub description: String,
}
