//! Browser origins for `CORS_ORIGINS`.

use std::fmt;

use super::SettingsError;

const EXPECTED: &str = "comma-separated origins of the form scheme://host[:port] without a \
                        path, such as http://localhost:3000,https://app.example.com";
const WILDCARD: &str = "explicit origins; `*` is refused because credentials are always \
                        allowed, and a wildcard with credentials would let every site act \
                        as the user";

/// One allowed origin, normalised as browsers send it in the `Origin` header: scheme and
/// host in lower case, no trailing `/`, no default port (`:80` for http, `:443` for https).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    /// Parses one origin; `None` when it is not of the form `scheme://host[:port]` (a
    /// trailing `/` aside).
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.contains('*') {
            return None;
        }
        let url = url::Url::parse(raw).ok()?;
        let bare = matches!(url.path(), "" | "/")
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !bare || url.port() == Some(0) {
            return None;
        }
        // `url` writes the host as browsers do (lower case, IPv6 in brackets) and leaves
        // out a scheme's default port.
        let host = url.host()?;
        Some(Self(match url.port() {
            Some(port) => format!("{}://{host}:{port}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        }))
    }

    /// The origin as it appears in the `Origin` and `Access-Control-Allow-Origin` headers.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Splits a comma-separated list of origins, trimming whitespace and dropping empty entries.
pub(super) fn parse_list(name: &'static str, raw: &str) -> Result<Vec<Origin>, SettingsError> {
    let mut origins: Vec<Origin> = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if entry == "*" {
            return Err(SettingsError::Invalid {
                name,
                value: raw.to_owned(),
                expected: WILDCARD,
            });
        }
        let origin = Origin::parse(entry).ok_or_else(|| SettingsError::Invalid {
            name,
            value: entry.to_owned(),
            expected: EXPECTED,
        })?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}
