//! The server serves its own contract and a docs page that needs no CDN.

use statusboard_tests::app::TestApp;

use crate::checked_in_document_text;

#[tokio::test]
async fn openapi_json_is_the_checked_in_document() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.unwrap(), checked_in_document_text());
}

#[tokio::test]
async fn docs_page_loads_redoc_from_the_server_itself() {
    let app = TestApp::spawn().await;
    let page = reqwest::get(app.url("/api/v1/docs")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"spec-url="/api/v1/openapi.json""#),
        "{html}"
    );
    assert!(
        html.contains(r#"src="/api/v1/docs/redoc.standalone.js""#),
        "{html}"
    );
    assert!(!html.contains("https://"), "no CDN: {html}");

    let script = reqwest::get(app.url("/api/v1/docs/redoc.standalone.js"))
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(script.bytes().await.unwrap().len() > 500_000);
}

#[tokio::test]
async fn the_document_does_not_list_the_docs_endpoints() {
    let document = crate::checked_in_document();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/health"));
    assert!(!paths.contains_key("/api/v1/openapi.json"));
    assert!(!paths.contains_key("/api/v1/docs"));
}
