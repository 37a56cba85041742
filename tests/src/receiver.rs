//! A webhook receiver for tests: a small HTTP/1.1 server on loopback that records every
//! request (path, the Standard Webhooks headers, body) and answers each path as told: a
//! status (200 by default), a number of failures before it, or no answer at all.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request received.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The request's path.
    pub path: String,
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`.
    pub timestamp: String,
    /// `webhook-signature`.
    pub signature: String,
    /// The body.
    pub body: Vec<u8>,
    /// When it arrived.
    pub received_at: std::time::SystemTime,
}

/// How a path answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// This status.
    Status(u16),
    /// `500` for this many more requests, then `200`.
    FailTimes(u32),
    /// Nothing, ever (the connection stays open).
    Hang,
    /// `200`, after this many milliseconds.
    SlowOk(u64),
}

#[derive(Debug, Default)]
struct State {
    received: Vec<Delivery>,
    answers: HashMap<String, Answer>,
    default: Answer,
}

impl Default for Answer {
    fn default() -> Self {
        Answer::Status(200)
    }
}

/// The receiver; it stops when dropped.
#[derive(Debug)]
pub struct Receiver {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// Starts a receiver on a free loopback port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("a local address");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Self { addr, state, task }
    }

    /// The URL of `path` (`/hooks/a`) on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// From now on every path answers `answer`, unless told otherwise.
    pub fn answer_all(&self, answer: Answer) {
        let mut state = self.state.lock().expect("the receiver's state");
        state.default = answer;
    }

    /// From now on `path` answers `answer`.
    pub fn answer(&self, path: &str, answer: Answer) {
        let mut state = self.state.lock().expect("the receiver's state");
        state.answers.insert(path.to_owned(), answer);
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Delivery> {
        self.state
            .lock()
            .expect("the receiver's state")
            .received
            .clone()
    }

    /// How many requests it has received.
    pub fn count(&self) -> usize {
        self.state
            .lock()
            .expect("the receiver's state")
            .received
            .len()
    }
}

/// Serves the requests of one connection, one after the other.
async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut buffer = Vec::new();
    loop {
        let Some(end) = read_until_headers(&mut stream, &mut buffer).await else {
            return;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_string();
        let mut lines = head.split("\r\n");
        let path = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .unwrap_or("/")
            .to_owned();
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        buffer.drain(..end + 4);
        while buffer.len() < length {
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let body: Vec<u8> = buffer.drain(..length).collect();
        let header = |name: &str| headers.get(name).cloned().unwrap_or_default();
        let answer = {
            let mut state = state.lock().expect("the receiver's state");
            state.received.push(Delivery {
                path: path.clone(),
                id: header("webhook-id"),
                timestamp: header("webhook-timestamp"),
                signature: header("webhook-signature"),
                body,
                received_at: std::time::SystemTime::now(),
            });
            let answer = state.answers.get(&path).copied().unwrap_or(state.default);
            if let Answer::FailTimes(n) = answer {
                let next = if n <= 1 {
                    Answer::Status(200)
                } else {
                    Answer::FailTimes(n - 1)
                };
                state.answers.insert(path.clone(), next);
            }
            answer
        };
        let status = match answer {
            Answer::Status(status) => status,
            Answer::FailTimes(_) => 500,
            Answer::SlowOk(millis) => {
                tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
                200
            }
            Answer::Hang => {
                std::future::pending::<()>().await;
                return;
            }
        };
        let response = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n");
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Reads until `buffer` holds a whole request head; where it ends (`\r\n\r\n`), or `None`
/// when the connection closes first.
async fn read_until_headers(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<usize> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(end);
        }
        let mut chunk = [0u8; 8192];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}
