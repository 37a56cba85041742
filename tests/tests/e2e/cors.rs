//! CORS on every path of the checked-in OpenAPI document: a new endpoint cannot forget it.

use reqwest::{Method, StatusCode};
use statusboard_tests::app::TestApp;

use crate::checked_in_document;

const ALLOWED: &str = "http://localhost:3000";
const DISALLOWED: &str = "http://evil.example";
/// What scripts may read: the request id, `Location`, the challenge, `Retry-After`, the
/// `ETag`, the stale mark.
const EXPOSED: &str =
    "x-request-id, location, www-authenticate, retry-after, etag, statusboard-stale";

/// Every (method, path) of the document.
fn operations() -> Vec<(Method, String)> {
    let document = checked_in_document();
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().expect("a path item is an object").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            operations.push((method, path.clone()));
        }
    }
    assert!(!operations.is_empty());
    operations
}

/// A request path for the path template `path`: each `{variable}` becomes `example`.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "example"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

async fn preflight(app: &TestApp, method: &Method, path: &str, origin: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(Method::OPTIONS, app.url(&concrete(path)))
        .header("origin", origin)
        .header("access-control-request-method", method.as_str())
        .header(
            "access-control-request-headers",
            "content-type, api-version",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_path_answers_preflights_from_allowed_origins() {
    let app = TestApp::spawn().await;
    for (method, path) in operations() {
        let response = preflight(&app, &method, &path, ALLOWED).await;
        let what = format!("preflight {method} {path}");
        assert_eq!(response.status(), StatusCode::OK, "{what}");
        for (name, value) in [
            ("access-control-allow-origin", ALLOWED),
            ("access-control-allow-credentials", "true"),
            (
                "access-control-allow-methods",
                "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT",
            ),
            ("access-control-allow-headers", "content-type, api-version"),
            ("access-control-max-age", "600"),
            (
                "vary",
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ),
        ] {
            assert_eq!(header(&response, name), Some(value), "{what}: {name}");
        }
    }
}

#[tokio::test]
async fn every_path_refuses_preflights_from_other_origins() {
    let app = TestApp::spawn().await;
    for (method, path) in operations() {
        let response = preflight(&app, &method, &path, DISALLOWED).await;
        let what = format!("preflight {method} {path}");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{what}"
        );
    }
}

#[tokio::test]
async fn every_operation_carries_cors_headers_for_each_kind_of_origin() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    for (method, path) in operations() {
        for origin in [Some(ALLOWED), Some(DISALLOWED), None] {
            let mut request = http.request(method.clone(), app.url(&concrete(&path)));
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            let response = request.send().await.unwrap();
            let what = format!("{method} {path} from {origin:?} ({})", response.status());
            assert_eq!(
                header(&response, "vary"),
                Some("Origin, api-version"),
                "{what}"
            );
            if origin == Some(ALLOWED) {
                assert_eq!(
                    header(&response, "access-control-allow-origin"),
                    Some(ALLOWED),
                    "{what}"
                );
                assert_eq!(
                    header(&response, "access-control-allow-credentials"),
                    Some("true"),
                    "{what}"
                );
            } else {
                assert_eq!(
                    header(&response, "access-control-allow-origin"),
                    None,
                    "{what}"
                );
                assert_eq!(
                    header(&response, "access-control-allow-credentials"),
                    None,
                    "{what}"
                );
            }
        }
    }
}

#[tokio::test]
async fn options_without_preflight_headers_is_405_not_a_crash() {
    let app = TestApp::spawn().await;
    let response = reqwest::Client::new()
        .request(Method::OPTIONS, app.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// The `GET` paths the server serves without publishing them in the document.
const UNPUBLISHED_GET_PATHS: [&str; 3] = [
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/docs/redoc.standalone.js",
];

/// Every path the server answers, with the methods it serves there.
fn paths_and_methods() -> Vec<(String, Vec<Method>)> {
    let mut paths: std::collections::BTreeMap<String, Vec<Method>> = Default::default();
    for (method, path) in operations() {
        paths.entry(path).or_default().push(method);
    }
    for path in UNPUBLISHED_GET_PATHS {
        paths.entry(path.to_owned()).or_default().push(Method::GET);
    }
    paths.into_iter().collect()
}

/// The paths of the document's WebSocket operations (`x-dropshot-websocket`).
fn websocket_paths() -> Vec<String> {
    let document = checked_in_document();
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    paths
        .iter()
        .filter(|(_, item)| item["get"].get("x-dropshot-websocket").is_some())
        .map(|(path, _)| path.clone())
        .collect()
}

/// The `Allow` header of `path` serving `served`: those, `HEAD` with a `GET` (but a
/// WebSocket's), and `OPTIONS`.
fn allow(path: &str, served: &[Method]) -> String {
    let mut allow: Vec<&str> = served.iter().map(Method::as_str).collect();
    if served.contains(&Method::GET) && !websocket_paths().iter().any(|p| p == path) {
        allow.push("HEAD");
    }
    allow.push("OPTIONS");
    allow.sort_unstable();
    allow.dedup();
    allow.join(", ")
}

#[tokio::test]
async fn a_wrong_method_on_every_path_is_405_with_allow_and_cors() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    for (path, served) in paths_and_methods() {
        for method in [
            Method::DELETE,
            Method::PATCH,
            Method::POST,
            Method::PUT,
            Method::GET,
        ]
        .into_iter()
        .filter(|m| !served.contains(m))
        {
            let response = http
                .request(method.clone(), app.url(&concrete(&path)))
                .header("origin", ALLOWED)
                .send()
                .await
                .unwrap();
            let what = format!("{method} {path}");
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{what}");
            assert_eq!(
                header(&response, "allow"),
                Some(allow(&path, &served).as_str()),
                "{what}"
            );
            assert_eq!(
                header(&response, "access-control-allow-origin"),
                Some(ALLOWED),
                "{what}"
            );
            assert_eq!(
                header(&response, "access-control-expose-headers"),
                Some(EXPOSED),
                "{what}"
            );
            assert!(header(&response, "x-request-id").is_some(), "{what}");
        }
    }
}

#[tokio::test]
async fn head_on_every_get_path_has_the_gets_headers_and_no_body() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    for (path, served) in paths_and_methods() {
        if !served.contains(&Method::GET) {
            continue;
        }
        let send = |method: Method| {
            http.request(method, app.url(&concrete(&path)))
                .header("origin", ALLOWED)
                .send()
        };
        let head = send(Method::HEAD).await.unwrap();
        let what = format!("HEAD {path}");
        if websocket_paths().contains(&path) {
            // No HEAD for a WebSocket: a 405 saying what the path allows.
            assert_eq!(head.status(), StatusCode::METHOD_NOT_ALLOWED, "{what}");
            assert_eq!(header(&head, "allow"), Some(allow(&path, &served).as_str()));
            continue;
        }
        let get = send(Method::GET).await.unwrap();
        assert_eq!(head.status(), get.status(), "{what}");
        for name in [
            "content-type",
            "content-length",
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "access-control-expose-headers",
            "vary",
        ] {
            assert_eq!(header(&head, name), header(&get, name), "{what}: {name}");
        }
        assert!(head.bytes().await.unwrap().is_empty(), "{what}: no body");
    }
}

#[tokio::test]
async fn allowed_origins_may_read_the_request_id() {
    let app = TestApp::spawn().await;
    let response = reqwest::Client::new()
        .get(app.url("/api/v1/health"))
        .header("origin", ALLOWED)
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&response, "access-control-expose-headers"),
        Some(EXPOSED)
    );
    assert!(header(&response, "x-request-id").is_some());
}
