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
    /// Parses one origin; `None` when it is not of the form `scheme://host[:port]`.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.strip_suffix('/').unwrap_or(raw);
        let (scheme, authority) = raw.split_once("://")?;
        let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if !scheme_ok || authority.is_empty() {
            return None;
        }
        if authority.contains(['/', '?', '#', '@', ' ', '*']) {
            return None;
        }
        let (host, port) = split_port(authority)?;
        let host_ok = if let Some(v6) = host.strip_prefix('[') {
            v6.strip_suffix(']')
                .is_some_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok())
        } else {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c))
        };
        if !host_ok {
            return None;
        }
        let scheme = scheme.to_ascii_lowercase();
        let host = host.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        };
        Some(match port {
            Some(p) if Some(p) != default_port => Self(format!("{scheme}://{host}:{p}")),
            _ => Self(format!("{scheme}://{host}")),
        })
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

/// Splits `host[:port]`; `None` when the port is not a number from 1 to 65535.
fn split_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let port_start = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => i,
        _ => return Some((authority, None)),
    };
    let port: u16 = authority[port_start + 1..]
        .parse()
        .ok()
        .filter(|p| *p != 0)?;
    Some((&authority[..port_start], Some(port)))
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
