//! Server settings, read from the process environment and an optional `.env` file.
//!
//! This is the Rust form of the reference scaffold's `app/config.py` (pydantic-settings):
//! the same variable names, types and defaults, plus a few operational additions. Names
//! are matched case-insensitively, a `.env` file in the working directory is read first,
//! and a real environment variable always wins over the file.
//!
//! Every invalid value is reported as a [`SettingsError`] naming the variable, the bad
//! value (never for a secret) and what was expected. Secrets are wrapped in [`Secret`] and
//! a [`DatabaseUrl`] hides its password, so neither `Debug` nor `Display` of [`Settings`]
//! ever shows them.

mod database_url;
mod error;
mod log;
mod origin;
mod secret;
mod source;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

pub use database_url::{DatabaseUrl, RootCertificates, SslMode};
pub use error::SettingsError;
pub use log::{LogFormat, LogLevel};
pub use origin::Origin;
pub use secret::Secret;
pub use source::{Raw, Variables};
use source::{Var, var};

/// The validated settings of one server process.
///
/// Build it once at startup with [`Settings::from_env`]; tests build their own values with
/// [`Settings::from_variables`] or by adjusting [`Settings::for_tests`].
#[derive(Clone, Debug)]
pub struct Settings {
    /// `DATABASE_URL`: where PostgreSQL is. Its password never appears in `Debug` output.
    pub database_url: DatabaseUrl,
    /// `DATABASE_LISTEN_URL`: where the live board's `LISTEN` connection goes, when not to
    /// `DATABASE_URL` (which may be a pooler in transaction mode, where `LISTEN` hears
    /// nothing). `None` (unset or empty): `DATABASE_URL`.
    pub database_listen_url: Option<DatabaseUrl>,
    /// `JWT_SECRET`: the HS256 key for signing tokens. Required, at least 32 bytes.
    pub jwt_secret: Secret,
    /// `JWT_ACCESS_EXPIRE_MINUTES`: lifetime of an access token.
    pub jwt_access_expire_minutes: u32,
    /// `JWT_REFRESH_EXPIRE_DAYS`: lifetime of a refresh token.
    pub jwt_refresh_expire_days: u32,
    /// `CORS_ORIGINS`: the origins allowed to call the API with credentials, normalised
    /// as browsers serialise them; see [`Settings::cors_origins_list`].
    pub cors_origins: Vec<Origin>,
    /// `JWT_GRANT_MAX_DAYS`: how long a grant lives from its first pair, however often it
    /// is refreshed.
    pub jwt_grant_max_days: u32,
    /// `JWT_REFRESH_REUSE_GRACE_SECONDS`: how long a rotated refresh token still answers
    /// the same new pair.
    pub jwt_refresh_reuse_grace_seconds: u32,
    /// `WS_INITIAL_HOURS`: initial WebSocket connection window.
    pub ws_initial_hours: u32,
    /// `LIVE_MAX_SUBSCRIBERS`: the most live board subscribers one server holds; past it,
    /// `GET /api/v1/events` answers `503` with `Retry-After` before any upgrade.
    pub live_max_subscribers: usize,
    /// `READ_MAX_AGE_SECONDS`, `READ_STALE_WHILE_REVALIDATE_SECONDS`: the `Cache-Control`
    /// of the reads served from the board in memory (the summary, the components).
    pub read_cache: ReadCache,
    /// `READY_MAX_STALE_SECONDS`: how long `/ready` stays `200` on the board in memory while
    /// the database cannot be reached (0: not at all).
    pub ready_max_stale: Duration,
    /// `WEBHOOK_ALLOW_PRIVATE_NETWORKS`: whether webhooks may be delivered to loopback,
    /// private, link-local and other non-public addresses, and over plain `http` (off:
    /// only public `https` receivers; see `webhooks::outbound`).
    pub webhook_allow_private_networks: bool,
    /// `GITHUB_TOKEN`: token for the GitHub integration, if any: without it, nothing polls.
    pub github_token: Option<Secret>,
    /// `GITHUB_API_URL`: GitHub's REST API (`https://api.github.com`; GitHub Enterprise
    /// Server: `https://HOST/api/v3`), without a trailing `/`.
    pub github_api_url: String,
    /// `GITHUB_WEBHOOK_SECRET`: the secret GitHub signs its webhook deliveries with; without
    /// it, the webhook endpoint refuses every delivery.
    pub github_webhook_secret: Option<Secret>,
    /// `GITHUB_POLL_SECONDS`: how often each binding is polled.
    pub github_poll: Duration,
    /// `LOG_LEVEL`: the least severe level that is logged.
    pub log_level: LogLevel,
    /// `LOG_FORMAT`: one JSON object per line, or pretty text for a terminal.
    pub log_format: LogFormat,
    /// `BIND_ADDRESS`: the socket address the HTTP server listens on.
    pub bind_address: SocketAddr,
    /// `DATABASE_POOL_MAX_SIZE`: the most PostgreSQL connections held at once.
    pub database_pool_max_size: usize,
    /// `DATABASE_CONNECT_TIMEOUT_SECONDS`: how long a connection checkout may take.
    pub database_connect_timeout: Duration,
    /// `DATABASE_LOCK_TIMEOUT_SECONDS`, `DATABASE_STATEMENT_TIMEOUT_SECONDS` and
    /// `DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS`: the bounds of every pooled session.
    pub database_session_timeouts: SessionTimeouts,
    /// `REQUEST_BODY_MAX_BYTES`: the largest request body accepted.
    pub request_body_max_bytes: usize,
    /// `SHUTDOWN_TIMEOUT_SECONDS`: how long in-flight requests may run once the server
    /// stops accepting connections.
    pub shutdown_timeout: Duration,
    /// `SHUTDOWN_DRAIN_SECONDS`: how long the server keeps serving after a stop signal,
    /// `/api/v1/ready` answering `503`, so that load balancers take it out of rotation
    /// before it stops accepting connections.
    pub shutdown_drain: Duration,
    /// `METRICS_BIND_ADDRESS`: where Prometheus scrapes `GET /metrics`; `None` (the
    /// variable set to an empty value) turns metrics off.
    pub metrics_bind_address: Option<SocketAddr>,
}

impl Settings {
    /// Reads the settings from the process environment, after the `.env` file in the
    /// working directory (if there is one).
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_variables(&Variables::from_process(Path::new(".env"))?)
    }

    /// Builds and validates the settings from already-collected variables.
    pub fn from_variables(vars: &Variables) -> Result<Self, SettingsError> {
        let database_url = var!(vars.DATABASE_URL);
        let listen_url = var!(vars.DATABASE_LISTEN_URL);
        let cors_origins = var!(vars.CORS_ORIGINS);
        let log_level = var!(vars.LOG_LEVEL);
        let log_format = var!(vars.LOG_FORMAT);
        let metrics = var!(vars.METRICS_BIND_ADDRESS);
        Ok(Self {
            database_url: DatabaseUrl::parse(
                database_url.name,
                database_url.or(database_url::DEFAULT),
            )?,
            database_listen_url: match listen_url.raw {
                Some(raw) if !raw.trim().is_empty() => {
                    Some(DatabaseUrl::parse(listen_url.name, raw)?)
                }
                _ => None,
            },
            jwt_secret: signing_key(var!(vars.JWT_SECRET))?,
            jwt_access_expire_minutes: within(
                var!(vars.JWT_ACCESS_EXPIRE_MINUTES),
                30,
                1..=1440,
                "a whole number of minutes from 1 to 1440 (a day)",
            )?,
            jwt_refresh_expire_days: within(
                var!(vars.JWT_REFRESH_EXPIRE_DAYS),
                7,
                1..=3650,
                "a whole number of days from 1 to 3650 (ten years)",
            )?,
            jwt_grant_max_days: within(
                var!(vars.JWT_GRANT_MAX_DAYS),
                90,
                1..=3650,
                "a whole number of days from 1 to 3650 (ten years)",
            )?,
            jwt_refresh_reuse_grace_seconds: within(
                var!(vars.JWT_REFRESH_REUSE_GRACE_SECONDS),
                10,
                0..=300,
                "a whole number of seconds from 0 to 300",
            )?,
            cors_origins: origin::parse_list(
                cors_origins.name,
                cors_origins.or("http://localhost:3000"),
            )?,
            ws_initial_hours: within(
                var!(vars.WS_INITIAL_HOURS),
                1,
                0..=8760,
                "a whole number of hours from 0 to 8760 (a year)",
            )?,
            live_max_subscribers: positive(var!(vars.LIVE_MAX_SUBSCRIBERS), 20_000)?,
            ready_max_stale: Duration::from_secs(within(
                var!(vars.READY_MAX_STALE_SECONDS),
                300,
                0..=86_400,
                "a whole number of seconds from 0 to 86400 (a day)",
            )?),
            read_cache: ReadCache {
                max_age: within(
                    var!(vars.READ_MAX_AGE_SECONDS),
                    5,
                    0..=86_400,
                    "a whole number of seconds from 0 to 86400 (a day)",
                )?,
                stale_while_revalidate: within(
                    var!(vars.READ_STALE_WHILE_REVALIDATE_SECONDS),
                    30,
                    0..=86_400,
                    "a whole number of seconds from 0 to 86400 (a day)",
                )?,
            },
            webhook_allow_private_networks: var!(vars.WEBHOOK_ALLOW_PRIVATE_NETWORKS)
                .parse_or(false)?,
            github_token: var!(vars.GITHUB_TOKEN)
                .raw
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            github_api_url: api_url(var!(vars.GITHUB_API_URL))?,
            github_webhook_secret: var!(vars.GITHUB_WEBHOOK_SECRET)
                .raw
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            github_poll: Duration::from_secs(within(
                var!(vars.GITHUB_POLL_SECONDS),
                60,
                1..=86_400,
                "a whole number of seconds from 1 to 86400 (a day)",
            )?),
            log_level: LogLevel::parse(log_level.name, log_level.or("INFO"))?,
            log_format: LogFormat::parse(log_format.name, log_format.or("json"))?,
            bind_address: var!(vars.BIND_ADDRESS)
                .parse_or(SocketAddr::from(([127, 0, 0, 1], 8000)))?,
            database_pool_max_size: positive(var!(vars.DATABASE_POOL_MAX_SIZE), 10)?,
            database_connect_timeout: Duration::from_secs(positive(
                var!(vars.DATABASE_CONNECT_TIMEOUT_SECONDS),
                5,
            )?),
            database_session_timeouts: SessionTimeouts {
                lock: seconds(var!(vars.DATABASE_LOCK_TIMEOUT_SECONDS), 5)?,
                statement: seconds(var!(vars.DATABASE_STATEMENT_TIMEOUT_SECONDS), 30)?,
                idle_in_transaction: seconds(
                    var!(vars.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS),
                    60,
                )?,
            },
            request_body_max_bytes: positive(var!(vars.REQUEST_BODY_MAX_BYTES), 1_048_576)?,
            shutdown_timeout: Duration::from_secs(
                var!(vars.SHUTDOWN_TIMEOUT_SECONDS).parse_or(30)?,
            ),
            shutdown_drain: Duration::from_secs(var!(vars.SHUTDOWN_DRAIN_SECONDS).parse_or(5)?),
            metrics_bind_address: match metrics.raw {
                Some(empty) if empty.trim().is_empty() => None,
                _ => Some(metrics.parse_or(SocketAddr::from(([127, 0, 0, 1], 9464)))?),
            },
        })
    }

    /// Settings for tests: every default, a fixed test secret, an ephemeral loopback port
    /// and the given database.
    pub fn for_tests(database_url: DatabaseUrl) -> Self {
        let vars = Variables::from_pairs([
            (
                "JWT_SECRET",
                "test-secret-not-for-production-32-bytes-or-more",
            ),
            ("BIND_ADDRESS", "127.0.0.1:0"),
            ("METRICS_BIND_ADDRESS", ""),
            ("SHUTDOWN_DRAIN_SECONDS", "0"),
            // The tests' webhook receivers listen on loopback.
            ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"),
        ]);
        let mut settings = Self::from_variables(&vars).expect("test settings are valid");
        settings.database_url = database_url;
        settings
    }

    /// The allowed CORS origins: `CORS_ORIGINS` split on commas, trimmed, empty entries
    /// dropped, each validated as `scheme://host[:port]` without a trailing `/`.
    pub fn cors_origins_list(&self) -> &[Origin] {
        &self.cors_origins
    }

    /// Where the live board's `LISTEN` connection goes: `DATABASE_LISTEN_URL`, else
    /// `DATABASE_URL`.
    pub fn listen_url(&self) -> &DatabaseUrl {
        self.database_listen_url
            .as_ref()
            .unwrap_or(&self.database_url)
    }
}

/// How long a pooled PostgreSQL session may wait for a lock, run one statement, or sit idle
/// inside a transaction, before PostgreSQL fails it (its `lock_timeout`,
/// `statement_timeout` and `idle_in_transaction_session_timeout`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionTimeouts {
    /// `DATABASE_LOCK_TIMEOUT_SECONDS` (default 5): the longest wait for a lock (the change log's
    /// order among them); the write then answers `503`.
    pub lock: Duration,
    /// `DATABASE_STATEMENT_TIMEOUT_SECONDS` (default 30): the longest a statement may run.
    pub statement: Duration,
    /// `DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS` (default 60): the longest a session may sit
    /// in an open transaction without a statement before PostgreSQL ends it.
    pub idle_in_transaction: Duration,
}

/// The fewest bytes an HS256 key may have: the hash's output size (RFC 7518, section 3.2).
pub const MIN_SIGNING_KEY_BYTES: usize = 32;

/// A required signing key of at least [`MIN_SIGNING_KEY_BYTES`].
fn signing_key(var: Var<'_>) -> Result<Secret, SettingsError> {
    match var.raw {
        None => Err(SettingsError::Missing { name: var.name }),
        Some("") => Err(SettingsError::EmptySecret { name: var.name }),
        Some(value) if value.len() < MIN_SIGNING_KEY_BYTES => Err(SettingsError::ShortSecret {
            name: var.name,
            length: value.len(),
            minimum: MIN_SIGNING_KEY_BYTES,
        }),
        Some(value) => Ok(Secret::new(value)),
    }
}

/// A positive whole number of seconds.
/// `GITHUB_API_URL`: an `http` or `https` URL with a host, trailing `/` dropped.
fn api_url(var: Var<'_>) -> Result<String, SettingsError> {
    let raw = var.or("https://api.github.com").trim();
    match url::Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(raw.trim_end_matches('/').to_owned())
        }
        _ => Err(SettingsError::Invalid {
            name: var.name,
            value: raw.to_owned(),
            expected: "an http(s) URL such as https://api.github.com or https://HOST/api/v3",
        }),
    }
}

/// How long caches may keep the reads served from the board in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadCache {
    /// `max-age`, in seconds.
    pub max_age: u32,
    /// `stale-while-revalidate`, in seconds.
    pub stale_while_revalidate: u32,
}

impl ReadCache {
    /// The `Cache-Control` header value.
    pub fn header(self) -> String {
        format!(
            "public, max-age={}, stale-while-revalidate={}",
            self.max_age, self.stale_while_revalidate
        )
    }
}

fn seconds(var: Var<'_>, default: u64) -> Result<Duration, SettingsError> {
    positive(var, default).map(Duration::from_secs)
}

/// `var`'s value (`default` when unset), refused unless it is in `range`, as `expected`
/// says.
fn within<T>(
    var: Var<'_>,
    default: T,
    range: std::ops::RangeInclusive<T>,
    expected: &'static str,
) -> Result<T, SettingsError>
where
    T: std::str::FromStr + source::Expected + PartialOrd + std::fmt::Display,
{
    let name = var.name;
    let value = var.parse_or(default)?;
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(SettingsError::Invalid {
            name,
            value: value.to_string(),
            expected,
        })
    }
}

fn positive<T>(var: Var<'_>, default: T) -> Result<T, SettingsError>
where
    T: std::str::FromStr + source::Expected + PartialOrd + Default + std::fmt::Display,
{
    let value = var.parse_or(default)?;
    if value > T::default() {
        Ok(value)
    } else {
        Err(SettingsError::Invalid {
            name: var.name,
            value: value.to_string(),
            expected: "a whole number greater than zero",
        })
    }
}

#[cfg(test)]
mod tests;
