//! The fake GitHub's server: its state (repositories, deployments and their statuses,
//! workflow runs), the answers the poller's requests get, and the requests it received.

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request as HttpRequest, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

use super::{shapes, types};

/// A request the fake received, and what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The path, without the query.
    pub path: String,
    /// The query.
    pub query: String,
    /// The `If-None-Match` sent.
    pub if_none_match: Option<String>,
    /// The status answered.
    pub status: u16,
}

/// A failure the next request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A secondary rate limit: `403` with `retry-after`.
    SecondaryLimit {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// `502`.
    ServerError,
}

#[derive(Debug)]
struct Deployment {
    id: i64,
    repository: String,
    environment: String,
    /// `(id, state, when)`, oldest first.
    statuses: Vec<(i64, String, chrono::DateTime<chrono::Utc>)>,
}

#[derive(Debug)]
struct Run {
    id: i64,
    repository: String,
    file: String,
    branch: String,
    conclusion: String,
    at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug)]
struct State {
    token: String,
    next_id: i64,
    repositories: HashSet<String>,
    deployments: Vec<Deployment>,
    runs: Vec<Run>,
    failures: VecDeque<Failure>,
    requests: Vec<Request>,
    remaining: u64,
}

/// The fake; it stops when dropped.
#[derive(Debug)]
pub struct FakeGithub {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeGithub {
    /// Starts a fake that accepts `token`, on a free loopback port.
    pub async fn start(token: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("a local address");
        let state = Arc::new(Mutex::new(State {
            token: token.to_owned(),
            next_id: 1000,
            repositories: HashSet::new(),
            deployments: Vec::new(),
            runs: Vec::new(),
            failures: VecDeque::new(),
            requests: Vec::new(),
            remaining: 5000,
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(answer(&state, &request)) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, state, task }
    }

    /// The API's base URL (`GITHUB_API_URL`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("the fake's state")
    }

    /// Makes the repository `owner/name` exist.
    pub fn add_repository(&self, repository: &str) {
        self.state().repositories.insert(repository.to_owned());
    }

    /// A new deployment of `repository` to `environment`; its id.
    pub fn deploy(&self, repository: &str, environment: &str) -> i64 {
        let mut state = self.state();
        state.next_id += 1;
        let id = state.next_id;
        state.deployments.push(Deployment {
            id,
            repository: repository.to_owned(),
            environment: environment.to_owned(),
            statuses: Vec::new(),
        });
        id
    }

    /// A new status of the deployment `deployment`; its id.
    pub fn set_status(&self, deployment: i64, deployment_state: &str) -> i64 {
        let mut state = self.state();
        state.next_id += 1;
        let id = state.next_id;
        let deployment = state
            .deployments
            .iter_mut()
            .find(|d| d.id == deployment)
            .expect("a deployment of the fake");
        deployment
            .statuses
            .push((id, deployment_state.to_owned(), chrono::Utc::now()));
        id
    }

    /// A completed run of the workflow `file` on `branch`; its id.
    pub fn complete_run(
        &self,
        repository: &str,
        file: &str,
        branch: &str,
        conclusion: &str,
    ) -> i64 {
        let mut state = self.state();
        state.next_id += 1;
        let id = state.next_id;
        state.runs.push(Run {
            id,
            repository: repository.to_owned(),
            file: file.to_owned(),
            branch: branch.to_owned(),
            conclusion: conclusion.to_owned(),
            at: chrono::Utc::now(),
        });
        id
    }

    /// The next request gets `failure`.
    pub fn fail_next(&self, failure: Failure) {
        self.state().failures.push_back(failure);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.state().requests.clone()
    }
}

/// A JSON answer.
fn respond(
    status: StatusCode,
    body: &Value,
    remaining: u64,
    etag: Option<&str>,
) -> Response<Full<Bytes>> {
    let bytes = if status == StatusCode::NOT_MODIFIED {
        Bytes::new()
    } else {
        Bytes::from(serde_json::to_vec(body).expect("JSON"))
    };
    let reset = chrono::Utc::now().timestamp() + 3600;
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-ratelimit-limit", "5000")
        .header("x-ratelimit-remaining", remaining.to_string())
        .header("x-ratelimit-used", (5000 - remaining).to_string())
        .header("x-ratelimit-reset", reset.to_string());
    if let Some(etag) = etag {
        response = response.header("etag", etag);
    }
    response.body(Full::new(bytes)).expect("a response")
}

/// Answers one request, and records it.
fn answer(state: &Mutex<State>, request: &HttpRequest<Incoming>) -> Response<Full<Bytes>> {
    let mut state = state.lock().expect("the fake's state");
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let if_none_match = request
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let authorized = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(format!("Bearer {}", state.token).as_str());
    let remaining = state.remaining;
    let response = if !authorized {
        respond(
            StatusCode::UNAUTHORIZED,
            &shapes::error("Bad credentials"),
            remaining,
            None,
        )
    } else if let Some(failure) = state.failures.pop_front() {
        match failure {
            Failure::SecondaryLimit { retry_after } => {
                let mut response = respond(
                    StatusCode::FORBIDDEN,
                    &shapes::error("You have exceeded a secondary rate limit."),
                    remaining,
                    None,
                );
                response.headers_mut().insert(
                    "retry-after",
                    retry_after.to_string().parse().expect("a header"),
                );
                response
            }
            Failure::ServerError => respond(
                StatusCode::BAD_GATEWAY,
                &shapes::error("Server Error"),
                remaining,
                None,
            ),
        }
    } else {
        match body(&state, &path, &query) {
            None => respond(
                StatusCode::NOT_FOUND,
                &shapes::error("Not Found"),
                remaining,
                None,
            ),
            Some(body) => {
                let digest = Sha256::digest(serde_json::to_vec(&body).expect("JSON"));
                let etag: String = format!("\"{:x}\"", digest).chars().take(18).collect();
                let etag = format!("{etag}\"");
                if if_none_match.as_deref() == Some(etag.as_str()) {
                    respond(StatusCode::NOT_MODIFIED, &body, remaining, Some(&etag))
                } else {
                    state.remaining = state.remaining.saturating_sub(1);
                    respond(StatusCode::OK, &body, state.remaining, Some(&etag))
                }
            }
        }
    };
    state.requests.push(Request {
        path,
        query,
        if_none_match,
        status: response.status().as_u16(),
    });
    response
}

/// A query parameter's value.
fn param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The body of a `200` to `path`, or `None` for a `404`.
fn body(state: &State, path: &str, query: &str) -> Option<Value> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let ["repos", owner, name, rest @ ..] = parts.as_slice() else {
        return None;
    };
    let repository = format!("{owner}/{name}");
    if !state.repositories.contains(&repository) {
        return None;
    }
    match rest {
        ["deployments"] => {
            let environment = param(query, "environment");
            let items: Vec<Value> = state
                .deployments
                .iter()
                .rev()
                .filter(|d| d.repository == repository)
                .filter(|d| environment.is_none_or(|e| e == d.environment))
                .take(1)
                .map(|d| shapes::deployment(&repository, d.id, &d.environment))
                .collect();
            let value = Value::Array(items);
            shapes::read_as::<Vec<types::rest::types::Deployment>>(&value);
            Some(value)
        }
        ["deployments", id, "statuses"] => {
            let id: i64 = id.parse().ok()?;
            let deployment = state
                .deployments
                .iter()
                .find(|d| d.id == id && d.repository == repository)?;
            let items: Vec<Value> = deployment
                .statuses
                .iter()
                .rev()
                .take(1)
                .map(|(id, status, at)| {
                    shapes::deployment_status(
                        &repository,
                        deployment.id,
                        &deployment.environment,
                        *id,
                        status,
                        *at,
                    )
                })
                .collect();
            let value = Value::Array(items);
            shapes::read_as::<Vec<types::rest::types::DeploymentStatus>>(&value);
            Some(value)
        }
        ["actions", "workflows", file, "runs"] => {
            let branch = param(query, "branch");
            let runs: Vec<Value> = state
                .runs
                .iter()
                .rev()
                .filter(|r| r.repository == repository && r.file == *file)
                .filter(|r| branch.is_none_or(|b| b == r.branch))
                .take(1)
                .map(|r| {
                    shapes::workflow_run(
                        &repository,
                        r.id,
                        &r.file,
                        &r.branch,
                        &r.conclusion,
                        r.at,
                    )
                })
                .collect();
            let value = json!({"total_count": runs.len(), "workflow_runs": runs});
            shapes::read_as::<types::rest::types::ActionsListWorkflowRunsResponse>(&value);
            Some(value)
        }
        _ => None,
    }
}
