//! Every path the server answers, and the answers the API trait does not declare.
//!
//! For each path of the API (every version's, published or not), [`register`] adds
//! unpublished endpoints so that a browser always gets an answer it can read:
//!
//! * `OPTIONS`: the CORS preflight ([`crate::cors::Cors::preflight`]);
//! * `HEAD` on every `GET` path: the `GET`'s answer without its body, as uptime monitors
//!   and `fetch(…, {method: 'HEAD'})` expect;
//! * every other method: `405 Method Not Allowed` with `Allow` and the CORS headers.
//!
//! The `GET` paths are listed in [`register_heads`], each with its handler; startup fails,
//! naming the path, when the API publishes a `GET` path missing there.

use std::collections::{BTreeMap, BTreeSet};

use dropshot::{
    ApiDescription, ApiEndpoint, ApiEndpointVersions, Body, ClientErrorStatusCode, HttpError,
    RequestContext,
};
use http::header::{self, HeaderValue};
use http::{Method, Response};
use statusboard_api::StatusboardApi;

use crate::context::ApiContext;
use crate::handlers::StatusboardImpl;
use crate::respond::respond;

/// The methods a path may be asked for besides `HEAD` and `OPTIONS`.
const METHODS: [Method; 5] = [
    Method::DELETE,
    Method::GET,
    Method::PATCH,
    Method::POST,
    Method::PUT,
];

/// The `Allow` header of each path: the methods it answers.
#[derive(Clone, Debug, Default)]
pub struct AllowedMethods(BTreeMap<String, HeaderValue>);

impl AllowedMethods {
    /// The `Allow` header for `path`, if the API has that path.
    pub fn get(&self, path: &str) -> Option<&HeaderValue> {
        self.0.get(path)
    }
}

/// Registers `$handler` as an unpublished endpoint for `$method` on `$path`, for every
/// API version. (A macro: dropshot's handler trait is not public, so only concrete
/// handlers can be passed to `ApiEndpoint::new`.)
macro_rules! add {
    ($api:expr, $path:expr, $method:expr, $handler:expr) => {{
        let (path, method): (&str, Method) = ($path, $method);
        let endpoint = ApiEndpoint::new(
            operation_id(&method, path),
            $handler,
            method.clone(),
            "application/json",
            path,
            ApiEndpointVersions::All,
        )
        .visible(false);
        $api.register(endpoint)
            .map_err(|e| format!("registering {method} {path}: {e}"))
    }};
}

/// An unpublished endpoint's operation id: `head_api_v1_health`.
fn operation_id(method: &Method, path: &str) -> String {
    format!(
        "{}{}",
        method.as_str().to_ascii_lowercase(),
        path.replace(['/', '.', '-'], "_")
    )
}

/// Registers the `OPTIONS`, `HEAD` and `405` endpoints of every path of `api`, whose
/// published operations are `published` (path → methods, over every API version).
pub fn register(
    api: &mut ApiDescription<ApiContext>,
    published: &BTreeMap<String, BTreeSet<Method>>,
) -> Result<AllowedMethods, String> {
    let get_paths = register_heads(api)?;
    let mut served = published.clone();
    for (path, methods) in &served {
        if methods.contains(&Method::GET) && !get_paths.contains(path.as_str()) {
            return Err(format!(
                "GET {path} has no HEAD endpoint: add it to routes::register_heads"
            ));
        }
    }
    for path in get_paths {
        served
            .entry(path.to_owned())
            .or_default()
            .insert(Method::GET);
    }

    let mut allowed = BTreeMap::new();
    for (path, methods) in served {
        if path.contains('{') {
            return Err(format!(
                "path {path} has variables: give it OPTIONS, HEAD and 405 endpoints with the \
                 same variable names by hand"
            ));
        }
        let mut allow: Vec<&str> = methods.iter().map(Method::as_str).collect();
        if methods.contains(&Method::GET) {
            allow.push("HEAD");
        }
        allow.push("OPTIONS");
        allow.sort_unstable();
        let allow = HeaderValue::from_str(&allow.join(", "))
            .map_err(|e| format!("Allow header for {path}: {e}"))?;

        add!(api, &path, Method::OPTIONS, preflight)?;
        for method in METHODS.iter().filter(|m| !methods.contains(m)) {
            add!(api, &path, method.clone(), method_not_allowed)?;
        }
        allowed.insert(path, allow);
    }
    Ok(AllowedMethods(allowed))
}

/// Registers `HEAD` for every `GET` path, answered by the `GET`'s own handler (hyper sends
/// no body for `HEAD`). Returns the `GET` paths. A new `GET` endpoint gets its line here.
fn register_heads(api: &mut ApiDescription<ApiContext>) -> Result<BTreeSet<&'static str>, String> {
    macro_rules! head {
        ($path:expr => $handler:ident) => {{
            add!(api, $path, Method::HEAD, StatusboardImpl::$handler)?;
            $path
        }};
    }
    Ok(BTreeSet::from([
        head!("/api/v1/health" => health),
        head!("/api/v1/ready" => ready),
        head!("/api/v1/openapi.json" => openapi_document),
        head!("/api/v1/docs" => docs_page),
        head!(crate::docs::REDOC_PATH => docs_script),
    ]))
}

/// `OPTIONS`: a CORS preflight. Its answer has CORS headers of its own; an `OPTIONS` that
/// is not a preflight is an ordinary `405`.
async fn preflight(rqctx: RequestContext<ApiContext>) -> Result<Response<Body>, HttpError> {
    let context = rqctx.context();
    context
        .cors
        .preflight(rqctx.request.headers())
        .map_err(|mut error| {
            context
                .cors
                .apply(rqctx.request.headers(), error.headers_mut());
            error
        })
}

/// Any method a path does not answer: `405` with `Allow`.
async fn method_not_allowed(
    rqctx: RequestContext<ApiContext>,
) -> Result<Response<Body>, HttpError> {
    respond(&rqctx, async {
        let mut error = HttpError::for_client_error(
            None,
            ClientErrorStatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed".to_owned(),
        );
        if let Some(allow) = rqctx
            .context()
            .allowed_methods
            .get(rqctx.request.uri().path())
        {
            error.headers_mut().insert(header::ALLOW, allow.clone());
        }
        Err(error)
    })
    .await
}
