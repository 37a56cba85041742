//! A complete webhook receiver: verifies each delivery with the subscription's secret,
//! drops a second arrival of the same delivery (by `webhook-id`), prints the change.
//!
//! ```sh
//! # Subscribe (a token with the scope `webhooks:write`); the answer's `secret` is shown once:
//! curl -sX POST https://statusboard.example.com/api/v1/webhooks \
//!     -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
//!     -d '{"url": "https://hooks.example.com/statusboard", "kinds": ["incident"]}'
//! STATUSBOARD_WEBHOOK_SECRET=whsec_… cargo run -p statusboard-client --example webhook_receiver -- 127.0.0.1:9000
//! ```
//!
//! It answers `204` to a verified delivery (the server then sends the next one), `401` to
//! one that does not verify and `413` to a body over 1 MiB; the server retries anything
//! but a `2xx`, so answer `2xx` only once the change is safely handled.

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use statusboard_client::webhooks;

/// The largest body read.
const BODY_LIMIT: usize = 1 << 20;
/// How many delivery ids are remembered to drop repeats.
const REMEMBERED: usize = 10_000;

/// The ids of the latest deliveries handled, oldest first.
#[derive(Default)]
struct Seen {
    order: VecDeque<String>,
    ids: HashSet<String>,
}

impl Seen {
    /// Whether `id` is new (and remembers it).
    fn first_time(&mut self, id: &str) -> bool {
        if !self.ids.insert(id.to_owned()) {
            return false;
        }
        self.order.push_back(id.to_owned());
        if self.order.len() > REMEMBERED
            && let Some(oldest) = self.order.pop_front()
        {
            self.ids.remove(&oldest);
        }
        true
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webhook_receiver: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let address = std::env::args()
        .nth(1)
        .ok_or("usage: webhook_receiver <address:port>")?;
    let secret = std::env::var("STATUSBOARD_WEBHOOK_SECRET")
        .map_err(|_| "STATUSBOARD_WEBHOOK_SECRET must hold the subscription's whsec_… secret")?;
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("listening on {}", listener.local_addr()?);
    let secret: Arc<str> = secret.into();
    let seen = Arc::new(Mutex::new(Seen::default()));
    loop {
        let (stream, _) = listener.accept().await?;
        let (secret, seen) = (secret.clone(), seen.clone());
        tokio::spawn(async move {
            let service =
                service_fn(move |request| receive(request, secret.clone(), seen.clone()));
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection: {e}");
            }
        });
    }
}

/// Handles one request.
async fn receive(
    request: Request<Incoming>,
    secret: Arc<str>,
    seen: Arc<Mutex<Seen>>,
) -> Result<Response<Empty<Bytes>>, Infallible> {
    if request.method() != Method::POST {
        return Ok(answer(StatusCode::METHOD_NOT_ALLOWED));
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = Limited::new(body, BODY_LIMIT).collect().await else {
        return Ok(answer(StatusCode::PAYLOAD_TOO_LARGE));
    };
    let body = body.to_bytes();
    let change = match webhooks::verify(&secret, &parts.headers, &body) {
        Ok(change) => change,
        Err(e) => {
            eprintln!("refused: {e}");
            return Ok(answer(StatusCode::UNAUTHORIZED));
        }
    };
    let id = parts
        .headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let new = seen
        .lock()
        .map(|mut seen| seen.first_time(id))
        .unwrap_or(true);
    if new {
        println!("{id}: {change:?}");
    } else {
        println!("{id}: already handled");
    }
    Ok(answer(StatusCode::NO_CONTENT))
}

fn answer(status: StatusCode) -> Response<Empty<Bytes>> {
    let mut response = Response::new(Empty::new());
    *response.status_mut() = status;
    response
}
