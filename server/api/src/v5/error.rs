//! [`ApiError`] as 5.0.0 describes it.

use dropshot::{ErrorStatusCode, HttpError, HttpResponseError};
use schemars::JsonSchema;
use schemars::r#gen::SchemaGenerator;
use schemars::schema::Schema;
use serde::{Serialize, Serializer};

use super::MAJOR;
use crate::answer::ErrorBody;

/// An error answer as the 5.0.0 document describes it: the same body, whose `error_code`
/// lists the codes of 5.0.0 only (the operations that answer a newer code are newer).
#[derive(Debug)]
pub struct ApiError(crate::ApiError);

impl From<crate::ApiError> for ApiError {
    fn from(error: crate::ApiError) -> Self {
        Self(error)
    }
}

impl From<HttpError> for ApiError {
    fn from(error: HttpError) -> Self {
        Self(error.into())
    }
}

impl From<ApiError> for crate::ApiError {
    fn from(error: ApiError) -> Self {
        error.0
    }
}

/// For the operations of the versions before 5.0.0, which answer dropshot's `Error`.
impl From<ApiError> for HttpError {
    fn from(error: ApiError) -> Self {
        error.0.into()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for ApiError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl HttpResponseError for ApiError {
    fn status_code(&self) -> ErrorStatusCode {
        self.0.status()
    }
}

impl ErrorBody for ApiError {
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

impl JsonSchema for ApiError {
    fn schema_name() -> String {
        "ApiError".to_owned()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        Described::json_schema(generator)
    }
}

/// The body of [`ApiError`], for its schema: the fields and descriptions of
/// [`crate::ApiError`], with this version's [`ErrorCode`].
/// An error answer: what went wrong (`error_code`), a message for people, and the
/// request's id to quote when reporting it.
#[derive(JsonSchema)]
#[schemars(rename = "ApiError")]
#[allow(dead_code)]
struct Described {
    /// The request's id (also in the `x-request-id` header).
    request_id: String,
    /// What went wrong, for code to test.
    error_code: ErrorCode,
    /// What went wrong, for people.
    message: String,
}

/// [`crate::ErrorCode`] as 5.0.0 lists it: the codes whose
/// [`since`](crate::ErrorCode::since) is 5.
#[derive(Debug)]
pub enum ErrorCode {}

impl JsonSchema for ErrorCode {
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
        let schema = serde_json::to_string(&schemars::schema_for!(ErrorCode)).unwrap();
        assert!(schema.contains("\"ComponentNotFound\""), "{schema}");
        assert!(!schema.contains("\"IncidentNotFound\""), "{schema}");
        let latest = serde_json::to_string(&schemars::schema_for!(crate::ErrorCode)).unwrap();
        assert!(latest.contains("\"IncidentNotFound\""), "{latest}");
    }
}
