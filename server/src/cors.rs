//! CORS for browsers: which origins may call the API, and the headers that tell them.
//!
//! It behaves like Starlette's `CORSMiddleware` with the reference's parameters
//! (`allow_origins` from `CORS_ORIGINS`, credentials allowed, every method and header):
//!
//! * [`Cors::apply`] adds, to every answer to a request whose `Origin` is allowed,
//!   `Access-Control-Allow-Origin: <origin>`, `Access-Control-Allow-Credentials: true` and
//!   `Access-Control-Expose-Headers: x-request-id`; and `Vary` to every answer. Every
//!   handler's answer passes through it (see [`crate::respond`]);
//! * [`Cors::preflight`] answers the `OPTIONS` preflights (registered for every path by
//!   [`crate::routes`]).
//!
//! An `Origin` is allowed when it equals, byte for byte, one of the `CORS_ORIGINS`
//! entries as browsers serialise origins (the entries are normalised so at startup), as
//! Starlette matches them.

use dropshot::Body;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};
use statusboard_api::{ApiError, ErrorCode};

use crate::config::Origin;

/// The methods a preflight allows: all of them, as `allow_methods=["*"]` does.
pub const ALLOW_METHODS: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
/// How long a browser may cache a preflight answer, in seconds.
pub const MAX_AGE: &str = "600";
/// The response headers scripts of an allowed origin may read besides the simple ones:
/// the request's id, where a created resource is, the challenge of a `401`/`403`, how
/// long to wait after a `503`, an answer's validator, and the mark of a board answered
/// from memory while the database is gone.
pub const EXPOSE_HEADERS: &str =
    "x-request-id, location, www-authenticate, retry-after, etag, statusboard-stale";
/// The `Vary` header of an actual answer: it depends on the request's `Origin` (CORS) and
/// on its `api-version` (which version of the API answers).
pub const VARY: &str = "Origin, api-version";
/// The `Vary` header of a preflight answer.
pub const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// The CORS policy: which origins may call the API with credentials.
#[derive(Clone, Debug)]
pub struct Cors {
    allowed: Vec<Origin>,
}

impl Cors {
    /// A policy allowing exactly `allowed` (see `Settings::cors_origins_list`).
    pub fn new(allowed: &[Origin]) -> Self {
        Self {
            allowed: allowed.to_vec(),
        }
    }

    /// The request's `Origin` header, when it is an allowed origin.
    fn allowed_origin<'a>(&self, request: &'a HeaderMap) -> Option<&'a HeaderValue> {
        let value = request.get(header::ORIGIN)?;
        let sent = value.as_bytes();
        self.allowed
            .iter()
            .any(|origin| origin.as_str().as_bytes() == sent)
            .then_some(value)
    }

    /// Whether a WebSocket may be opened for this request: no `Origin` (a service, not a
    /// browser) or an allowed one. Browsers apply no CORS to WebSockets, so the server
    /// must refuse other origins itself (cross-site WebSocket hijacking).
    pub fn may_open_socket(&self, request: &HeaderMap) -> bool {
        request.get(header::ORIGIN).is_none() || self.allowed_origin(request).is_some()
    }

    /// Adds the CORS headers of an actual (non-preflight) answer, success or error.
    pub fn apply(&self, request: &HeaderMap, response: &mut HeaderMap) {
        if let Some(origin) = self.allowed_origin(request) {
            response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            response.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
            response.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE_HEADERS),
            );
        }
        response.append(header::VARY, HeaderValue::from_static(VARY));
    }

    /// Answers an `OPTIONS` request: a preflight from an allowed origin gets `200`, from
    /// a disallowed origin or for an unknown method `400`; an `OPTIONS` request that is
    /// not a preflight gets `405`, as the reference's framework answers it.
    pub fn preflight(&self, request: &HeaderMap) -> Result<Response<Body>, ApiError> {
        let requested_method = request.get(header::ACCESS_CONTROL_REQUEST_METHOD);
        let (true, Some(requested_method)) =
            (request.contains_key(header::ORIGIN), requested_method)
        else {
            return Err(ApiError::new(
                ErrorCode::MethodNotAllowed,
                "Method Not Allowed",
            ));
        };

        let mut response = Response::builder()
            .header(header::VARY, PREFLIGHT_VARY)
            .header(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS)
            .header(header::ACCESS_CONTROL_MAX_AGE, MAX_AGE)
            .header(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true")
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8");
        if let Some(requested_headers) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            response = response.header(header::ACCESS_CONTROL_ALLOW_HEADERS, requested_headers);
        }

        let mut failures = Vec::new();
        match self.allowed_origin(request) {
            Some(origin) => {
                response = response.header(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin)
            }
            None => failures.push("origin"),
        }
        let method_known = requested_method
            .to_str()
            .is_ok_and(|m| ALLOW_METHODS.split(", ").any(|allowed| allowed == m));
        if !method_known {
            failures.push("method");
        }

        let (status, body) = if failures.is_empty() {
            (StatusCode::OK, "OK".to_owned())
        } else {
            (
                StatusCode::BAD_REQUEST,
                format!("Disallowed CORS {}", failures.join(", ")),
            )
        };
        response
            .status(status)
            .body(Body::from(body))
            .map_err(|e| ApiError::internal(format!("building preflight response: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors() -> Cors {
        Cors::new(&[Origin::parse("http://localhost:3000").unwrap()])
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    header::HeaderName::from_static(k),
                    HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn allowed_origin_is_echoed_with_credentials() {
        let mut response = HeaderMap::new();
        cors().apply(
            &headers(&[("origin", "http://localhost:3000")]),
            &mut response,
        );
        assert_eq!(
            response["access-control-allow-origin"],
            "http://localhost:3000"
        );
        assert_eq!(response["access-control-allow-credentials"], "true");
        assert_eq!(response["access-control-expose-headers"], EXPOSE_HEADERS);
        assert_eq!(response["vary"], VARY);
    }

    #[test]
    fn only_the_serialised_spelling_of_an_allowed_origin_is_allowed() {
        for sent in [
            "HTTP://LocalHost:3000",
            "http://localhost:3000/",
            "http://localhost:3000 ",
        ] {
            let mut response = HeaderMap::new();
            let mut request = HeaderMap::new();
            request.insert("origin", HeaderValue::from_str(sent).unwrap());
            cors().apply(&request, &mut response);
            assert!(
                !response.contains_key("access-control-allow-origin"),
                "{sent}"
            );
        }
    }

    #[test]
    fn disallowed_or_missing_origin_gets_only_vary() {
        for request in [headers(&[("origin", "http://evil.test")]), headers(&[])] {
            let mut response = HeaderMap::new();
            cors().apply(&request, &mut response);
            assert!(!response.contains_key("access-control-allow-origin"));
            assert!(!response.contains_key("access-control-allow-credentials"));
            assert!(!response.contains_key("access-control-expose-headers"));
            assert_eq!(response["vary"], VARY);
        }
    }

    #[test]
    fn preflight_from_allowed_origin() {
        let response = cors()
            .preflight(&headers(&[
                ("origin", "http://localhost:3000"),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "content-type, api-version",
                ),
            ]))
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let h = response.headers();
        assert_eq!(h["access-control-allow-origin"], "http://localhost:3000");
        assert_eq!(h["access-control-allow-credentials"], "true");
        assert_eq!(h["access-control-allow-methods"], ALLOW_METHODS);
        assert_eq!(
            h["access-control-allow-headers"],
            "content-type, api-version"
        );
        assert_eq!(h["access-control-max-age"], "600");
        assert_eq!(h["vary"], PREFLIGHT_VARY);
    }

    #[test]
    fn preflight_from_disallowed_origin_or_for_unknown_method_is_400() {
        for (origin, method) in [
            ("http://evil.test", "GET"),
            ("http://localhost:3000", "BREW"),
        ] {
            let mut request = headers(&[("access-control-request-method", "GET")]);
            request.insert("origin", HeaderValue::from_static(origin));
            request.insert(
                "access-control-request-method",
                HeaderValue::from_static(method),
            );
            let response = cors().preflight(&request).unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
            assert_eq!(
                response
                    .headers()
                    .contains_key("access-control-allow-origin"),
                origin != "http://evil.test"
            );
        }
    }

    #[test]
    fn options_that_is_not_a_preflight_is_405() {
        let error = cors()
            .preflight(&headers(&[("origin", "http://localhost:3000")]))
            .unwrap_err();
        assert_eq!(error.status().as_u16(), 405);
        assert_eq!(error.error_code, ErrorCode::MethodNotAllowed);
    }
}
