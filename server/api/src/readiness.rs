//! The readiness check's answers: `200` with [`Readiness`], `503` with [`NotReady`].

use dropshot::{
    ApiEndpointResponse, Body, ErrorStatusCode, HttpError, HttpResponse, HttpResponseError,
    HttpResponseOk,
};
use http::Response;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::HealthStatus;

/// The answer of the readiness check when the service is ready.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Readiness {
    /// `ok`: the service is ready.
    pub status: HealthStatus,
    /// `ok`: the database answers and its schema is up to date.
    pub database: HealthStatus,
}

/// The answer of the readiness check when the service is not ready (`503`).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct NotReady {
    /// `unavailable`: the service cannot serve traffic now.
    pub status: NotReadyStatus,
    /// Why: what failed when reaching the database.
    pub database: String,
    /// The request's id, as in every error answer.
    pub request_id: String,
    /// `DatabaseUnavailable`, as in every error answer.
    pub error_code: String,
    /// A human-readable summary, as in every error answer.
    pub message: String,
    #[serde(skip)]
    #[schemars(skip)]
    status_code: Option<ErrorStatusCode>,
}

impl NotReady {
    /// Not ready because of `why`, for the request `request_id`.
    pub fn database_unavailable(request_id: &str, why: String) -> Self {
        Self {
            status: NotReadyStatus::Unavailable,
            message: format!("database unavailable: {why}"),
            database: why,
            request_id: request_id.to_owned(),
            error_code: "DatabaseUnavailable".to_owned(),
            status_code: None,
        }
    }
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<HttpError> for NotReady {
    fn from(error: HttpError) -> Self {
        Self {
            status: NotReadyStatus::Unavailable,
            database: error.external_message.clone(),
            request_id: String::new(),
            error_code: error.error_code.unwrap_or_default(),
            message: error.external_message,
            status_code: Some(error.status_code),
        }
    }
}

impl HttpResponseError for NotReady {
    fn status_code(&self) -> ErrorStatusCode {
        self.status_code
            .unwrap_or(ErrorStatusCode::SERVICE_UNAVAILABLE)
    }
}

/// The state reported when the service is not ready.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NotReadyStatus {
    /// The service cannot serve traffic now.
    Unavailable,
}

/// The readiness check's response: `200` with [`Readiness`] or `503` with [`NotReady`],
/// with extra headers (CORS). The document describes the `200` here and the `503` as the
/// endpoint's error type, [`NotReady`]; answering both from the success path lets the
/// `503` carry headers, which dropshot's error path cannot.
#[derive(Debug)]
pub struct ReadyResponse {
    result: Result<Readiness, NotReady>,
    headers: http::HeaderMap,
}

impl ReadyResponse {
    /// A response for `result`, with no extra headers yet.
    pub fn new(result: Result<Readiness, NotReady>) -> Self {
        Self {
            result,
            headers: http::HeaderMap::new(),
        }
    }

    /// The extra headers to send.
    pub fn headers_mut(&mut self) -> &mut http::HeaderMap {
        &mut self.headers
    }
}

impl HttpResponse for ReadyResponse {
    fn to_result(self) -> Result<Response<Body>, HttpError> {
        let (status, body) = match &self.result {
            Ok(ready) => (http::StatusCode::OK, serde_json::to_vec(ready)),
            Err(not_ready) => (
                HttpResponseError::status_code(not_ready).as_status(),
                serde_json::to_vec(not_ready),
            ),
        };
        let body = body.map_err(|e| HttpError::for_internal_error(e.to_string()))?;
        let mut response = Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, dropshot::CONTENT_TYPE_JSON)
            .body(Body::from(body))
            .map_err(|e| HttpError::for_internal_error(e.to_string()))?;
        response.headers_mut().extend(self.headers);
        Ok(response)
    }

    fn response_metadata() -> ApiEndpointResponse {
        <HttpResponseOk<Readiness> as HttpResponse>::response_metadata()
    }

    fn status_code(&self) -> http::StatusCode {
        match &self.result {
            Ok(_) => http::StatusCode::OK,
            Err(not_ready) => HttpResponseError::status_code(not_ready).as_status(),
        }
    }
}
