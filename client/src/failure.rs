//! What a failed call means for its caller: the HTTP status, if an answer came, and whether
//! retrying may succeed.
//!
//! Progenitor's [`Error`] loses the status of an error answer whose body is not the JSON
//! the document declares — a load balancer's HTML `503`, or dropshot's own `404` where an
//! operation declares a body of its own — and reports it as a payload error that is never
//! retryable. This client screens every error answer first ([`screen`], run by the
//! client's `exec` hook): an answer whose body is not the declared JSON becomes an error
//! that keeps its status. [`Failure`] then answers the two questions a caller has, for
//! every kind of error, in one place.

use progenitor_client::Error;
use reqwest::StatusCode;

use crate::types;

/// What every error of this client can tell its caller.
///
/// ```no_run
/// use statusboard_client::{Client, Failure};
///
/// # async fn example(client: Client) {
/// match client.health().send().await {
///     Ok(health) => println!("{:?}", health.into_inner().status),
///     Err(e) if e.is_transient() => eprintln!("try again later ({:?}): {e:#}", e.http_status()),
///     Err(e) => eprintln!("giving up: {e:#}"),
/// }
/// # }
/// ```
///
/// `{e:#}` (the alternate form) prints the error with every cause, such as
/// `Connection refused` or `operation timed out`.
pub trait Failure {
    /// The HTTP status of the answer, when the server (or a proxy in front of it) answered.
    fn http_status(&self) -> Option<StatusCode>;

    /// Whether the same call may succeed later: the connection failed or timed out, the
    /// answer was cut off, or the status is 408, 429, 502, 503 or 504. Everything else
    /// (a 4xx, a 500, a malformed request or answer) fails the same way again.
    fn is_transient(&self) -> bool;
}

impl<E> Failure for Error<E> {
    fn http_status(&self) -> Option<StatusCode> {
        self.status()
    }

    fn is_transient(&self) -> bool {
        if let Some(status) = self.http_status() {
            return is_transient_status(status);
        }
        match self {
            Error::CommunicationError(e) => e.is_timeout() || e.is_connect() || e.is_request(),
            Error::ResponseBodyError(_) => true,
            _ => false,
        }
    }
}

/// Statuses that say "not now" rather than "not this".
fn is_transient_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::REQUEST_TIMEOUT
            | StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

/// Passes a successful answer on untouched; an error answer only when its body is what
/// the operation declares, so that progenitor parses it into [`Error::ErrorResponse`].
/// Any other error answer becomes an error that keeps the status (and the URL).
pub(crate) async fn screen(
    response: reqwest::Response,
    operation_id: &str,
) -> reqwest::Result<reqwest::Response> {
    let Err(status_error) = response.error_for_status_ref() else {
        return Ok(response);
    };
    let status = response.status();
    let (head, body) = read(response).await?;
    if !is_declared_error_body(operation_id, &body) {
        return Err(status_error);
    }
    Ok(rebuild(head, status, body))
}

/// An answer's headers and version, and its whole body.
async fn read(
    response: reqwest::Response,
) -> reqwest::Result<((reqwest::header::HeaderMap, reqwest::Version), bytes::Bytes)> {
    let head = (response.headers().clone(), response.version());
    Ok((head, response.bytes().await?))
}

/// The answer [`read`] took apart, with `status`, for progenitor to read again.
fn rebuild(
    (headers, version): (reqwest::header::HeaderMap, reqwest::Version),
    status: StatusCode,
    body: bytes::Bytes,
) -> reqwest::Response {
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    *rebuilt.version_mut() = version;
    reqwest::Response::from(rebuilt)
}

/// The success statuses an operation answers besides the one its document shows
/// (dropshot documents one per operation), by operation id, with the documented one.
pub(crate) const OTHER_SUCCESSES: &[(&str, StatusCode, StatusCode)] =
    &[("put_component", StatusCode::CREATED, StatusCode::OK)];

/// An answer with one of [`OTHER_SUCCESSES`], given the documented status so that
/// progenitor accepts it (its headers, such as a `201`'s `Location`, are kept); any other
/// answer untouched.
pub(crate) async fn as_documented(
    response: reqwest::Response,
    operation_id: &str,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let Some(&(_, _, documented)) = OTHER_SUCCESSES
        .iter()
        .find(|(id, other, _)| *id == operation_id && *other == status)
    else {
        return Ok(response);
    };
    let (head, body) = read(response).await?;
    Ok(rebuild(head, documented, body))
}

/// The body an operation's error answers carry, by operation id, as the document declares
/// them (a test keeps this table equal to the document).
pub(crate) const ERROR_BODIES: &[(&str, &str)] = &[("ready", "NotReady")];

/// Whether `body` parses as the error body that `operation_id` declares (dropshot's
/// [`types::ApiError`] unless [`ERROR_BODIES`] says otherwise).
fn is_declared_error_body(operation_id: &str, body: &[u8]) -> bool {
    let declared = ERROR_BODIES
        .iter()
        .find(|(operation, _)| *operation == operation_id)
        .map_or("ApiError", |(_, schema)| *schema);
    match declared {
        "NotReady" => serde_json::from_slice::<types::NotReady>(body).is_ok(),
        _ => serde_json::from_slice::<types::ApiError>(body).is_ok(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Every operation's declared error body, read from the document the client is built from.
    fn declared_error_bodies() -> Vec<(String, String)> {
        let text = include_str!("../../openapi/statusboard/statusboard-latest.json");
        let document: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut declared = Vec::new();
        for item in document["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                let id = operation["operationId"].as_str().unwrap().to_owned();
                let reference = operation["responses"]["5XX"]["$ref"].as_str().unwrap();
                let name = reference.rsplit('/').next().unwrap().to_owned();
                declared.push((id, name));
            }
        }
        declared
    }

    #[test]
    fn the_error_body_table_follows_the_document() {
        for (operation, schema) in declared_error_bodies() {
            let expected = if schema == "ApiError" {
                None
            } else {
                Some(schema.as_str())
            };
            let listed = ERROR_BODIES
                .iter()
                .find(|(id, _)| *id == operation)
                .map(|(_, schema)| *schema);
            assert_eq!(
                listed, expected,
                "operation {operation}: add it to ERROR_BODIES"
            );
        }
    }

    #[test]
    fn an_api_error_is_declared_for_health_but_not_for_ready() {
        let body = br#"{"request_id":"r1","message":"no","error_code":"ComponentNotFound"}"#;
        assert!(is_declared_error_body("health", body));
        assert!(!is_declared_error_body("ready", body));
        // A code this client's document does not list (a newer server's) is no `ApiError`.
        let unknown = br#"{"request_id":"r1","message":"no","error_code":"Teapot"}"#;
        assert!(!is_declared_error_body("health", unknown));
        assert!(!is_declared_error_body(
            "health",
            b"<html>503 Service Unavailable</html>"
        ));
    }

    #[test]
    fn transient_statuses() {
        for (status, transient) in [
            (503, true),
            (502, true),
            (504, true),
            (429, true),
            (408, true),
        ]
        .into_iter()
        .chain([(500, false), (404, false), (400, false), (401, false)])
        {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(is_transient_status(status), transient, "{status}");
        }
    }
}
