//! The `BearerAuth` extractor on a real dropshot server, with a test-only endpoint.

use dropshot::{
    ApiDescription, HttpError, HttpResponseOk, RequestContext, ServerBuilder, endpoint,
};
use statusboard_server::auth::{Claims, JwtKeys, TokenType};
use statusboard_server::bearer_auth::BearerAuth;
use statusboard_server::context::ApiContext;
use statusboard_server::logging;
use statusboard_tests::app::TestApp;

/// Who the access token says the caller is.
#[endpoint { method = GET, path = "/whoami" }]
async fn whoami(
    _rqctx: RequestContext<ApiContext>,
    auth: BearerAuth,
) -> Result<HttpResponseOk<String>, HttpError> {
    Ok(HttpResponseOk(auth.claims().sub.clone()))
}

struct Protected {
    url: String,
    keys: JwtKeys,
    _server: dropshot::HttpServer<ApiContext>,
}

fn start() -> Protected {
    let nowhere = statusboard_server::config::DatabaseUrl::parse(
        "DATABASE_URL",
        "postgresql://u@127.0.0.1:1/none",
    )
    .unwrap();
    let settings = TestApp::settings(nowhere);
    let mut api = ApiDescription::new();
    api.register(whoami).unwrap();
    let context = ApiContext::new(&settings, Default::default()).unwrap();
    let keys = context.auth.clone();
    let server = ServerBuilder::new(api, context, logging::discard())
        .config(dropshot::ConfigDropshot {
            bind_address: "127.0.0.1:0".parse().unwrap(),
            ..Default::default()
        })
        .start()
        .unwrap();
    Protected {
        url: format!("http://{}/whoami", server.local_addr()),
        keys,
        _server: server,
    }
}

async fn call(protected: &Protected, authorization: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .get(&protected.url)
        .header("origin", "http://localhost:3000");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

/// A `401` with `challenge` in `WWW-Authenticate` and `message_part` in its message.
async fn assert_unauthorized(response: reqwest::Response, challenge: &str, message_part: &str) {
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], challenge);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error_code"], "Unauthorized");
    assert!(body["request_id"].is_string());
    let message = body["message"].as_str().unwrap();
    assert!(message.contains(message_part), "{message}");
}

#[tokio::test]
async fn a_valid_access_token_is_admitted() {
    let protected = start();
    let token = protected.keys.issue("user-42", TokenType::Access).unwrap();
    let response = call(&protected, Some(&format!("Bearer {token}"))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<String>().await.unwrap(), "user-42");
}

#[tokio::test]
async fn everything_else_is_a_json_401() {
    let protected = start();
    const INVALID: &str = "Bearer error=\"invalid_token\"";
    assert_unauthorized(
        call(&protected, None).await,
        "Bearer",
        "missing Authorization",
    )
    .await;
    assert_unauthorized(
        call(&protected, Some("Basic dTpw")).await,
        "Bearer error=\"invalid_request\"",
        "malformed",
    )
    .await;
    assert_unauthorized(
        call(&protected, Some("Bearer not-a-jwt")).await,
        INVALID,
        "invalid",
    )
    .await;

    let refresh = protected.keys.issue("user-42", TokenType::Refresh).unwrap();
    assert_unauthorized(
        call(&protected, Some(&format!("Bearer {refresh}"))).await,
        INVALID,
        "Refresh",
    )
    .await;

    let expired = protected
        .keys
        .sign(&Claims::new("user-42", 1_000, 2_000, TokenType::Access))
        .unwrap();
    assert_unauthorized(
        call(&protected, Some(&format!("Bearer {expired}"))).await,
        INVALID,
        "expired",
    )
    .await;
}
