//! Collecting the raw variables: `.env` first, then the process environment on top.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use config::{Config, Environment};

use super::SettingsError;

/// Every variable the server reads. Anything else in the environment is ignored.
pub(super) const KNOWN: &[&str] = &[
    "DATABASE_URL",
    "JWT_SECRET",
    "JWT_ACCESS_EXPIRE_MINUTES",
    "JWT_REFRESH_EXPIRE_DAYS",
    "CORS_ORIGINS",
    "WS_INITIAL_HOURS",
    "GITHUB_TOKEN",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "BIND_ADDRESS",
    "DATABASE_POOL_MAX_SIZE",
    "DATABASE_CONNECT_TIMEOUT_SECONDS",
    "REQUEST_BODY_MAX_BYTES",
    "SHUTDOWN_TIMEOUT_SECONDS",
    "METRICS_BIND_ADDRESS",
];

/// The raw setting values, layered by the `config` crate: the `.env` file below the
/// process environment. Names are case-insensitive (`jwt_secret` sets `JWT_SECRET`).
#[derive(Clone)]
pub struct Variables {
    layered: Config,
}

// Values may be secrets: show only which names are set.
impl std::fmt::Debug for Variables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set: Vec<&str> = KNOWN
            .iter()
            .copied()
            .filter(|n| self.get(n).is_some())
            .collect();
        f.debug_struct("Variables").field("set", &set).finish()
    }
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
        let layered = Config::builder()
            .add_source(Environment::default().source(Some(known_only(dotenv.into_iter()))))
            .add_source(Environment::default().source(Some(known_only(env))))
            .build()
            // Only string values under plain known keys go in: building cannot fail.
            .unwrap_or_default();
        Self { layered }
    }

    /// The raw value of a variable, if it is set (possibly to the empty string).
    pub fn get(&self, name: &str) -> Option<String> {
        self.layered.get_string(&name.to_ascii_lowercase()).ok()
    }

    /// The raw value of a variable, or `default` when it is not set.
    pub(super) fn get_or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_owned())
    }

    /// The parsed value of a variable, or `default` when it is not set.
    pub(super) fn parse_or<T: FromStr + Expected>(
        &self,
        name: &'static str,
        default: T,
    ) -> Result<T, SettingsError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw.trim().parse().map_err(|_| SettingsError::Invalid {
                name,
                value: raw,
                expected: T::EXPECTED,
            }),
        }
    }
}

/// Keeps our variables only, with names in one case. When a name is given in several
/// cases, the upper-case spelling wins, whatever the iteration order.
fn known_only(pairs: impl Iterator<Item = (String, String)>) -> HashMap<String, String> {
    let mut pairs: Vec<(String, String)> = pairs
        .filter(|(k, _)| KNOWN.iter().any(|known| known.eq_ignore_ascii_case(k)))
        .collect();
    pairs.sort_by_key(|(k, _)| KNOWN.contains(&k.as_str()));
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_ascii_uppercase(), v))
        .collect()
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
