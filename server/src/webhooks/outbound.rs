//! The HTTP client that delivers webhooks, guarded against server-side request forgery:
//! a subscriber names the URL, so without a guard it could make the server call what only
//! the server can reach (its database, a cloud's metadata service at `169.254.169.254`,
//! an admin port on loopback).
//!
//! * Every address a host name resolves to is checked, and only allowed ones are handed
//!   to the connection ([`GuardedResolver`]): the address connected to is the address
//!   checked, so a name that resolves elsewhere a second later (DNS rebinding) gains
//!   nothing. A URL with an IP address instead of a name is checked before sending
//!   ([`check_url`]).
//! * Refused: loopback, private (RFC 1918), link-local, unique-local (`fc00::/7`), CGNAT
//!   (`100.64.0.0/10`), multicast, broadcast and unspecified addresses, and IPv4 ones
//!   written as IPv6 (`::ffff:127.0.0.1`), unless the operator allows private networks
//!   (`WEBHOOK_ALLOW_PRIVATE_NETWORKS`, for tests and receivers inside the cluster). Only
//!   `https` URLs, unless that same setting is on.
//! * Connect and total timeouts; redirects are not followed (a `3xx` is a failed attempt);
//!   at most [`BODY_MAX`] bytes of an answer are read.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The longest wait for a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a delivery may take, from connecting to the answer's last byte read.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(15);
/// The most bytes of an answer read (the status is what counts).
pub const BODY_MAX: usize = 64 * 1024;

/// Why a URL or an address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not a URL this server delivers to.
    #[error("url {0}")]
    Url(String),
    /// An address the guard refuses.
    #[error(
        "{0} is a {1} address: deliveries go to public addresses only \
         (WEBHOOK_ALLOW_PRIVATE_NETWORKS allows others)"
    )]
    Address(IpAddr, &'static str),
    /// Every address of the host is refused.
    #[error("{0} resolves only to addresses deliveries may not go to ({1})")]
    Host(String, String),
}

/// What kind of address `ip` is, when deliveries may not go to it.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => forbidden_v4(v4),
            None => forbidden_v6(v6),
        },
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    Some(if ip.is_loopback() {
        "loopback"
    } else if ip.is_private() {
        "private"
    } else if ip.is_link_local() {
        "link-local"
    } else if a == 100 && (64..128).contains(&b) {
        "CGNAT (shared)"
    } else if ip.is_multicast() {
        "multicast"
    } else if ip.is_broadcast() {
        "broadcast"
    } else if ip.is_unspecified() || a == 0 {
        "unspecified"
    } else {
        return None;
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    Some(if ip.is_loopback() {
        "loopback"
    } else if ip.is_unspecified() {
        "unspecified"
    } else if ip.is_multicast() {
        "multicast"
    } else if first & 0xfe00 == 0xfc00 {
        "unique-local"
    } else if first & 0xffc0 == 0xfe80 {
        "link-local"
    } else {
        return None;
    })
}

/// Checks `url` as a subscription's target: `https` (or `http` when private networks are
/// allowed), a host, and, when the host is an IP address, one deliveries may go to.
pub fn check_url(url: &str, allow_private: bool) -> Result<reqwest::Url, Refused> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| Refused::Url(format!("is not a URL: {e}")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        other => {
            return Err(Refused::Url(format!(
                "must be https (it is {other}; WEBHOOK_ALLOW_PRIVATE_NETWORKS also allows http)"
            )));
        }
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Refused::Url("must not carry credentials".to_owned()));
    }
    let ip = match parsed.host() {
        None => return Err(Refused::Url("has no host".to_owned())),
        Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        Some(url::Host::Domain(_)) => None,
    };
    if let Some(ip) = ip
        && !allow_private
        && let Some(kind) = forbidden(ip)
    {
        return Err(Refused::Address(ip, kind));
    }
    Ok(parsed)
}

/// Checks that `host` resolves to an address deliveries may go to, now (at delivery, the
/// resolver checks again: DNS may change).
pub async fn check_host(host: &str) -> Result<(), Refused> {
    let lookup = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((host, 0)))
        .await
        .map_err(|_| Refused::Url(format!("host {host} did not resolve in time")))?;
    let addresses: Vec<SocketAddr> = lookup
        .map_err(|e| Refused::Url(format!("host {host} does not resolve: {e}")))?
        .collect();
    if addresses.iter().any(|a| forbidden(a.ip()).is_none()) {
        return Ok(());
    }
    let refused: Vec<String> = addresses.iter().map(|a| a.ip().to_string()).collect();
    Err(Refused::Host(host.to_owned(), refused.join(", ")))
}

/// A resolver that hands the connection only the addresses deliveries may go to.
#[derive(Debug)]
pub struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = all
                .into_iter()
                .partition(|address| forbidden(address.ip()).is_none());
            if allowed.is_empty() {
                let refused: Vec<String> = refused.iter().map(|a| a.ip().to_string()).collect();
                return Err(Box::new(Refused::Host(host, refused.join(", "))) as _);
            }
            let addresses: Addrs = Box::new(allowed.into_iter());
            Ok(addresses)
        })
    }
}

/// The client deliveries go out with: see the module docs.
pub fn client(allow_private: bool) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TOTAL_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("statusboard-webhooks/", env!("CARGO_PKG_VERSION")));
    let builder = if allow_private {
        builder
    } else {
        builder.dns_resolver(Arc::new(GuardedResolver))
    };
    builder.build()
}

/// The guard's refusal behind `error` (a failed delivery), if it is one.
pub fn refusal(error: &(dyn std::error::Error + 'static)) -> Option<Refused> {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(refused) = error.downcast_ref::<Refused>() {
            return Some(refused.clone());
        }
        cause = error.source();
    }
    None
}

/// Reads at most [`BODY_MAX`] bytes of `response`'s body, and drops the rest.
pub async fn drain(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < BODY_MAX {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                body.extend_from_slice(&chunk[..chunk.len().min(BODY_MAX - body.len())])
            }
            _ => break,
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_refused_public_ones_allowed() {
        for (address, kind) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "CGNAT (shared)"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("0.0.0.0", "unspecified"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fd00::1", "unique-local"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:169.254.169.254", "link-local"),
        ] {
            let ip: IpAddr = address.parse().unwrap();
            assert_eq!(forbidden(ip), Some(kind), "{address}");
        }
        for address in ["93.184.215.14", "1.1.1.1", "100.128.0.1", "2606:4700::1111"] {
            let ip: IpAddr = address.parse().unwrap();
            assert_eq!(forbidden(ip), None, "{address}");
        }
    }

    #[test]
    fn urls_must_be_https_to_an_allowed_host_unless_private_networks_are_allowed() {
        assert!(check_url("https://hooks.example.com/statusboard", false).is_ok());
        let refusals = [
            ("http://hooks.example.com/", "must be https"),
            ("https://127.0.0.1:8080/", "loopback"),
            ("https://169.254.169.254/latest/meta-data/", "link-local"),
            ("https://[::1]/", "loopback"),
            ("https://user:pw@hooks.example.com/", "credentials"),
            ("not a url", "is not a URL"),
        ];
        for (url, says) in refusals {
            let refused = check_url(url, false).unwrap_err().to_string();
            assert!(refused.contains(says), "{url}: {refused}");
        }
        assert!(check_url("http://127.0.0.1:8080/", true).is_ok());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_at_connection() {
        // `localhost` resolves to loopback only: the guarded client cannot connect.
        let client = client(false).unwrap();
        let error = client.post("http://localhost:9/").send().await.unwrap_err();
        assert_eq!(
            refusal(&error),
            Some(Refused::Host(
                "localhost".to_owned(),
                "127.0.0.1".to_owned()
            )),
            "{error:?}"
        );
    }
}
