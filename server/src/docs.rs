//! What the server serves about itself: the OpenAPI document and a human docs page.
//!
//! The docs page is Redoc, vendored from the npm registry under `server/assets/redoc/`
//! and embedded in the binary, so it works offline and without any CDN; a
//! Content-Security-Policy keeps the page from loading anything from another host.

use dropshot::{Body, HttpError};
use http::{Response, StatusCode, header};

/// Where the docs page loads Redoc from.
pub const REDOC_PATH: &str = "/api/v1/docs/redoc.standalone.js";

const REDOC_JS: &[u8] = include_bytes!("../assets/redoc/redoc.standalone.js");

const DOCS_HTML: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Statusboard API</title>
</head>
<body>
  <redoc spec-url="/api/v1/openapi.json"></redoc>
  <script src="/api/v1/docs/redoc.standalone.js"></script>
</body>
</html>
"#;

/// The OpenAPI document of the latest API version, as checked in (`cargo xtask openapi
/// check` proves it is what the API trait produces).
pub const OPENAPI_JSON: &str = include_str!("../../openapi/statusboard/statusboard-latest.json");

/// The `/api/v1/openapi.json` response.
pub fn openapi_response() -> Result<Response<Body>, HttpError> {
    respond("application/json", "no-cache", OPENAPI_JSON.as_bytes())
}

/// The docs page's `Content-Security-Policy`: everything from this origin only, plus what
/// Redoc needs (inline styles, `data:` images and fonts, a `blob:` search worker). It keeps
/// Redoc's one outside load, its logo on `cdn.redoc.ly`, from ever leaving the browser.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The `/api/v1/docs` response.
pub fn page_response() -> Result<Response<Body>, HttpError> {
    let mut response = respond("text/html; charset=utf-8", "no-cache", DOCS_HTML.as_bytes())?;
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        http::HeaderValue::from_static(DOCS_CSP),
    );
    Ok(response)
}

/// The Redoc script.
pub fn redoc_response() -> Result<Response<Body>, HttpError> {
    respond(
        "text/javascript; charset=utf-8",
        "public, max-age=86400",
        REDOC_JS,
    )
}

fn respond(
    content_type: &str,
    cache_control: &str,
    body: &'static [u8],
) -> Result<Response<Body>, HttpError> {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, cache_control)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(Body::from(bytes::Bytes::from_static(body)))
        .map_err(|e| HttpError::for_internal_error(format!("building response: {e}")))
}
