//! CORS for browsers, built from dropshot's own parts (dropshot has no middleware).
//!
//! It behaves like Starlette's `CORSMiddleware` with the reference's parameters
//! (`allow_origins` from `CORS_ORIGINS`, credentials allowed, every method and header):
//!
//! * every response a handler returns, success or error, passes through [`Cors::respond`]
//!   (or [`Cors::apply`]), which adds `Access-Control-Allow-Origin: <origin>` and
//!   `Access-Control-Allow-Credentials: true` when the request's `Origin` is allowed, and
//!   `Vary: Origin` always;
//! * [`register_preflights`] adds one unpublished `OPTIONS` endpoint for every path of
//!   the API, answering preflight requests.
//!
//! Responses that dropshot makes itself (404 for an unknown path, 405, 400 from a failed
//! extractor) carry no CORS headers: no handler runs for them.

use dropshot::{
    ApiDescription, ApiEndpoint, ApiEndpointVersions, Body, ClientErrorStatusCode,
    HttpCodedResponse, HttpError, HttpResponseHeaders, RequestContext,
};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Response, StatusCode};

use crate::config::Origin;
use crate::context::ApiContext;

/// The methods a preflight allows: all of them, as `allow_methods=["*"]` does.
pub const ALLOW_METHODS: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
/// How long a browser may cache a preflight answer, in seconds.
pub const MAX_AGE: &str = "600";
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

    /// The request's `Origin` header, when it names an allowed origin.
    fn allowed_origin<'a>(&self, request: &'a HeaderMap) -> Option<&'a HeaderValue> {
        let value = request.get(header::ORIGIN)?;
        let text = value.to_str().ok()?;
        // Browsers send origins already normalised, so an exact match is the rule and
        // costs no allocation; only an unusual spelling (`HTTP://Host:80`) is parsed.
        let allowed = self.allowed.iter().any(|o| o.as_str() == text)
            || Origin::parse(text).is_some_and(|origin| self.allowed.contains(&origin));
        allowed.then_some(value)
    }

    /// Adds the headers of an actual (non-preflight) response.
    pub fn apply(&self, request: &HeaderMap, response: &mut HeaderMap) {
        if let Some(origin) = self.allowed_origin(request) {
            response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            response.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        response.append(header::VARY, HeaderValue::from_static(VARY));
    }

    /// Wraps a handler's result, adding the CORS headers to the success or the error.
    pub fn respond<T: HttpCodedResponse>(
        &self,
        request: &HeaderMap,
        result: Result<T, HttpError>,
    ) -> Result<HttpResponseHeaders<T>, HttpError> {
        let mut response =
            HttpResponseHeaders::new_unnamed(result.map_err(|e| self.error(request, e))?);
        self.apply(request, response.headers_mut());
        Ok(response)
    }

    /// Like [`Cors::respond`], for a response built by hand.
    pub fn respond_raw(
        &self,
        request: &HeaderMap,
        result: Result<Response<Body>, HttpError>,
    ) -> Result<Response<Body>, HttpError> {
        let mut response = result.map_err(|e| self.error(request, e))?;
        self.apply(request, response.headers_mut());
        Ok(response)
    }

    /// Adds the headers to an error response.
    pub fn error(&self, request: &HeaderMap, mut error: HttpError) -> HttpError {
        self.apply(request, error.headers_mut());
        error
    }

    /// Answers an `OPTIONS` request: a preflight from an allowed origin gets `200`, from
    /// a disallowed origin or for an unknown method `400`; an `OPTIONS` request that is
    /// not a preflight gets `405`, as the reference's framework answers it.
    pub fn preflight(&self, request: &HeaderMap) -> Result<Response<Body>, HttpError> {
        let requested_method = request.get(header::ACCESS_CONTROL_REQUEST_METHOD);
        let (true, Some(requested_method)) =
            (request.contains_key(header::ORIGIN), requested_method)
        else {
            let error = HttpError::for_client_error(
                None,
                ClientErrorStatusCode::METHOD_NOT_ALLOWED,
                "Method Not Allowed".to_owned(),
            );
            return Err(self.error(request, error));
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
        response.status(status).body(Body::from(body)).map_err(|e| {
            HttpError::for_internal_error(format!("building preflight response: {e}"))
        })
    }
}

/// The handler behind every preflight endpoint.
async fn preflight(rqctx: RequestContext<ApiContext>) -> Result<Response<Body>, HttpError> {
    rqctx.context().cors.preflight(rqctx.request.headers())
}

/// Registers an unpublished `OPTIONS` endpoint for each of `paths` (the paths of the API's
/// published operations), so every path answers CORS preflights.
///
/// Paths with variables (`/items/{id}`) cannot share one handler: dropshot checks each
/// endpoint's path variables against its extractors. Such a path is refused here, loudly,
/// until it gets a preflight endpoint of its own.
pub fn register_preflights<'a>(
    api: &mut ApiDescription<ApiContext>,
    paths: impl IntoIterator<Item = &'a str>,
) -> Result<(), String> {
    for path in paths {
        if path.contains('{') {
            return Err(format!(
                "path {path} has variables: add an OPTIONS endpoint with the same variable \
                 names that calls Cors::preflight"
            ));
        }
        let operation_id = format!("cors_preflight{}", path.replace(['/', '.', '-'], "_"));
        let endpoint = ApiEndpoint::new(
            operation_id,
            preflight,
            Method::OPTIONS,
            "application/json",
            path,
            ApiEndpointVersions::All,
        )
        .visible(false);
        api.register(endpoint)
            .map_err(|e| format!("registering preflight for {path}: {e}"))?;
    }
    Ok(())
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
        assert_eq!(response["vary"], VARY);
    }

    #[test]
    fn an_unusually_spelt_allowed_origin_is_recognised_and_echoed_as_sent() {
        let mut response = HeaderMap::new();
        cors().apply(
            &headers(&[("origin", "HTTP://LocalHost:3000")]),
            &mut response,
        );
        assert_eq!(
            response["access-control-allow-origin"],
            "HTTP://LocalHost:3000"
        );
    }

    #[test]
    fn disallowed_or_missing_origin_gets_only_vary() {
        for request in [headers(&[("origin", "http://evil.test")]), headers(&[])] {
            let mut response = HeaderMap::new();
            cors().apply(&request, &mut response);
            assert!(!response.contains_key("access-control-allow-origin"));
            assert!(!response.contains_key("access-control-allow-credentials"));
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
        assert_eq!(error.status_code.as_u16(), 405);
    }
}
