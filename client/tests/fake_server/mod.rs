//! Fake servers on loopback ports, standing in for the statusboard server or a proxy in
//! front of it, to see what the client sends and how it takes what comes back.

#![allow(clippy::unwrap_used, dead_code)]

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server on a loopback port that answers every request with `status` and `body`, as a
/// proxy or the real server would. Returns its base URL.
pub async fn answering(status: &str, content_type: &str, body: &str) -> String {
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    serve(move |mut socket| {
        let response = response.clone();
        async move {
            let _ = read_request(&mut socket).await;
            let _ = socket.write_all(response.as_bytes()).await;
        }
    })
    .await
}

/// A server that accepts connections and reads requests but never answers.
pub async fn never_answering() -> String {
    serve(|mut socket| async move {
        let _ = read_request(&mut socket).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await
}

pub async fn serve<F, Fut>(handle: F) -> String
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

/// Reads a request's head (its request line and headers).
pub async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut request = Vec::new();
    let mut buffer = [0; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    String::from_utf8_lossy(&request).into_owned()
}

/// A server that answers every request with `200` and `body` (JSON), and hands each
/// request's head to the returned receiver. Returns its base URL.
pub async fn recording(
    body: &'static str,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let (heads, received) = tokio::sync::mpsc::unbounded_channel();
    let url = serve(move |mut socket| {
        let heads = heads.clone();
        async move {
            let _ = heads.send(read_request(&mut socket).await);
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    })
    .await;
    (url, received)
}
