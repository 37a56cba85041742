//! Every failure tells its caller the HTTP status (when there was an answer) and whether a
//! retry may help — also when the answer is not the JSON the document declares.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use statusboard_client::types::NotReadyStatus;
use statusboard_client::{Client, Error, Failure, reqwest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server on a loopback port that answers every request with `status` and `body`, as a
/// proxy or the real server would. Returns its base URL.
async fn answering(status: &str, content_type: &str, body: &str) -> String {
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    serve(move |mut socket| {
        let response = response.clone();
        async move {
            read_request(&mut socket).await;
            let _ = socket.write_all(response.as_bytes()).await;
        }
    })
    .await
}

/// A server that accepts connections and reads requests but never answers.
async fn never_answering() -> String {
    serve(|mut socket| async move {
        read_request(&mut socket).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await
}

async fn serve<F, Fut>(handle: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(handle(socket));
        }
    });
    format!("http://{addr}")
}

async fn read_request(socket: &mut tokio::net::TcpStream) {
    let mut request = Vec::new();
    let mut buffer = [0; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
}

fn client(base_url: &str) -> Client {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    Client::new_with_client(base_url, http)
}

const HTML_503: &str = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>";

#[tokio::test]
async fn a_proxys_html_503_keeps_its_status_and_is_transient() {
    let url = answering("503 Service Unavailable", "text/html", HTML_503).await;
    let health = client(&url).health().await.unwrap_err();
    let ready = client(&url).ready().await.unwrap_err();
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
    let error = client(&url).health().await.unwrap_err();
    assert_eq!(error.http_status(), Some(reqwest::StatusCode::NOT_FOUND));
    assert!(!error.is_transient(), "{error:#}");
}

#[tokio::test]
async fn dropshots_own_404_where_an_operation_declares_its_own_error_body() {
    // `ready` declares `NotReady` for its errors; dropshot's 404 (say, an older server
    // without the endpoint) is its generic error body.
    let body = r#"{"request_id":"r-1","error_code":"NotFound","message":"Not Found"}"#;
    let url = answering("404 Not Found", "application/json", body).await;
    let error = client(&url).ready().await.unwrap_err();
    assert_eq!(error.http_status(), Some(reqwest::StatusCode::NOT_FOUND));
    assert!(!error.is_transient(), "{error:#}");
}

#[tokio::test]
async fn the_declared_503_of_ready_comes_typed_and_transient() {
    let body = r#"{"status":"unavailable","database":"connection refused","request_id":"r-2",
        "error_code":"DatabaseUnavailable","message":"database unavailable: connection refused"}"#;
    let url = answering("503 Service Unavailable", "application/json", body).await;
    let error = client(&url).ready().await.unwrap_err();
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
    let error = client(&url).health().await.unwrap_err();
    assert_eq!(error.http_status(), None);
    assert!(error.is_transient(), "{error:#}");
    assert!(format!("{error:#}").contains("timed out"), "{error:#}");
}

#[tokio::test]
async fn a_refused_connection_is_transient_and_its_cause_is_printed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let error = client(&url).health().await.unwrap_err();
    assert_eq!(error.http_status(), None);
    assert!(error.is_transient(), "{error:#}");
    let chain = format!("{error:#}").to_lowercase();
    assert!(chain.contains("connection refused"), "{chain}");
}
