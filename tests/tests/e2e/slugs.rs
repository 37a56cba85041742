//! A slug is parsed once, by one rule, in every version: 11.0.0's document states the rule
//! as one `Slug` schema, so the generated client refuses a bad slug before sending it;
//! every version's server refuses it with the same `400`.

use statusboard_api::{Scope, Slug};
use statusboard_client::Error;
use statusboard_tests::app::TestApp;

use crate::board_api::{anonymous, pair};

/// Every operation with `{slug}` in its path, with a body it would accept.
fn slug_operations() -> Vec<(reqwest::Method, &'static str, Option<serde_json::Value>)> {
    use reqwest::Method;
    let github = serde_json::json!({
        "repository": "octo/shop",
        "source": {"deployments": {"environment": "production"}},
    });
    vec![
        (Method::GET, "", None),
        (Method::PUT, "", Some(serde_json::json!({"name": "x"}))),
        (Method::DELETE, "", None),
        (Method::GET, "/reports", None),
        (
            Method::POST,
            "/reports",
            Some(serde_json::json!({"status": "operational"})),
        ),
        (Method::GET, "/github", None),
        (Method::PUT, "/github", Some(github)),
        (Method::DELETE, "/github", None),
        (Method::GET, "/uptime", None),
        (Method::GET, "/badge.svg", None),
        (Method::GET, "/uptime.svg", None),
        (Method::GET, "/badge.json", None),
    ]
}

#[tokio::test]
async fn every_version_refuses_a_bad_slug_in_a_path_with_the_same_400() {
    let app = TestApp::spawn_with_database().await;
    let scopes = [Scope::ComponentsWrite, Scope::ReportsWrite];
    let bearer = format!("Bearer {}", pair(&app, "ops", &scopes).await.access_token);
    let http = reqwest::Client::new();
    let operations = slug_operations();
    assert_eq!(
        operations.len(),
        12,
        "every {{slug}} operation of the document"
    );
    for version in ["11.0.0", "10.0.0", "8.0.0"] {
        for (method, rest, body) in &operations {
            let path = format!("/api/v1/components/Bad_Slug{rest}");
            let mut request = http
                .request(method.clone(), app.url(&path))
                .header("api-version", version)
                .header("authorization", &bearer);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let what = format!("{method} {path} in {version}");
            assert_eq!(response.status(), 400, "{what}");
            let answer: serde_json::Value = response.json().await.unwrap();
            assert_eq!(answer["error_code"], "InvalidInput", "{what}: {answer}");
            let message = answer["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(r#"slug "Bad_Slug" is invalid"#),
                "{what}: {message}"
            );
        }
    }
    let components = anonymous(&app).list_components().send().await.unwrap();
    assert!(components.items.is_empty(), "nothing was written");
}

#[tokio::test]
async fn the_rust_client_refuses_a_bad_slug_before_sending_it() {
    // No server: a request that went out would fail to connect, not as a bad request.
    let client = statusboard_client::Client::new(
        "http://127.0.0.1:9",
        statusboard_client::Session::anonymous(),
    );
    let long = "a".repeat(Slug::MAX + 1);
    for bad in ["Bad_Slug", "-db", "", long.as_str()] {
        match client.get_component().slug(bad).send().await {
            Err(Error::InvalidRequest(message)) => {
                assert!(message.contains("Slug"), "{bad:?}: {message}")
            }
            other => panic!("{bad:?} was not refused before sending: {other:?}"),
        }
    }
    let good = statusboard_client::types::Slug::try_from("checkout-api").unwrap();
    assert_eq!(good.as_str(), "checkout-api");
}

/// The latest document: one `Slug` schema, with the server's own rule, that every `{slug}`
/// parameter refers to.
#[test]
fn the_latest_document_describes_every_slug_parameter_by_one_schema() {
    let text = include_str!("../../../openapi/statusboard/statusboard-latest.json");
    let document: serde_json::Value = serde_json::from_str(text).unwrap();
    let slug = &document["components"]["schemas"]["Slug"];
    assert_eq!(slug["pattern"], Slug::PATTERN, "{slug}");
    assert_eq!(slug["maxLength"], Slug::MAX, "{slug}");
    let mut parameters = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let Some(list) = operation["parameters"].as_array() else {
                continue;
            };
            for parameter in list.iter().filter(|p| p["name"] == "slug") {
                parameters += 1;
                assert_eq!(
                    parameter["schema"],
                    serde_json::json!({"$ref": "#/components/schemas/Slug"}),
                    "{method} {path}"
                );
            }
        }
    }
    assert_eq!(parameters, slug_operations().len());
}
