//! Collecting the raw variables: `.env` first, then the process environment on top.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use config::{Config, ConfigError, Map, Source, Value};
use serde::Deserialize;

use super::SettingsError;

/// A variable's raw value. `Debug` shows only that it is set: it may be a secret.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Raw(String);

impl Raw {
    /// The value as set.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Raw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("set")
    }
}

/// Every variable the server reads, each as set (or `None`), deserialised by the `config`
/// crate from the `.env` file below the process environment. Each field is spelt as its
/// variable, so that this list is the only place the names are written; names match in any
/// case (`jwt_secret` sets `JWT_SECRET`), and when one is set in several cases, the
/// upper-case spelling wins. Anything else in the environment is ignored.
#[allow(non_snake_case, missing_docs)]
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Variables {
    pub DATABASE_URL: Option<Raw>,
    pub DATABASE_LISTEN_URL: Option<Raw>,
    pub JWT_SECRET: Option<Raw>,
    pub JWT_ACCESS_EXPIRE_MINUTES: Option<Raw>,
    pub JWT_REFRESH_EXPIRE_DAYS: Option<Raw>,
    pub JWT_GRANT_MAX_DAYS: Option<Raw>,
    pub JWT_REFRESH_REUSE_GRACE_SECONDS: Option<Raw>,
    pub CORS_ORIGINS: Option<Raw>,
    pub WS_INITIAL_HOURS: Option<Raw>,
    pub GITHUB_TOKEN: Option<Raw>,
    pub GITHUB_API_URL: Option<Raw>,
    pub GITHUB_WEBHOOK_SECRET: Option<Raw>,
    pub GITHUB_POLL_SECONDS: Option<Raw>,
    pub LOG_LEVEL: Option<Raw>,
    pub LOG_FORMAT: Option<Raw>,
    pub BIND_ADDRESS: Option<Raw>,
    pub DATABASE_POOL_MAX_SIZE: Option<Raw>,
    pub DATABASE_CONNECT_TIMEOUT_SECONDS: Option<Raw>,
    pub DATABASE_LOCK_TIMEOUT_SECONDS: Option<Raw>,
    pub DATABASE_STATEMENT_TIMEOUT_SECONDS: Option<Raw>,
    pub DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS: Option<Raw>,
    pub LIVE_MAX_SUBSCRIBERS: Option<Raw>,
    pub REQUEST_BODY_MAX_BYTES: Option<Raw>,
    pub SHUTDOWN_TIMEOUT_SECONDS: Option<Raw>,
    pub SHUTDOWN_DRAIN_SECONDS: Option<Raw>,
    pub METRICS_BIND_ADDRESS: Option<Raw>,
    pub WEBHOOK_ALLOW_PRIVATE_NETWORKS: Option<Raw>,
    pub READ_MAX_AGE_SECONDS: Option<Raw>,
    pub READ_STALE_WHILE_REVALIDATE_SECONDS: Option<Raw>,
    pub READY_MAX_STALE_SECONDS: Option<Raw>,
}

impl Variables {
    /// Reads the `.env` file at `dotenv` (a missing file is fine) and the process
    /// environment; the environment wins.
    pub fn from_process(dotenv: &Path) -> Result<Self, SettingsError> {
        // Variables whose name or value is not UTF-8 cannot be ours; skip them rather
        // than panic as `std::env::vars` would.
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Self::load(dotenv, env)
    }

    /// Reads the `.env` file at `dotenv` (a missing file is fine) below the given
    /// environment variables, which win.
    pub fn load(
        dotenv: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, SettingsError> {
        Ok(Self::layer(read_dotenv(dotenv)?, env.into_iter()))
    }

    /// Variables given directly, as if they were the whole environment (no `.env`).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self::layer(
            Vec::new(),
            pairs.into_iter().map(|(k, v)| (k.into(), v.into())),
        )
    }

    fn layer(dotenv: Vec<(String, String)>, env: impl Iterator<Item = (String, String)>) -> Self {
        Config::builder()
            .add_source(Layer(upper_case(dotenv.into_iter())))
            .add_source(Layer(upper_case(env)))
            .build()
            .and_then(Config::try_deserialize)
            // Only strings go in, and every field takes a string: this cannot fail.
            .unwrap_or_default()
    }
}

/// One variable of [`Variables`], with its name: `var!(vars.JWT_SECRET)`.
macro_rules! var {
    ($vars:ident . $name:ident) => {
        $crate::config::source::Var {
            name: stringify!($name),
            raw: $vars
                .$name
                .as_ref()
                .map($crate::config::source::Raw::as_str),
        }
    };
}
pub(super) use var;

/// A variable's name and raw value, for parsing it with errors that name it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Var<'a> {
    pub(super) name: &'static str,
    pub(super) raw: Option<&'a str>,
}

impl<'a> Var<'a> {
    /// The raw value, or `default` when it is not set.
    pub(super) fn or(self, default: &'a str) -> &'a str {
        self.raw.unwrap_or(default)
    }

    /// The parsed value, or `default` when it is not set.
    pub(super) fn parse_or<T: FromStr + Expected>(self, default: T) -> Result<T, SettingsError> {
        match self.raw {
            None => Ok(default),
            Some(raw) => raw.trim().parse().map_err(|_| SettingsError::Invalid {
                name: self.name,
                value: raw.to_owned(),
                expected: T::EXPECTED,
            }),
        }
    }
}

/// The variables that could be ours (names of letters, digits and `_`), with names in
/// upper case. When a name is given in several cases, the upper-case spelling wins,
/// whatever the iteration order.
fn upper_case(pairs: impl Iterator<Item = (String, String)>) -> HashMap<String, String> {
    let mut pairs: Vec<(String, String)> = pairs
        .filter(|(k, _)| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    pairs.sort_by_key(|(k, _)| !k.chars().any(|c| c.is_ascii_lowercase()));
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_ascii_uppercase(), v))
        .collect()
}

/// A layer of variables for the `config` crate, names kept as they are (its `Environment`
/// source would put them in lower case).
#[derive(Clone)]
struct Layer(HashMap<String, String>);

// Values may be secrets: show only the names.
impl std::fmt::Debug for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Source for Layer {
    fn clone_into_box(&self) -> Box<dyn Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<Map<String, Value>, ConfigError> {
        Ok(self
            .0
            .iter()
            .map(|(name, value)| (name.clone(), Value::new(None, value.as_str())))
            .collect())
    }
}

fn read_dotenv(path: &Path) -> Result<Vec<(String, String)>, SettingsError> {
    let iter = match dotenvy::from_path_iter(path) {
        Ok(iter) => iter,
        Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(dotenv_error(path, &e)),
    };
    iter.map(|item| item.map_err(|e| dotenv_error(path, &e)))
        .collect()
}

fn dotenv_error(path: &Path, e: &dotenvy::Error) -> SettingsError {
    // dotenvy's parse errors quote the offending line, which may hold a secret: report
    // only where it is.
    let problem = match e {
        dotenvy::Error::LineParse(_, index) => format!("cannot parse it near byte {index}"),
        dotenvy::Error::Io(io) => io.to_string(),
        _ => "cannot read it".to_owned(),
    };
    SettingsError::DotEnv {
        path: path.display().to_string(),
        problem,
    }
}

/// What a type's values look like, for error messages.
pub(super) trait Expected {
    const EXPECTED: &'static str;
}

impl Expected for bool {
    const EXPECTED: &'static str = "true or false";
}

impl Expected for u32 {
    const EXPECTED: &'static str = "a whole number (0 to 4294967295)";
}

impl Expected for u64 {
    const EXPECTED: &'static str = "a whole number of seconds";
}

impl Expected for usize {
    const EXPECTED: &'static str = "a whole number";
}

impl Expected for std::net::SocketAddr {
    const EXPECTED: &'static str = "an IP address and port, such as 127.0.0.1:8000 or [::1]:8000";
}
