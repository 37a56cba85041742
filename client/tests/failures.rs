//! Every failure tells its caller the HTTP status (when there was an answer) and whether a
//! retry may help — also when the answer is not the JSON the document declares.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use statusboard_client::types::NotReadyStatus;
use statusboard_client::{Client, Error, Failure, reqwest};

mod fake_server;
use fake_server::{answering, never_answering};

fn client(base_url: &str) -> Client {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    Client::new_with_client(base_url, http, statusboard_client::Session::anonymous())
}

const HTML_503: &str = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>";

#[tokio::test]
async fn a_proxys_html_503_keeps_its_status_and_is_transient() {
    let url = answering("503 Service Unavailable", "text/html", HTML_503).await;
    let health = client(&url).health().send().await.unwrap_err();
    let ready = client(&url).ready().send().await.unwrap_err();
    for error in [health.into_untyped(), ready.into_untyped()] {
        assert_eq!(
            error.http_status(),
            Some(reqwest::StatusCode::SERVICE_UNAVAILABLE)
        );
        assert!(error.is_transient(), "{error:#}");
        assert!(format!("{error:#}").contains("503"), "{error:#}");
    }
}

#[tokio::test]
async fn a_proxys_html_404_keeps_its_status_and_is_permanent() {
    let url = answering("404 Not Found", "text/html", "<h1>Not Found</h1>").await;
    let error = client(&url).health().send().await.unwrap_err();
    assert_eq!(error.http_status(), Some(reqwest::StatusCode::NOT_FOUND));
    assert!(!error.is_transient(), "{error:#}");
}

#[tokio::test]
async fn dropshots_own_404_where_an_operation_declares_its_own_error_body() {
    // `ready` declares `NotReady` for its errors; dropshot's 404 (say, an older server
    // without the endpoint) is its generic error body.
    let body = r#"{"request_id":"r-1","error_code":"NotFound","message":"Not Found"}"#;
    let url = answering("404 Not Found", "application/json", body).await;
    let error = client(&url).ready().send().await.unwrap_err();
    assert_eq!(error.http_status(), Some(reqwest::StatusCode::NOT_FOUND));
    assert!(!error.is_transient(), "{error:#}");
}

#[tokio::test]
async fn the_declared_503_of_ready_comes_typed_and_transient() {
    let body = r#"{"status":"unavailable","database":"connection refused","request_id":"r-2",
        "error_code":"DatabaseUnavailable","message":"database unavailable: connection refused"}"#;
    let url = answering("503 Service Unavailable", "application/json", body).await;
    let error = client(&url).ready().send().await.unwrap_err();
    assert_eq!(
        error.http_status(),
        Some(reqwest::StatusCode::SERVICE_UNAVAILABLE)
    );
    assert!(error.is_transient());
    let Error::ErrorResponse(not_ready) = error else {
        panic!("expected the typed body, got {error:#}")
    };
    assert_eq!(not_ready.status, NotReadyStatus::Unavailable);
    assert_eq!(not_ready.database, "connection refused");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_transiently_and_says_so() {
    let url = never_answering().await;
    let error = client(&url).health().send().await.unwrap_err();
    assert_eq!(error.http_status(), None);
    assert!(error.is_transient(), "{error:#}");
    assert!(format!("{error:#}").contains("timed out"), "{error:#}");
}

#[tokio::test]
async fn a_refused_connection_is_transient_and_its_cause_is_printed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let error = client(&url).health().send().await.unwrap_err();
    assert_eq!(error.http_status(), None);
    assert!(error.is_transient(), "{error:#}");
    let chain = format!("{error:#}").to_lowercase();
    assert!(chain.contains("connection refused"), "{chain}");
}
