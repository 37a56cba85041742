//! The client says which version of the API it speaks, on every request.

#![allow(clippy::unwrap_used)]

mod fake_server;

use statusboard_client::Client;

#[tokio::test]
async fn every_request_carries_the_version_of_the_clients_document() {
    let document = include_str!("../../openapi/statusboard/statusboard-latest.json");
    let document: serde_json::Value = serde_json::from_str(document).unwrap();
    let version = document["info"]["version"].as_str().unwrap();

    let (url, mut requests) = fake_server::recording(r#"{"status":"ok"}"#).await;
    Client::new(&url, statusboard_client::Session::anonymous())
        .health()
        .send()
        .await
        .unwrap();
    let head = requests.recv().await.unwrap();
    assert!(head.starts_with("GET /api/v1/health "), "{head}");
    let sent: Vec<&str> = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("api-version"))
        .map(|(_, value)| value.trim())
        .collect();
    assert_eq!(sent, [version], "{head}");
}
