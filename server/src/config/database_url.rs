//! `DATABASE_URL`: a PostgreSQL connection URL whose password never leaks.

use std::fmt;
use std::path::PathBuf;

use super::SettingsError;

/// The reference's default, with the driver suffix dropped.
pub(super) const DEFAULT: &str = "postgresql://user:pass@localhost:5432/statusboard";

const EXPECTED: &str = "a PostgreSQL URL such as postgresql://user:password@host:5432/dbname \
                        (schemes postgres://, postgresql:// or postgresql+asyncpg://)";

const SSLMODE_EXPECTED: &str = "sslmode one of disable, prefer, require, verify-ca, \
                               verify-full (or asyncpg's ssl=true / ssl=false)";

/// A validated PostgreSQL connection URL. `Debug` and `Display` show it with the password
/// replaced by `[redacted]`.
#[derive(Clone)]
pub struct DatabaseUrl {
    config: tokio_postgres::Config,
    ssl_mode: SslMode,
    root_certificates: RootCertificates,
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

        // The TLS parameters are ours to interpret (tokio-postgres knows neither
        // `sslrootcert` nor the `verify-*` modes); the others go to the driver.
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut ssl_mode = SslMode::default();
        let mut root_certificates = RootCertificates::System;
        let mut driver_params = Vec::new();
        for param in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
            match key {
                "sslmode" | "ssl" => {
                    ssl_mode = SslMode::parse(&value).ok_or_else(|| SettingsError::Invalid {
                        name,
                        value: redacted.clone(),
                        expected: SSLMODE_EXPECTED,
                    })?;
                }
                "sslrootcert" if value == "system" => root_certificates = RootCertificates::System,
                "sslrootcert" => root_certificates = RootCertificates::File(value.as_ref().into()),
                _ => driver_params.push(param),
            }
        }
        let normalised = match driver_params.is_empty() {
            true => format!("postgresql://{location}"),
            false => format!("postgresql://{location}?{}", driver_params.join("&")),
        };
        let mut config: tokio_postgres::Config = normalised.parse().map_err(|_| invalid())?;
        config.ssl_mode(ssl_mode.driver_mode());
        Ok(Self {
            config,
            ssl_mode,
            root_certificates,
            redacted: redact(&format!("postgresql://{rest}")),
        })
    }

    /// `sslmode` (or asyncpg's `ssl`): whether, and how strictly, to use TLS.
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }

    /// `sslrootcert`: the roots `verify-ca` and `verify-full` check the server against.
    pub fn root_certificates(&self) -> &RootCertificates {
        &self.root_certificates
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
/// When in doubt it hides more, never less: a URL that the `url` crate cannot read (libpq
/// also takes several hosts, `h1:5432,h2:5432`) shows its scheme only.
pub(crate) fn redact(raw: &str) -> String {
    use url::Position;
    let Ok(url) = url::Url::parse(raw) else {
        return match raw.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://[redacted]"),
            None => "[redacted]".to_owned(),
        };
    };
    let mut shown = match url.password() {
        Some(_) => format!(
            "{}[redacted]{}",
            &url[..Position::BeforePassword],
            &url[Position::AfterPassword..Position::AfterPath]
        ),
        None => url[..Position::AfterPath].to_owned(),
    };
    if let Some(query) = url.query() {
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                // The key as the driver reads it: percent-decoded (`pass%77ord`).
                Some((key, _)) if decoded(key).eq_ignore_ascii_case("password") => {
                    format!("{key}=[redacted]")
                }
                _ => param.to_owned(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&params.join("&"));
    }
    shown
}

/// A query parameter's key as a URL parser reads it: percent-decoded.
fn decoded(key: &str) -> String {
    url::form_urlencoded::parse(key.as_bytes())
        .next()
        .map(|(key, _)| key.into_owned())
        .unwrap_or_default()
}

/// libpq's `sslmode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SslMode {
    /// Plaintext only.
    Disable,
    /// TLS when the server offers it, without checking its certificate; else plaintext.
    #[default]
    Prefer,
    /// TLS, without checking the server's certificate.
    Require,
    /// TLS, the certificate chain checked against the root certificates.
    VerifyCa,
    /// TLS, the chain checked and the certificate's name matching the host.
    VerifyFull,
}

impl SslMode {
    /// Parses libpq's names (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`)
    /// and asyncpg's `ssl=true` (`require`) and `ssl=false` (`disable`).
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "disable" | "false" => Self::Disable,
            "prefer" => Self::Prefer,
            "require" | "true" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            _ => return None,
        })
    }

    /// What tokio-postgres does about TLS in this mode (certificates are rustls's job).
    pub fn driver_mode(self) -> tokio_postgres::config::SslMode {
        use tokio_postgres::config::SslMode as Driver;
        match self {
            Self::Disable => Driver::Disable,
            Self::Prefer => Driver::Prefer,
            Self::Require | Self::VerifyCa | Self::VerifyFull => Driver::Require,
        }
    }
}

/// Where the root certificates for `verify-ca`/`verify-full` come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootCertificates {
    /// The operating system's trust store (`sslrootcert` unset, or `sslrootcert=system`).
    System,
    /// A PEM file of one or more certificates (`sslrootcert=/path/to/ca.pem`).
    File(PathBuf),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_wherever_they_are() {
        for (url, shown) in [
            (
                "postgresql://u:pw-marker@db:5432/app",
                "postgresql://u:[redacted]@db:5432/app",
            ),
            (
                "postgres://u@db/app?password=pw-marker&sslmode=require",
                "postgres://u@db/app?password=[redacted]&sslmode=require",
            ),
            (
                "postgres://u@db/app?pass%77ord=pw-marker",
                "postgres://u@db/app?pass%77ord=[redacted]",
            ),
            (
                "postgresql://u:pw-marker@h1:5432,h2:5432/app",
                "postgresql://[redacted]",
            ),
            ("postgresql://db/app", "postgresql://db/app"),
        ] {
            assert_eq!(redact(url), shown);
        }
    }

    #[test]
    fn libpq_and_asyncpg_names() {
        for (text, mode) in [
            ("disable", SslMode::Disable),
            ("prefer", SslMode::Prefer),
            ("require", SslMode::Require),
            ("verify-ca", SslMode::VerifyCa),
            ("verify-full", SslMode::VerifyFull),
            ("true", SslMode::Require),
            ("false", SslMode::Disable),
        ] {
            assert_eq!(SslMode::parse(text), Some(mode), "{text}");
        }
        for wrong in ["allow-ish", "VERIFY_FULL", "", "yes"] {
            assert_eq!(SslMode::parse(wrong), None, "{wrong}");
        }
    }
}
