//! The OpenAPI document of the API, as it is checked in at `openapi/statusboard.json`.

use dropshot::ApiDescription;

use crate::api::statusboard_api_mod;

/// The document's title.
pub const TITLE: &str = "Statusboard API";

/// The document's description.
pub const DESCRIPTION: &str = "The statusboard backend's HTTP API. Every path lives under \
    `/api/v1`; errors carry dropshot's JSON error body (`request_id`, `message`, \
    `error_code`). Browsers may call it from the origins listed in the server's \
    `CORS_ORIGINS`, with credentials.";

/// The API version: the server crate's version.
pub fn version() -> semver::Version {
    semver::Version::parse(env!("CARGO_PKG_VERSION")).expect("the crate version is semver")
}

/// The document as pretty-printed JSON with a trailing newline, byte for byte what
/// `openapi/statusboard.json` holds. Needs no settings, database or server.
pub fn document() -> String {
    let api = statusboard_api_mod::stub_api_description()
        .unwrap_or_else(|e| panic!("the API trait is invalid: {e}"));
    let mut json = serde_json::to_string_pretty(&to_json(&api)).expect("JSON serialises");
    json.push('\n');
    json
}

/// The OpenAPI document of any description of the API, as a JSON value.
fn to_json<C: dropshot::ServerContext>(api: &ApiDescription<C>) -> serde_json::Value {
    let mut definition = api.openapi(TITLE, version());
    definition.description(DESCRIPTION);
    definition.json().expect("the OpenAPI document serialises")
}

/// The paths of the published operations of a description, in document order.
pub fn paths<C: dropshot::ServerContext>(api: &ApiDescription<C>) -> Vec<String> {
    to_json(api)["paths"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}
