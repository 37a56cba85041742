//! hyper 1 alone: `GET /api/v1/health` answers `{"status":"ok"}`, anything else `404`.
//!
//! With `ANSWER_PATH` and `ANSWER_FILE` set, `GET ANSWER_PATH` also answers the file's
//! bytes as JSON (read once, at start), with `ETag: ANSWER_ETAG` when that is set, and
//! `304` with no body to an `If-None-Match` naming it: what the bench compares the
//! summary read from memory with.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;

/// The extra answer, when configured.
#[derive(Debug)]
struct Answer {
    path: String,
    body: Bytes,
    etag: Option<String>,
}

impl Answer {
    fn from_env() -> anyhow::Result<Option<Self>> {
        let (Ok(path), Ok(file)) = (std::env::var("ANSWER_PATH"), std::env::var("ANSWER_FILE"))
        else {
            return Ok(None);
        };
        Ok(Some(Self {
            path,
            body: Bytes::from(std::fs::read(file)?),
            etag: std::env::var("ANSWER_ETAG").ok(),
        }))
    }

    /// `200` with the body, or `304` when the request names the `ETag`.
    fn respond(&self, request: &Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
        let mut response = Response::builder();
        if let Some(etag) = &self.etag {
            response = response.header(header::ETAG, etag);
            let named = request
                .headers()
                .get(header::IF_NONE_MATCH)
                .is_some_and(|value| value.as_bytes() == etag.as_bytes());
            if named {
                let response = response.status(StatusCode::NOT_MODIFIED);
                return response.body(Full::new(Bytes::new())).unwrap_or_default();
            }
        }
        response
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(self.body.clone()))
            .unwrap_or_default()
    }
}

fn answer(
    request: &Request<hyper::body::Incoming>,
    extra: Option<&Answer>,
) -> Response<Full<Bytes>> {
    let path = request.uri().path();
    if request.method() != hyper::Method::GET {
        return not_found();
    }
    if path == "/api/v1/health" {
        return Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from_static(
                statusboard_baselines::HEALTH_BODY.as_bytes(),
            )))
            .unwrap_or_default();
    }
    match extra {
        Some(extra) if extra.path == path => extra.respond(request),
        _ => not_found(),
    }
}

fn not_found() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let extra = Arc::new(Answer::from_env()?);
    let listener = tokio::net::TcpListener::bind(statusboard_baselines::bind_address()?).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        let extra = extra.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let response = answer(&request, extra.as_ref().as_ref());
                async move { Ok::<_, Infallible>(response) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
