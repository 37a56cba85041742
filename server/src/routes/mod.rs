//! The API description the server runs: the trait's endpoints, for every version, and the
//! answers the trait does not declare.
//!
//! For each path the API serves (every version's, published or not, with or without
//! variables), [`api_description`] adds unpublished endpoints so that a browser always gets
//! an answer it can read:
//!
//! * `OPTIONS`: the CORS preflight ([`crate::cors::Cors::preflight`]);
//! * `HEAD` on every `GET` path: the `GET`'s own handler, whose body hyper leaves out, as
//!   uptime monitors and `fetch(…, {method: 'HEAD'})` expect;
//! * every other method: `405 Method Not Allowed` with `Allow` and the CORS headers.
//!
//! All of it is derived from the trait's endpoints: a new endpoint needs nothing here.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

use dropshot::{
    ApiDescription, ApiEndpoint, ApiEndpointBodyContentType, ApiEndpointParameter,
    ApiEndpointParameterLocation, ApiEndpointVersions, Body, ExtensionMode, Path, RequestContext,
    SharedExtractor,
};
use http::header::{self, HeaderValue};
use http::{Method, Response};
use schemars::JsonSchema;
use semver::Version;
use serde::Deserialize;
use statusboard_api::{Answer, Answered, ApiError, ErrorCode, statusboard_api_mod};

use crate::allow::AllowedMethods;
use crate::context::ApiContext;
use crate::handlers::StatusboardImpl;
use crate::respond::respond;
use crate::versioning;

/// The methods a path may be asked for besides `HEAD` and `OPTIONS`.
const METHODS: [Method; 5] = [
    Method::DELETE,
    Method::GET,
    Method::PATCH,
    Method::POST,
    Method::PUT,
];

/// The full API: the trait's endpoints, every version, plus the `OPTIONS`, `HEAD` and `405`
/// endpoints of every path, and the `Allow` header of each `405` endpoint. An `Err` is a
/// programming error (an inconsistent API), reported at startup.
pub fn api_description() -> Result<(ApiDescription<ApiContext>, AllowedMethods), String> {
    with_every_answer(|| {
        statusboard_api_mod::api_description::<StatusboardImpl>().map_err(|e| e.to_string())
    })
}

/// The description that `build` makes, with the `OPTIONS`, `HEAD` and `405` endpoints of
/// each of its paths. (`build` is called twice: one copy is walked, the other completed.)
fn with_every_answer(
    build: impl Fn() -> Result<ApiDescription<ApiContext>, String>,
) -> Result<(ApiDescription<ApiContext>, AllowedMethods), String> {
    let mut api = build()?;
    // Dropshot lets a description be walked only once it is a router: walk a second copy.
    let declared = build()?.into_router();
    let versions = versions_oldest_first();

    // What each version serves: every path's methods (and whether it is a WebSocket), and
    // the handler of its `GET`.
    let mut shapes: Vec<BTreeMap<String, Shape>> = Vec::new();
    let mut gets: Vec<BTreeMap<String, &ApiEndpoint<ApiContext>>> = Vec::new();
    for version in &versions {
        let (mut shape, mut get) = (BTreeMap::<String, Shape>::new(), BTreeMap::new());
        for (path, method, endpoint) in declared.endpoints(Some(version)) {
            let method =
                Method::from_bytes(method.as_bytes()).map_err(|e| format!("{path}: {e}"))?;
            let websocket = matches!(endpoint.extension_mode, ExtensionMode::Websocket);
            let entry = shape.entry(path.clone()).or_default();
            entry.websocket |= websocket;
            if method == Method::GET && !websocket {
                get.insert(path.clone(), endpoint);
            }
            entry.methods.insert(method);
        }
        shapes.push(shape);
        gets.push(get);
    }

    // Each path's `OPTIONS` and `405`s, once per run of versions that serve it alike (a
    // path that a version does not serve stays a `404` there); its `HEAD`, the `GET`'s
    // handler again, once per run of versions with the same `GET` handler.
    let paths: BTreeSet<&String> = shapes.iter().flat_map(BTreeMap::keys).collect();
    let mut allowed = AllowedMethods::default();
    for path in paths {
        for (run, shape) in runs(versions.len(), |i| shapes[i].get(path), |a, b| a == b) {
            let allow = shape.allow();
            let allow = HeaderValue::from_str(&allow.join(", "))
                .map_err(|e| format!("Allow header for {path}: {e}"))?;
            let preflight = ApiEndpoint::new(
                operation_id(&Method::OPTIONS, path),
                preflight,
                Method::OPTIONS,
                dropshot::CONTENT_TYPE_JSON,
                path,
                range(&versions, &run)?,
            );
            register(&mut api, preflight)?;
            // A WebSocket's `GET` has no `HEAD`: nothing can be upgraded without a body.
            let head = shape.websocket.then_some(&Method::HEAD);
            for method in METHODS.iter().chain(head) {
                if shape.methods.contains(method) {
                    continue;
                }
                let operation_id = operation_id(method, path);
                for version in &versions[run.clone()] {
                    allowed.insert(operation_id.clone(), version.clone(), allow.clone());
                }
                let not_allowed = ApiEndpoint::new(
                    operation_id,
                    method_not_allowed,
                    method.clone(),
                    dropshot::CONTENT_TYPE_JSON,
                    path,
                    range(&versions, &run)?,
                );
                register(&mut api, not_allowed)?;
            }
        }
        let same_handler = |a: &&ApiEndpoint<ApiContext>, b: &&ApiEndpoint<ApiContext>| {
            Arc::ptr_eq(&a.handler, &b.handler)
        };
        for (run, get) in runs(versions.len(), |i| gets[i].get(path), same_handler) {
            let mut head = ApiEndpoint::new(
                operation_id(&Method::HEAD, path),
                method_not_allowed, // a stand-in: replaced by the GET's handler below
                Method::HEAD,
                dropshot::CONTENT_TYPE_JSON,
                path,
                range(&versions, &run)?,
            );
            head.handler = get.handler.clone();
            register(&mut api, head)?;
        }
    }
    Ok((api, allowed))
}

/// What a version serves at a path.
#[derive(Debug, Default, PartialEq, Eq)]
struct Shape {
    /// The methods it answers.
    methods: BTreeSet<Method>,
    /// Whether its `GET` is a WebSocket.
    websocket: bool,
}

impl Shape {
    /// The `Allow` header's methods: those served, `HEAD` with a `GET` that is no
    /// WebSocket, and `OPTIONS`.
    fn allow(&self) -> Vec<&str> {
        let mut allow: Vec<&str> = self.methods.iter().map(Method::as_str).collect();
        if self.methods.contains(&Method::GET) && !self.websocket {
            allow.push(Method::HEAD.as_str());
        }
        allow.push(Method::OPTIONS.as_str());
        allow.sort_unstable();
        allow
    }
}

/// The supported API versions, oldest first.
fn versions_oldest_first() -> Vec<Version> {
    let mut versions: Vec<Version> = statusboard_api::supported_versions()
        .iter()
        .map(|v| v.semver().clone())
        .collect();
    versions.sort();
    versions
}

/// The runs of consecutive versions (indexes into the `count` versions, oldest first)
/// over which `at(i)` is present and the same (by `same`), each with its value.
fn runs<'a, T: 'a>(
    count: usize,
    at: impl Fn(usize) -> Option<&'a T>,
    same: impl Fn(&T, &T) -> bool,
) -> Vec<(Range<usize>, &'a T)> {
    let mut runs = Vec::new();
    let mut start: Option<(usize, &T)> = None;
    for i in 0..=count {
        let here = if i < count { at(i) } else { None };
        if matches!((start, here), (Some((_, a)), Some(b)) if same(a, b)) {
            continue;
        }
        if let Some((first, value)) = start.take() {
            runs.push((first..i, value));
        }
        start = here.map(|value| (i, value));
    }
    runs
}

/// The range of the versions `run` of `versions` (oldest first): open-ended when it runs
/// to the newest.
fn range(versions: &[Version], run: &Range<usize>) -> Result<ApiEndpointVersions, String> {
    let first = versions[run.start].clone();
    match versions.get(run.end) {
        Some(next) => ApiEndpointVersions::from_until(first, next.clone()).map_err(str::to_owned),
        None => Ok(ApiEndpointVersions::from(first)),
    }
}

/// Registers an unpublished endpoint, declaring its path's variables (which its handler
/// does not read) as dropshot requires.
fn register(
    api: &mut ApiDescription<ApiContext>,
    mut endpoint: ApiEndpoint<ApiContext>,
) -> Result<(), String> {
    endpoint.parameters = path_variables(&endpoint.path)?;
    let described = format!("{} {}", endpoint.method, endpoint.path);
    api.register(endpoint.visible(false))
        .map_err(|e| format!("registering {described}: {e}"))
}

/// A stand-in path type, whose one parameter lends its schema to every path variable.
#[derive(Deserialize, JsonSchema)]
struct Variable {
    #[allow(dead_code)]
    variable: String,
}

/// The parameters declaring the variables of a path template (`{slug}`, `{rest:.*}`).
fn path_variables(path: &str) -> Result<Vec<ApiEndpointParameter>, String> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|variable| {
            let name = variable.split_once(':').map_or(variable, |(name, _)| name);
            let metadata =
                <Path<Variable> as SharedExtractor>::metadata(ApiEndpointBodyContentType::Json);
            let stand_in = metadata
                .parameters
                .into_iter()
                .next()
                .ok_or_else(|| format!("{path}: no parameter for the variable {name}"))?;
            Ok(ApiEndpointParameter::new_named(
                &ApiEndpointParameterLocation::Path,
                name.to_owned(),
                None,
                true,
                stand_in.schema,
                Vec::new(),
            ))
        })
        .collect()
}

/// An unpublished endpoint's operation id: `head_api_v1_health`,
/// `options_api_v1_components_slug`.
fn operation_id(method: &Method, path: &str) -> String {
    let mut id = method.as_str().to_ascii_lowercase();
    for word in path.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !word.is_empty() {
            id.push('_');
            id.push_str(word);
        }
    }
    id
}

/// `OPTIONS`: a CORS preflight. Its answer has CORS headers of its own; an `OPTIONS` that
/// is not a preflight is an ordinary `405`, with the headers of every answer.
async fn preflight(rqctx: RequestContext<ApiContext>) -> Answer<Response<Body>> {
    match rqctx.context().cors.preflight(rqctx.request.headers()) {
        Ok(response) => Ok(Answered::new(Ok(response))),
        Err(error) => respond(&rqctx, async { Err(error) }).await,
    }
}

/// Any method a path does not answer: `405` with `Allow`.
async fn method_not_allowed(rqctx: RequestContext<ApiContext>) -> Answer<Response<Body>> {
    respond(&rqctx, async {
        let mut error = ApiError::new(ErrorCode::MethodNotAllowed, "Method Not Allowed");
        let allowed = &rqctx.context().allowed_methods;
        // The router chose this endpoint, so the version is a supported one.
        let request = &rqctx.request;
        let version = versioning::supported()
            .for_parts(request.headers(), request.uri())
            .ok();
        if let Some(allow) = version.and_then(|v| allowed.get(&rqctx.endpoint.operation_id, &v)) {
            error.headers_mut().insert(header::ALLOW, allow.clone());
        }
        Err(error)
    })
    .await
}

#[cfg(test)]
mod tests;
