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

    // For each version, alone: the paths it serves, each with its `HEAD` (the `GET`'s
    // handler again; WebSocket channels aside), its `OPTIONS`, and a `405` for every method
    // it does not serve. A path that a version does not serve stays a `404` there.
    let versions = versions_oldest_first();
    let mut allowed = AllowedMethods::default();
    for (i, version) in versions.iter().enumerate() {
        // Path template → the methods this version serves there; the WebSocket paths.
        let mut served: BTreeMap<String, BTreeSet<Method>> = BTreeMap::new();
        let mut websockets: BTreeSet<String> = BTreeSet::new();
        for (path, method, endpoint) in declared.endpoints(Some(version)) {
            let method =
                Method::from_bytes(method.as_bytes()).map_err(|e| format!("{path}: {e}"))?;
            if matches!(endpoint.extension_mode, ExtensionMode::Websocket) {
                websockets.insert(path.clone());
            } else if method == Method::GET {
                let mut head = ApiEndpoint::new(
                    operation_id(&Method::HEAD, &path),
                    method_not_allowed, // a stand-in: replaced by the GET's handler below
                    Method::HEAD,
                    dropshot::CONTENT_TYPE_JSON,
                    &path,
                    only(&versions, i)?,
                );
                head.handler = endpoint.handler.clone();
                register(&mut api, head)?;
            }
            served.entry(path).or_default().insert(method);
        }

        for (path, methods) in served {
            // A WebSocket's `GET` has no `HEAD`: nothing can be upgraded without a body.
            let websocket = websockets.contains(&path);
            let mut allow: Vec<&str> = methods.iter().map(Method::as_str).collect();
            if methods.contains(&Method::GET) && !websocket {
                allow.push(Method::HEAD.as_str());
            }
            allow.push(Method::OPTIONS.as_str());
            allow.sort_unstable();
            let allow = HeaderValue::from_str(&allow.join(", "))
                .map_err(|e| format!("Allow header for {path}: {e}"))?;

            let preflight = ApiEndpoint::new(
                operation_id(&Method::OPTIONS, &path),
                preflight,
                Method::OPTIONS,
                dropshot::CONTENT_TYPE_JSON,
                &path,
                only(&versions, i)?,
            );
            register(&mut api, preflight)?;
            let head = websocket.then_some(&Method::HEAD);
            for method in METHODS.iter().chain(head).filter(|m| !methods.contains(m)) {
                let operation_id = operation_id(method, &path);
                allowed.insert(operation_id.clone(), version.clone(), allow.clone());
                let not_allowed = ApiEndpoint::new(
                    operation_id,
                    method_not_allowed,
                    method.clone(),
                    dropshot::CONTENT_TYPE_JSON,
                    &path,
                    only(&versions, i)?,
                );
                register(&mut api, not_allowed)?;
            }
        }
    }
    Ok((api, allowed))
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

/// The range holding `versions[i]` alone, among the supported `versions` (oldest first).
fn only(versions: &[Version], i: usize) -> Result<ApiEndpointVersions, String> {
    match versions.get(i + 1) {
        Some(next) => ApiEndpointVersions::from_until(versions[i].clone(), next.clone())
            .map_err(str::to_owned),
        None => Ok(ApiEndpointVersions::from(versions[i].clone())),
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
        let requested = rqctx.request.headers().get(versioning::VERSION_HEADER);
        // The router chose this endpoint, so the version is a supported one.
        let version = versioning::supported().select(requested).ok();
        if let Some(allow) = version.and_then(|v| allowed.get(&rqctx.endpoint.operation_id, &v)) {
            error.headers_mut().insert(header::ALLOW, allow.clone());
        }
        Err(error)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_name_method_and_path() {
        assert_eq!(
            operation_id(&Method::HEAD, "/api/v1/health"),
            "head_api_v1_health"
        );
        assert_eq!(
            operation_id(&Method::OPTIONS, "/api/v1/docs/redoc.standalone.js"),
            "options_api_v1_docs_redoc_standalone_js"
        );
        assert_eq!(
            operation_id(&Method::DELETE, "/api/v1/components/{slug}/reports"),
            "delete_api_v1_components_slug_reports"
        );
    }

    #[test]
    fn path_variables_are_declared_by_name() -> Result<(), String> {
        assert!(path_variables("/api/v1/health")?.is_empty());
        let declared = path_variables("/api/v1/{owner}/items/{rest:.*}")?;
        let names: Vec<String> = declared
            .iter()
            .map(|p| format!("{:?}", p.metadata))
            .collect();
        assert_eq!(names, ["Path(\"owner\")", "Path(\"rest\")"]);
        Ok(())
    }

    /// Every path gets its `OPTIONS`, its `HEAD` for a `GET`, and a `405` endpoint for
    /// every other method, a path with variables too; the `Allow` header lists what it serves.
    #[test]
    fn a_path_with_a_variable_gets_every_answer() -> Result<(), String> {
        let build = || {
            let mut api = ApiDescription::new();
            for (method, id) in [(Method::GET, "get_thing"), (Method::PUT, "put_thing")] {
                let endpoint = ApiEndpoint::new(
                    id.to_owned(),
                    method_not_allowed,
                    method,
                    dropshot::CONTENT_TYPE_JSON,
                    "/things/{name}",
                    ApiEndpointVersions::All,
                );
                register(&mut api, endpoint.visible(true))?;
            }
            Ok(api)
        };
        let (api, allowed) = with_every_answer(build)?;
        let versions = versions_oldest_first();
        let mut methods: Vec<String> = api
            .into_router()
            .endpoints(None)
            .map(|(path, method, _)| {
                assert_eq!(path, "/things/{name}");
                method
            })
            .collect();
        methods.sort();
        // Each version has its own: a `HEAD` running its `GET`, an `OPTIONS`, `405`s.
        for method in ["HEAD", "OPTIONS", "DELETE"] {
            let count = methods.iter().filter(|m| *m == method).count();
            assert_eq!(count, versions.len(), "{method}");
        }
        methods.dedup();
        let expected = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];
        assert_eq!(methods, expected);
        let allow = allowed.get("delete_things_name", &versions[0]);
        assert_eq!(
            allow,
            Some(&HeaderValue::from_static("GET, HEAD, OPTIONS, PUT"))
        );
        Ok(())
    }
}
