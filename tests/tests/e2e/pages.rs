//! A page holds at most 1,000 items. 10.0.0 says so in its document (`limit` has
//! `maximum: 1000`) and refuses a larger `limit`; the versions before, whose documents set
//! no bound, are served a page of 1,000 as they always were.

use crate::board_api::{board, record_directly};

/// The list operations anyone may call (the webhook lists share their extractor).
const LISTS: [&str; 5] = [
    "/api/v1/components",
    "/api/v1/components/db/reports",
    "/api/v1/incidents",
    "/api/v1/maintenances",
    "/api/v1/uptime",
];

async fn get(
    app: &statusboard_tests::app::TestApp,
    path: &str,
    version: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .header("api-version", version)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_limit_over_a_thousand_is_refused_by_10_0_0_and_served_as_a_thousand_before() {
    let (app, _admin) = board().await;
    record_directly(&app, 1001).await;

    for list in LISTS {
        let response = get(&app, &format!("{list}?limit=1001"), "10.0.0").await;
        assert_eq!(response.status(), 400, "{list}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error_code"], "InvalidRequest", "{list}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains("limit") && message.contains("1000"),
            "{list}: {message}"
        );

        let response = get(&app, &format!("{list}?limit=1000"), "10.0.0").await;
        assert_eq!(response.status(), 200, "{list}");
        let response = get(&app, &format!("{list}?limit=1001"), "9.0.0").await;
        assert_eq!(response.status(), 200, "{list}");
    }

    let page = |version: &'static str, limit: u32| {
        let app = &app;
        async move {
            let path = format!("/api/v1/components/db/reports?limit={limit}");
            let response = get(app, &path, version).await;
            assert_eq!(response.status(), 200, "{version} limit={limit}");
            let page: serde_json::Value = response.json().await.unwrap();
            page
        }
    };
    let before = page("9.0.0", 4_000_000_000).await;
    assert_eq!(before["items"].as_array().unwrap().len(), 1000);
    assert!(
        before["next_page"].is_string(),
        "the 1,001st is on the next page"
    );
    let now = page("10.0.0", 1000).await;
    assert_eq!(now["items"], before["items"]);
}

/// What the documents say: every paginated operation of the latest bounds `limit` at
/// 1,000; 9.0.0's document, released without the bound, keeps it unbounded.
#[test]
fn the_latest_document_bounds_every_page_and_9_0_0_does_not() {
    let directory =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/statusboard");
    let limits = |file: &str| -> Vec<(String, serde_json::Value)> {
        let text = std::fs::read_to_string(directory.join(file)).unwrap();
        let document: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut limits = Vec::new();
        for (path, operations) in document["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                if operation.get("x-dropshot-pagination").is_none() {
                    continue;
                }
                let limit = operation["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|parameter| parameter["name"] == "limit")
                    .unwrap_or_else(|| panic!("{method} {path} has no limit"));
                limits.push((format!("{method} {path}"), limit["schema"].clone()));
            }
        }
        limits
    };
    let latest = limits("statusboard-latest.json");
    assert_eq!(latest.len(), 7, "{latest:?}");
    for (operation, schema) in &latest {
        assert_eq!(schema["maximum"], 1000, "{operation}: {schema}");
    }
    let released = std::fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .find(|name| name.starts_with("statusboard-9.0.0-"))
        .unwrap();
    for (operation, schema) in limits(&released) {
        assert!(schema.get("maximum").is_none(), "{operation}: {schema}");
    }
}
