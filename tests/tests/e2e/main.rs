//! End-to-end tests: a real server on a loopback port, called through the generated
//! client (and through raw HTTP where the test is about the wire).

#![allow(clippy::unwrap_used)]

mod badges;
mod board;
mod board_api;
mod client_faults;
mod cors;
mod database;
mod docs;
mod error_codes;
mod feed;
mod github;
mod grants;
mod health;
mod incidents;
mod live;
mod live_changes;
mod maintenances;
mod memory;
mod pages;
mod ready;
mod retention;
mod shutdown;
mod slugs;
mod statements;
mod tls;
mod tokens_api;
mod uptime;
mod versioning;
mod webhooks;

use statusboard_tests::app::TestApp;

/// `text` as a slug, for the server's own functions.
fn slug(text: &str) -> statusboard_api::Slug {
    statusboard_api::Slug::parse(text).unwrap()
}

/// `request` as a WebSocket upgrade (to see what the live board answers before one).
fn upgrade(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
}

/// The generated client pointed at a test server.
fn client(app: &TestApp) -> statusboard_client::Client {
    statusboard_client::Client::new(&app.base_url, statusboard_client::Session::anonymous())
}

/// The checked-in OpenAPI document.
fn checked_in_document() -> serde_json::Value {
    serde_json::from_str(&checked_in_document_text()).expect("the document is JSON")
}

fn checked_in_document_text() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/statusboard/statusboard-latest.json"
    );
    std::fs::read_to_string(path).expect("the latest OpenAPI document is readable")
}
