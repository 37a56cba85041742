//! The API's one error answer, [`ApiError`], and the list of what can go wrong,
//! [`ErrorCode`]: both are in the document, so that clients match on the code as an enum.

use dropshot::{ErrorStatusCode, HttpError, HttpResponseError};
use http::HeaderMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What went wrong, for code to test. Every error answer of the API carries one; a new
/// code comes with a new API version.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `400`: the request could not be read: a malformed body or parameter, or a value of
    /// the wrong type (the message says which).
    InvalidRequest,
    /// `400`: a value is out of bounds (the message names the field).
    InvalidInput,
    /// `400`: the refresh token grants nothing (OAuth 2.0's `invalid_grant`): unknown,
    /// expired, revoked or already used. Ask the operator for a new pair.
    InvalidGrant,
    /// `400`: the `api-version` asked for is not served here (the message lists those
    /// that are).
    UnsupportedApiVersion,
    /// `401`: no valid access token (see `WWW-Authenticate`).
    Unauthorized,
    /// `401`: a webhook delivery's signature does not match the shared secret.
    InvalidSignature,
    /// `403`: the access token lacks the operation's scope (see `WWW-Authenticate`).
    InsufficientScope,
    /// `403`: the browser's `Origin` is not one of the server's `CORS_ORIGINS`.
    OriginNotAllowed,
    /// `404`: no component has this slug.
    ComponentNotFound,
    /// `404`: no incident has this id.
    IncidentNotFound,
    /// `404`: no scheduled maintenance has this id.
    MaintenanceNotFound,
    /// `404`: no webhook subscription has this id.
    WebhookNotFound,
    /// `404`: the webhook subscription has never attempted the change this id names.
    DeliveryNotFound,
    /// `404`: the component is not bound to GitHub.
    GithubBindingNotFound,
    /// `404`: the integration is not configured on this server (for GitHub's webhooks:
    /// `GITHUB_WEBHOOK_SECRET`).
    IntegrationNotConfigured,
    /// `405`: the path does not answer this method (see `Allow`).
    MethodNotAllowed,
    /// `409`: the resource is not in a state that allows this change (a maintenance
    /// that is over cannot be cancelled; one that has not started cannot be completed).
    TransitionNotAllowed,
    /// `422`: the `Idempotency-Key` was used for a different request in the last 24 hours.
    IdempotencyKeyReused,
    /// `500`: a fault of the server; the request may be retried.
    Internal,
    /// `503`: the database cannot be reached now; retry later.
    DatabaseUnavailable,
    /// `503`: the server has as many live subscribers as it takes; retry after
    /// `Retry-After` seconds.
    TooManySubscribers,
}

impl ErrorCode {
    /// Every code, in the order of the document.
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidInput,
        ErrorCode::InvalidGrant,
        ErrorCode::UnsupportedApiVersion,
        ErrorCode::Unauthorized,
        ErrorCode::InvalidSignature,
        ErrorCode::InsufficientScope,
        ErrorCode::OriginNotAllowed,
        ErrorCode::ComponentNotFound,
        ErrorCode::IncidentNotFound,
        ErrorCode::MaintenanceNotFound,
        ErrorCode::WebhookNotFound,
        ErrorCode::DeliveryNotFound,
        ErrorCode::GithubBindingNotFound,
        ErrorCode::IntegrationNotConfigured,
        ErrorCode::MethodNotAllowed,
        ErrorCode::TransitionNotAllowed,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::Internal,
        ErrorCode::DatabaseUnavailable,
        ErrorCode::TooManySubscribers,
    ];

    /// The code as the answer spells it (`"ComponentNotFound"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "InvalidRequest",
            ErrorCode::InvalidInput => "InvalidInput",
            ErrorCode::InvalidGrant => "InvalidGrant",
            ErrorCode::UnsupportedApiVersion => "UnsupportedApiVersion",
            ErrorCode::Unauthorized => "Unauthorized",
            ErrorCode::InsufficientScope => "InsufficientScope",
            ErrorCode::OriginNotAllowed => "OriginNotAllowed",
            ErrorCode::ComponentNotFound => "ComponentNotFound",
            ErrorCode::IncidentNotFound => "IncidentNotFound",
            ErrorCode::MaintenanceNotFound => "MaintenanceNotFound",
            ErrorCode::WebhookNotFound => "WebhookNotFound",
            ErrorCode::DeliveryNotFound => "DeliveryNotFound",
            ErrorCode::GithubBindingNotFound => "GithubBindingNotFound",
            ErrorCode::IntegrationNotConfigured => "IntegrationNotConfigured",
            ErrorCode::InvalidSignature => "InvalidSignature",
            ErrorCode::TransitionNotAllowed => "TransitionNotAllowed",
            ErrorCode::MethodNotAllowed => "MethodNotAllowed",
            ErrorCode::IdempotencyKeyReused => "IdempotencyKeyReused",
            ErrorCode::Internal => "Internal",
            ErrorCode::DatabaseUnavailable => "DatabaseUnavailable",
            ErrorCode::TooManySubscribers => "TooManySubscribers",
        }
    }

    /// The status the code is answered with.
    pub fn status(self) -> ErrorStatusCode {
        match self {
            ErrorCode::InvalidRequest
            | ErrorCode::InvalidInput
            | ErrorCode::InvalidGrant
            | ErrorCode::UnsupportedApiVersion => ErrorStatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized | ErrorCode::InvalidSignature => ErrorStatusCode::UNAUTHORIZED,
            ErrorCode::InsufficientScope | ErrorCode::OriginNotAllowed => {
                ErrorStatusCode::FORBIDDEN
            }
            ErrorCode::ComponentNotFound
            | ErrorCode::IncidentNotFound
            | ErrorCode::MaintenanceNotFound
            | ErrorCode::WebhookNotFound
            | ErrorCode::DeliveryNotFound
            | ErrorCode::GithubBindingNotFound
            | ErrorCode::IntegrationNotConfigured => ErrorStatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => ErrorStatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::TransitionNotAllowed => ErrorStatusCode::CONFLICT,
            ErrorCode::IdempotencyKeyReused => ErrorStatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Internal => ErrorStatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::DatabaseUnavailable | ErrorCode::TooManySubscribers => {
                ErrorStatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    /// The major API version whose document first lists the code: a client of an older
    /// version never receives it (the operations that answer it are newer).
    pub fn since(self) -> u64 {
        match self {
            ErrorCode::IncidentNotFound
            | ErrorCode::MaintenanceNotFound
            | ErrorCode::TransitionNotAllowed => 6,
            ErrorCode::WebhookNotFound
            | ErrorCode::DeliveryNotFound
            | ErrorCode::GithubBindingNotFound
            | ErrorCode::IntegrationNotConfigured
            | ErrorCode::InvalidSignature => 7,
            _ => 5,
        }
    }

    /// The code spelled `text`, if it is one.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        ErrorCode::ALL
            .into_iter()
            .find(|code| code.as_str() == text)
    }

    /// The code of an answer with `status` that named none (dropshot's own errors, all of
    /// them about a request it could not read, or its own faults).
    fn for_status(status: ErrorStatusCode) -> ErrorCode {
        match status.as_u16() {
            405 => ErrorCode::MethodNotAllowed,
            500.. => ErrorCode::Internal,
            _ => ErrorCode::InvalidRequest,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answer: what went wrong (`error_code`), a message for people, and the
/// request's id to quote when reporting it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ApiError {
    /// The request's id (also in the `x-request-id` header).
    pub request_id: String,
    /// What went wrong, for code to test.
    pub error_code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The status it is answered with.
    #[serde(skip)]
    #[schemars(skip)]
    status: ErrorStatusCode,
    /// What the logs say: the message, or more (a database's own words) that the client is
    /// not told.
    #[serde(skip)]
    #[schemars(skip)]
    internal: String,
    /// Headers the answer carries (`WWW-Authenticate`, `Retry-After`, `Allow`, …).
    #[serde(skip)]
    #[schemars(skip)]
    headers: Option<Box<HeaderMap>>,
}

impl ApiError {
    /// An error with `code` (and its status) and `message`, for the client and the logs.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            request_id: String::new(),
            error_code: code,
            internal: message.clone(),
            message,
            status: code.status(),
            headers: None,
        }
    }

    /// A `500 Internal`: the client learns nothing of `internal`, the logs do.
    pub fn internal(internal: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, "Internal Server Error").logging(internal)
    }

    /// This error, with `internal` in the logs instead of the client's message.
    pub fn logging(mut self, internal: impl Into<String>) -> Self {
        self.internal = internal.into();
        self
    }

    /// This error with `name: value` among its headers.
    pub fn with_header(
        mut self,
        name: http::header::HeaderName,
        value: http::HeaderValue,
    ) -> Self {
        self.headers_mut().insert(name, value);
        self
    }

    /// The status the error is answered with.
    pub fn status(&self) -> ErrorStatusCode {
        self.status
    }

    /// What the logs say about it.
    pub fn internal_message(&self) -> &str {
        &self.internal
    }

    /// The header `name` the answer carries, if any.
    pub fn header(&self, name: http::header::HeaderName) -> Option<&http::HeaderValue> {
        self.headers.as_ref().and_then(|headers| headers.get(name))
    }

    /// The headers the answer carries, to add to.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        self.headers.get_or_insert_default()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_code, self.internal)
    }
}

/// Dropshot's own errors (a malformed body, a parameter of the wrong type, …), with their
/// status and headers; a code the API does not list becomes the status's code.
impl From<HttpError> for ApiError {
    fn from(error: HttpError) -> Self {
        let code = error
            .error_code
            .as_deref()
            .and_then(ErrorCode::parse)
            .unwrap_or_else(|| ErrorCode::for_status(error.status_code));
        Self {
            request_id: String::new(),
            error_code: code,
            message: error.external_message,
            status: error.status_code,
            internal: error.internal_message,
            headers: error.headers,
        }
    }
}

/// The error of an older API version's operation, whose document shows dropshot's own
/// `Error` schema (the same fields, `error_code` a plain string).
impl From<ApiError> for HttpError {
    fn from(error: ApiError) -> Self {
        HttpError {
            status_code: error.status,
            error_code: Some(error.error_code.as_str().to_owned()),
            external_message: error.message,
            internal_message: error.internal,
            headers: error.headers,
        }
    }
}

impl HttpResponseError for ApiError {
    fn status_code(&self) -> ErrorStatusCode {
        self.status
    }
}

/// An `HttpError` with `code` (for the answers dropshot makes itself, such as a version it
/// does not serve), so that they carry the API's codes too.
pub fn http_error(code: ErrorCode, message: String) -> HttpError {
    HttpError {
        status_code: code.status(),
        error_code: Some(code.as_str().to_owned()),
        internal_message: message.clone(),
        external_message: message,
        headers: None,
    }
}

/// `text` as an answer may echo it back: quoted, cut to its first 64 characters.
pub fn echo(text: &str) -> String {
    const SHOWN: usize = 64;
    let mut shown: String = text.chars().take(SHOWN).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    format!("{shown:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_and_spelled_as_serialized() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            assert_eq!(ErrorCode::ALL.iter().filter(|c| **c == code).count(), 1);
        }
    }

    #[test]
    fn dropshot_errors_keep_their_status_and_get_a_code() {
        let body = HttpError::for_bad_request(None, "unable to parse JSON body".to_owned());
        let error = ApiError::from(body);
        assert_eq!(error.error_code, ErrorCode::InvalidRequest);
        assert_eq!(error.status(), ErrorStatusCode::BAD_REQUEST);

        let internal = ApiError::from(HttpError::for_internal_error("boom".to_owned()));
        assert_eq!(internal.error_code, ErrorCode::Internal);
        assert_eq!(internal.message, "Internal Server Error");
        assert_eq!(internal.internal_message(), "boom");

        let named = ApiError::from(http_error(ErrorCode::UnsupportedApiVersion, "no".into()));
        assert_eq!(named.error_code, ErrorCode::UnsupportedApiVersion);
    }

    #[test]
    fn an_echo_is_cut_short() {
        assert_eq!(echo("db"), "\"db\"");
        let long = echo(&"x".repeat(100_000));
        assert!(long.len() < 80, "{long}");
        assert!(long.ends_with("…\""), "{long}");
    }

    #[test]
    fn the_client_never_reads_the_internal_message() {
        let error = ApiError::internal("password authentication failed for user \"app\"");
        let json = serde_json::to_string(&error).unwrap();
        assert!(!json.contains("password"), "{json}");
        assert!(error.to_string().contains("password"));
    }
}
