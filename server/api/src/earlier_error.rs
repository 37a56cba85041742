//! [`EarlierError`]: [`crate::ApiError`] as an earlier API version describes it, for the
//! operations that version serves: the same body, whose `error_code` lists only the codes
//! that version knows (the operations that answer a newer code are newer), so that its
//! released document never changes when a version adds a code.

use dropshot::{ErrorStatusCode, HttpError, HttpResponseError};
use schemars::JsonSchema;
use schemars::r#gen::SchemaGenerator;
use schemars::schema::Schema;
use serde::{Serialize, Serializer};

use crate::answer::ErrorBody;

/// An error answer as the document of major version `MAJOR` describes it: the same body,
/// whose `error_code` lists the codes of `MAJOR` only.
#[derive(Debug)]
pub struct EarlierError<const MAJOR: u64>(crate::ApiError);

impl<const MAJOR: u64> From<crate::ApiError> for EarlierError<MAJOR> {
    fn from(error: crate::ApiError) -> Self {
        Self(error)
    }
}

impl<const MAJOR: u64> From<HttpError> for EarlierError<MAJOR> {
    fn from(error: HttpError) -> Self {
        Self(error.into())
    }
}

impl<const MAJOR: u64> From<EarlierError<MAJOR>> for crate::ApiError {
    fn from(error: EarlierError<MAJOR>) -> Self {
        error.0
    }
}

/// For the operations of the versions before 5.0.0, which answer dropshot's `Error`.
impl<const MAJOR: u64> From<EarlierError<MAJOR>> for HttpError {
    fn from(error: EarlierError<MAJOR>) -> Self {
        error.0.into()
    }
}

impl<const MAJOR: u64> std::fmt::Display for EarlierError<MAJOR> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<const MAJOR: u64> Serialize for EarlierError<MAJOR> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<const MAJOR: u64> HttpResponseError for EarlierError<MAJOR> {
    fn status_code(&self) -> ErrorStatusCode {
        self.0.status()
    }
}

impl<const MAJOR: u64> ErrorBody for EarlierError<MAJOR> {
    fn status(&self) -> http::StatusCode {
        ErrorBody::status(&self.0)
    }
    fn headers_mut(&mut self) -> &mut http::HeaderMap {
        self.0.headers_mut()
    }
    fn set_request_id(&mut self, id: &str) {
        self.0.set_request_id(id);
    }
}

impl<const MAJOR: u64> JsonSchema for EarlierError<MAJOR> {
    fn schema_name() -> String {
        "ApiError".to_owned()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        Described::<MAJOR>::json_schema(generator)
    }
}

/// The body of [`EarlierError`], for its schema: the fields and descriptions of
/// [`crate::ApiError`], with the version's [`EarlierCode`].
/// An error answer: what went wrong (`error_code`), a message for people, and the
/// request's id to quote when reporting it.
#[derive(JsonSchema)]
#[schemars(rename = "ApiError")]
#[allow(dead_code)]
struct Described<const MAJOR: u64> {
    /// The request's id (also in the `x-request-id` header).
    request_id: String,
    /// What went wrong, for code to test.
    error_code: EarlierCode<MAJOR>,
    /// What went wrong, for people.
    message: String,
}

/// [`crate::ErrorCode`] as major version `MAJOR` lists it: the codes whose
/// [`since`](crate::ErrorCode::since) is at most `MAJOR`.
#[derive(Debug)]
pub enum EarlierCode<const MAJOR: u64> {}

impl<const MAJOR: u64> JsonSchema for EarlierCode<MAJOR> {
    fn schema_name() -> String {
        "ErrorCode".to_owned()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = crate::ErrorCode::json_schema(generator);
        if let Schema::Object(object) = &mut schema
            && let Some(variants) = object.subschemas.as_mut().and_then(|s| s.one_of.as_mut())
        {
            variants.retain(|variant| {
                let code = match variant {
                    Schema::Object(v) => v.enum_values.as_ref().and_then(|e| e.first()),
                    Schema::Bool(_) => None,
                };
                code.and_then(|code| code.as_str())
                    .and_then(crate::ErrorCode::parse)
                    .is_some_and(|code| code.since() <= MAJOR)
            });
        }
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_of_later_versions_are_left_out() {
        let schema = serde_json::to_string(&schemars::schema_for!(EarlierCode<5>)).unwrap();
        assert!(schema.contains("\"ComponentNotFound\""), "{schema}");
        assert!(!schema.contains("\"IncidentNotFound\""), "{schema}");
        let schema = serde_json::to_string(&schemars::schema_for!(EarlierCode<6>)).unwrap();
        assert!(schema.contains("\"IncidentNotFound\""), "{schema}");
        assert!(!schema.contains("\"WebhookNotFound\""), "{schema}");
        let latest = serde_json::to_string(&schemars::schema_for!(crate::ErrorCode)).unwrap();
        assert!(latest.contains("\"WebhookNotFound\""), "{latest}");
    }
}
