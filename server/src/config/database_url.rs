//! `DATABASE_URL`: a PostgreSQL connection URL whose password never leaks.

use std::fmt;

use super::SettingsError;

/// The reference's default, with the driver suffix dropped.
pub(super) const DEFAULT: &str = "postgresql://user:pass@localhost:5432/statusboard";

const EXPECTED: &str = "a PostgreSQL URL such as postgresql://user:password@host:5432/dbname \
                        (schemes postgres://, postgresql:// or postgresql+asyncpg://)";

/// A validated PostgreSQL connection URL. `Debug` and `Display` show it with the password
/// replaced by `[redacted]`.
#[derive(Clone)]
pub struct DatabaseUrl {
    config: tokio_postgres::Config,
    redacted: String,
}

impl DatabaseUrl {
    /// Parses a URL with scheme `postgres://`, `postgresql://` or `postgresql+asyncpg://`
    /// (the SQLAlchemy driver suffix is dropped). `name` is the variable it came from.
    pub fn parse(name: &'static str, raw: &str) -> Result<Self, SettingsError> {
        let redacted = redact(raw);
        let invalid = || SettingsError::Invalid {
            name,
            value: redacted.clone(),
            expected: EXPECTED,
        };
        let rest = ["postgresql+asyncpg://", "postgresql://", "postgres://"]
            .iter()
            .find_map(|scheme| raw.strip_prefix(scheme))
            .ok_or_else(invalid)?;
        let normalised = format!("postgresql://{rest}");
        let config: tokio_postgres::Config = normalised.parse().map_err(|_| invalid())?;
        Ok(Self {
            config,
            redacted: redact(&normalised),
        })
    }

    /// The connection parameters, password included, for the database driver.
    pub fn connect_config(&self) -> &tokio_postgres::Config {
        &self.config
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({:?})", self.redacted)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

/// Replaces the password in `user:password@` and in a `password=` query parameter.
/// When in doubt it hides more, never less.
pub(crate) fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let mut out = String::with_capacity(url.len());
    if !scheme.is_empty() {
        out.push_str(scheme);
        out.push_str("://");
    }
    let rest = match rest.rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            match userinfo.split_once(':') {
                Some((user, _password)) => {
                    out.push_str(user);
                    out.push_str(":[redacted]");
                }
                None => out.push_str(userinfo),
            }
            out.push('@');
            &rest[at + 1..]
        }
        None => rest,
    };
    match rest.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let params: Vec<String> = query
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=[redacted]")
                    }
                    _ => param.to_owned(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(rest),
    }
    out
}
