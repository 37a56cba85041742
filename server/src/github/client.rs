//! GitHub's REST API, the few calls the poller makes: conditional `GET`s (`If-None-Match`
//! with the last `ETag`; GitHub does not count a `304` against the rate limit), the rate
//! limit read from every answer, and GitHub's refusals told apart.
//!
//! The calls are written by hand on `reqwest` and read only the fields the integration
//! uses, so that a field GitHub adds, drops or loosens never breaks polling; the tests'
//! fake GitHub builds its answers from the types progenitor generates from GitHub's
//! published description, so the shapes read here are GitHub's.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, ETAG, HeaderMap, HeaderValue, IF_NONE_MATCH};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::config::Secret;

/// How long one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// An answer to a conditional request.
#[derive(Debug)]
pub enum Fetched<T> {
    /// `304`: nothing changed since the `ETag` sent.
    NotModified,
    /// `200`: the value, and its `ETag` for the next request.
    Fresh {
        /// What GitHub answered.
        value: T,
        /// Its validator.
        etag: Option<String>,
    },
}

/// Why a request got nothing. The messages never hold the token.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// `401`: the token is not accepted.
    #[error("GitHub refused the token (401): check GITHUB_TOKEN")]
    Unauthorized,
    /// `404`: no such repository, workflow or deployment, or the token cannot see it.
    #[error("GitHub answered 404: {0} does not exist, or the token cannot read it")]
    NotFound(String),
    /// A rate limit ran out: nothing is asked until `until`.
    #[error("GitHub's rate limit ran out: waiting until {until}")]
    RateLimited {
        /// When asking again is allowed.
        until: DateTime<Utc>,
    },
    /// GitHub failed (`5xx`).
    #[error("GitHub answered {0}: retrying later")]
    Server(u16),
    /// Another refusal (`403` without a rate limit, `422`, …).
    #[error("GitHub answered {status} to {path}")]
    Refused {
        /// The status.
        status: u16,
        /// What was asked.
        path: String,
    },
    /// GitHub could not be reached, or took too long.
    #[error("GitHub could not be reached: {0}")]
    Transport(String),
    /// The answer is not what GitHub's API answers.
    #[error("GitHub's answer to {path} could not be read: {reason}")]
    Body {
        /// What was asked.
        path: String,
        /// Why.
        reason: String,
    },
}

impl GithubError {
    /// The metrics' name for it.
    fn outcome(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::NotFound(_) => "not_found",
            Self::RateLimited { .. } => "rate_limited",
            Self::Server(_) => "server_error",
            Self::Refused { .. } | Self::Transport(_) | Self::Body { .. } => "error",
        }
    }
}

/// A deployment, as the poller reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct Deployment {
    /// Its id.
    pub id: i64,
}

/// A deployment status, as the poller reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct DeploymentStatus {
    /// Its id.
    pub id: i64,
    /// `success`, `failure`, `error`, `in_progress`, …
    pub state: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// A page of workflow runs.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkflowRuns {
    /// The runs, newest first.
    pub workflow_runs: Vec<WorkflowRun>,
}

/// A workflow run, as the poller reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkflowRun {
    /// Its id.
    pub id: i64,
    /// `completed`, `in_progress`, …
    pub status: Option<String>,
    /// `success`, `failure`, `cancelled`, … once completed.
    pub conclusion: Option<String>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// GitHub's API at one base URL, with one token.
#[derive(Clone)]
pub struct GithubClient {
    http: reqwest::Client,
    base: String,
}

impl std::fmt::Debug for GithubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl GithubClient {
    /// A client of the API at `base` (`GITHUB_API_URL`) with `token`.
    pub fn new(base: &str, token: &Secret) -> Result<Self, GithubError> {
        let mut headers = HeaderMap::new();
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| GithubError::Transport("GITHUB_TOKEN is not a header value".into()))?;
        authorization.set_sensitive(true);
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static("2022-11-28"),
        );
        let http = reqwest::Client::builder()
            .user_agent(concat!("statusboard/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(REQUEST_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| GithubError::Transport(e.to_string()))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// `GET path` (with its query), conditional on `etag`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        etag: Option<&str>,
    ) -> Result<Fetched<T>, GithubError> {
        let fetched = self.send(path, etag).await;
        crate::metrics::github_request(match &fetched {
            Ok(Fetched::NotModified) => "not_modified",
            Ok(Fetched::Fresh { .. }) => "ok",
            Err(e) => e.outcome(),
        });
        fetched
    }

    async fn send<T: DeserializeOwned>(
        &self,
        path: &str,
        etag: Option<&str>,
    ) -> Result<Fetched<T>, GithubError> {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let answer = request
            .send()
            .await
            .map_err(|e| GithubError::Transport(e.without_url().to_string()))?;
        let status = answer.status();
        let headers = answer.headers().clone();
        let remaining = number(&headers, "x-ratelimit-remaining");
        if let Some(remaining) = remaining {
            crate::metrics::github_rate_limit_remaining(remaining);
        }
        match status {
            StatusCode::NOT_MODIFIED => Ok(Fetched::NotModified),
            status if status.is_success() => {
                let etag = headers
                    .get(ETAG)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body = answer.bytes().await.map_err(|e| GithubError::Body {
                    path: path.to_owned(),
                    reason: e.without_url().to_string(),
                })?;
                let value = serde_json::from_slice(&body).map_err(|e| GithubError::Body {
                    path: path.to_owned(),
                    reason: e.to_string(),
                })?;
                Ok(Fetched::Fresh { value, etag })
            }
            StatusCode::UNAUTHORIZED => Err(GithubError::Unauthorized),
            StatusCode::NOT_FOUND => Err(GithubError::NotFound(path.to_owned())),
            StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS => {
                match rate_limited_until(&headers, remaining) {
                    Some(until) => Err(GithubError::RateLimited { until }),
                    None => Err(GithubError::Refused {
                        status: status.as_u16(),
                        path: path.to_owned(),
                    }),
                }
            }
            status if status.is_server_error() => Err(GithubError::Server(status.as_u16())),
            status => Err(GithubError::Refused {
                status: status.as_u16(),
                path: path.to_owned(),
            }),
        }
    }
}

/// Until when a `403` or `429` asks to wait: `retry-after` seconds (a secondary limit),
/// or `x-ratelimit-reset` when `x-ratelimit-remaining` is 0 (the primary one); `None`
/// when neither says so (a refusal of another kind). A `429` without either waits a
/// minute, as GitHub's documentation asks.
fn rate_limited_until(headers: &HeaderMap, remaining: Option<u64>) -> Option<DateTime<Utc>> {
    let now = Utc::now();
    if let Some(seconds) = number(headers, "retry-after") {
        return Some(now + chrono::Duration::seconds(seconds.min(86_400) as i64));
    }
    if remaining == Some(0) {
        let reset = number(headers, "x-ratelimit-reset")
            .and_then(|reset| DateTime::from_timestamp(i64::try_from(reset).ok()?, 0));
        return Some(reset.unwrap_or(now + chrono::Duration::minutes(1)).max(now));
    }
    None
}

/// A header's value as a whole number.
fn number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    reqwest::header::HeaderName::from_static(k),
                    HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn a_refusal_waits_as_the_rate_limit_headers_say() {
        let retry = headers(&[("retry-after", "30")]);
        let until = rate_limited_until(&retry, Some(100)).unwrap();
        assert!((until - Utc::now()).num_seconds() >= 29);
        let reset = Utc::now().timestamp() + 600;
        let exhausted = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", &reset.to_string()),
        ]);
        let until = rate_limited_until(&exhausted, Some(0)).unwrap();
        assert_eq!(until.timestamp(), reset);
        // A 403 that is no rate limit (a token without the permission).
        assert_eq!(rate_limited_until(&headers(&[]), Some(4000)), None);
    }
}
