//! The status board's types: components and the status reports that other services record
//! about them (names after Atlassian Statuspage's vocabulary).
//!
//! The limits below are declared in each type's JSON Schema (so the documents, the clients
//! and contract fuzzing know them) and checked by [`Limits::check`] on the server, which
//! names the first field out of bounds.

use chrono::{DateTime, Datelike, Utc};
use dropshot::{ApiEndpointResponse, Body, HttpError, HttpResponse, HttpResponseOk};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{ApiError, ErrorCode, echo};
use crate::wire_enum::wire_enum;

mod idempotency;
mod limits;
mod slug;
mod slug_path;

pub use idempotency::{IdempotencyKey, IdempotencyKeyHeader};
pub use limits::Limits;
pub use slug::{InvalidSlug, Slug};
pub use slug_path::SlugPath;

wire_enum! {
    /// How a component is doing: the status of its latest report (`operational` before its
    /// first).
    ComponentStatus ("status") {
        /// Working normally.
        Operational = "operational",
        /// Working, slower than usual.
        DegradedPerformance = "degraded_performance",
        /// Partly unavailable.
        PartialOutage = "partial_outage",
        /// Unavailable.
        MajorOutage = "major_outage",
        /// Taken down on purpose for maintenance.
        UnderMaintenance = "under_maintenance",
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
    /// When its name, description, group or status last changed.
    pub updated_at: DateTime<Utc>,
    /// The group the summary lists it under (1 to 100 characters); `null` when it has
    /// none.
    pub group: Option<String>,
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
    /// The group the summary lists it under (1 to 100 characters); none when left out.
    #[serde(default)]
    #[schemars(length(min = 1, max = 100))]
    #[schemars(regex(pattern = r"^[^\u0000]*$"))]
    pub group: Option<String>,
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
    #[schemars(regex(pattern = r"^[^\u0000]*$"))]
    pub message: String,
}

/// The path of one component as the versions before 11.0.0 document it: `{slug}` a plain
/// string, which the server parses (their twins hand it on as a [`SlugPath`]).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct ComponentPath {
    /// The component's slug: lower-case letters, digits and `-`, starting with a letter
    /// or digit, at most 63 characters (`^[a-z0-9][a-z0-9-]{0,62}$`). Not a pattern in
    /// the schema, so that generated clients take a plain string; the server checks it.
    slug: String,
}

impl ComponentPath {
    /// The slug, parsed: `400 InvalidInput` when it is not one.
    pub fn slug(&self) -> Result<Slug, InvalidSlug> {
        Slug::parse(&self.slug)
    }
}

/// Where a page of components starts: after this slug (inside `page_token`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct ComponentsPage {
    /// The last slug of the previous page.
    pub after: String,
}

/// Which reports to list.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct ReportsScan {
    /// Only reports recorded at or after this time (RFC 3339, e.g.
    /// `2026-11-29T09:00:00Z`).
    #[serde(default, deserialize_with = "rfc3339")]
    pub since: Option<DateTime<Utc>>,
}

impl ComponentsPage {
    /// The slug to start after: `400` naming `page_token` when the token holds none (a
    /// forged one).
    pub fn after(&self) -> Result<Slug, ApiError> {
        Slug::parse(&self.after).map_err(|_| forged_page_token())
    }
}

/// Where a page of reports starts (inside `page_token`): after the previous page's last
/// report, with the first page's `since`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct ReportsPage {
    /// The first page's `since`.
    pub since: Option<DateTime<Utc>>,
    /// When the previous page's last report was recorded.
    pub reported_at: DateTime<Utc>,
    /// The previous page's last report.
    pub id: i64,
}

impl ReportsPage {
    /// The page, checked: `400` naming `page_token` when its times are out of what the
    /// server stores (a forged token: years 1 to 9999 only).
    pub fn checked(self) -> Result<Self, ApiError> {
        if storable(&self.reported_at) && self.since.as_ref().is_none_or(storable) {
            Ok(self)
        } else {
            Err(forged_page_token())
        }
    }
}

/// Whether PostgreSQL can store `time` (years 1 to 9999: what a page token this server
/// issued holds).
pub(crate) fn storable(time: &DateTime<Utc>) -> bool {
    (1..=9999).contains(&time.year())
}

/// The `400` for a `page_token` this server did not issue.
pub(crate) fn forged_page_token() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidRequest,
        "page_token is not one this server issued: start again from the first page",
    )
}

/// `since` read as RFC 3339; an error names the field.
fn rfc3339<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&text)
        .map(|time| Some(time.with_timezone(&Utc)))
        .map_err(|e| {
            serde::de::Error::custom(format!(
                "since {} is not an RFC 3339 time such as 2026-11-29T09:00:00Z: {e}",
                echo(&text)
            ))
        })
}

/// The answer of `PUT /api/v1/components/{slug}`: the component, `201 Created` (with
/// `Location`) when the request created it, `200` when it updated it. The document can
/// show one success status per operation (dropshot's model): it shows `200` and says
/// so in the description.
#[derive(Debug)]
pub struct ComponentSaved<C = Component> {
    component: C,
    /// The component's slug, when the request created it (for `Location`).
    created: Option<String>,
    headers: http::HeaderMap,
}

impl ComponentSaved {
    /// The answer for `component`, which the request `created` or updated.
    pub fn new(component: Component, created: bool) -> Self {
        Self {
            created: created.then(|| component.slug.clone()),
            component,
            headers: http::HeaderMap::new(),
        }
    }
}

impl<C> ComponentSaved<C> {
    /// The same answer with the component as `f` makes it (as an older version shows it).
    pub fn map<D>(self, f: impl FnOnce(C) -> D) -> ComponentSaved<D> {
        ComponentSaved {
            component: f(self.component),
            created: self.created,
            headers: self.headers,
        }
    }

    /// The extra headers to send.
    pub fn headers_mut(&mut self) -> &mut http::HeaderMap {
        &mut self.headers
    }
}

impl<C> HttpResponse for ComponentSaved<C>
where
    C: Serialize + JsonSchema + Send + Sync + 'static,
{
    fn to_result(self) -> Result<http::Response<Body>, HttpError> {
        let status = HttpResponse::status_code(&self);
        let body = serde_json::to_vec(&self.component)
            .map_err(|e| HttpError::for_internal_error(e.to_string()))?;
        let mut response = http::Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, dropshot::CONTENT_TYPE_JSON);
        if let Some(slug) = &self.created {
            response =
                response.header(http::header::LOCATION, format!("/api/v1/components/{slug}"));
        }
        let mut response = response
            .body(Body::from(body))
            .map_err(|e| HttpError::for_internal_error(e.to_string()))?;
        response.headers_mut().extend(self.headers);
        Ok(response)
    }

    fn response_metadata() -> ApiEndpointResponse {
        let mut metadata = <HttpResponseOk<C> as HttpResponse>::response_metadata();
        metadata.description =
            Some("The component: `201 Created` when created, `200` when updated".to_owned());
        metadata
    }

    fn status_code(&self) -> http::StatusCode {
        if self.created.is_some() {
            http::StatusCode::CREATED
        } else {
            http::StatusCode::OK
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_out_of_bounds_are_named() {
        let update = |name: &str, description: &str| ComponentUpdate {
            name: name.to_owned(),
            description: description.to_owned(),
            group: None,
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
        for (name, description) in [("a\0b", ""), ("Database", "\0")] {
            let err = Limits::component(&update(name, description)).unwrap_err();
            assert!(err.contains("NUL"), "{err}");
        }
    }

    #[test]
    fn statuses_round_trip_by_name() {
        for &status in ComponentStatus::ALL {
            assert_eq!(ComponentStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(ComponentStatus::parse("down"), None);
        let err = serde_json::from_str::<NewStatusReport>(r#"{"status": "down"}"#).unwrap_err();
        assert!(
            err.to_string().starts_with("status \"down\" is unknown"),
            "{err}"
        );
    }

    #[test]
    fn since_is_rfc3339_and_named_when_not() {
        let scan: ReportsScan =
            serde_json::from_str(r#"{"since": "2026-11-29T10:00:00+01:00"}"#).unwrap();
        assert_eq!(
            scan.since.map(|t| t.to_rfc3339()),
            Some("2026-11-29T09:00:00+00:00".to_owned())
        );
        let err = serde_json::from_str::<ReportsScan>(r#"{"since": "yesterday"}"#).unwrap_err();
        assert!(err.to_string().starts_with("since \"yesterday\""), "{err}");
        let none: ReportsScan = serde_json::from_str("{}").unwrap();
        assert_eq!(none.since, None);
    }
}
