//! Conditional requests (RFC 9110 §13.1.2, §8.8.3): the `ETag` of an answer and the
//! `If-None-Match` that turns it into `304 Not Modified`.
//!
//! ```
//! use http::HeaderMap;
//! use statusboard_server::conditional::{etag_of, not_modified};
//!
//! let etag = etag_of(b"<svg/>");
//! let mut request = HeaderMap::new();
//! assert!(!not_modified(&request, &etag));
//! request.insert(http::header::IF_NONE_MATCH, etag.parse().unwrap());
//! assert!(not_modified(&request, &etag));
//! ```

use std::time::Duration;

use aws_lc_rs::digest;
use http::HeaderMap;
use http::header::{self, HeaderName, HeaderValue};
use statusboard_api::{Answered, Cacheable, ErrorBody, VERSION_HEADER};

use crate::board::memory::Snapshot;

/// The header that marks an answer drawn from a board in memory that is not known current
/// (the database cannot be reached): how many seconds ago it last was.
pub const STALE: HeaderName = HeaderName::from_static("statusboard-stale");

/// A strong `ETag` for a body: the first 16 bytes of its SHA-256, in hex, quoted.
pub fn etag_of(body: &[u8]) -> String {
    let digest = digest::digest(&digest::SHA256, body);
    let hex: String = digest.as_ref()[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("\"{hex}\"")
}

/// Whether the request's `If-None-Match` names `etag` (or is `*`), so that the answer is
/// `304`. The comparison is weak, as RFC 9110 asks for `If-None-Match`: `W/"x"` matches
/// `"x"`.
pub fn not_modified(request: &HeaderMap, etag: &str) -> bool {
    let opaque = etag.trim_start_matches("W/");
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|list| list.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == opaque)
}

/// `answer`, whose body `body` is, as a [`Cacheable`]: `304` when the request already
/// holds it, sent with its `ETag` and `cache_control` either way.
pub fn cacheable<T>(
    request: &HeaderMap,
    answer: T,
    body: &[u8],
    cache_control: &'static str,
) -> Cacheable<T> {
    let etag = etag_of(body);
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if not_modified(request, &etag) {
        Cacheable::not_modified(headers)
    } else {
        Cacheable::fresh(answer, headers)
    }
}

/// Gives `answer`, drawn from the board in memory `snapshot`, its validators: a strong
/// `ETag` from the change it reflects and the API version asked for (each version's body
/// differs), `Last-Modified` (that change's time), `Cache-Control`, and [`STALE`] when the
/// board is `stale` by some time; `304` when the request already holds it.
pub fn from_board<T: dropshot::HttpResponse, E: ErrorBody>(
    request: &HeaderMap,
    answer: &mut Answered<T, E>,
    snapshot: &Snapshot,
    stale: Option<Duration>,
    cache_control: &HeaderValue,
) {
    if answer.result().is_err() {
        return;
    }
    let version = request
        .get(VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map_or_else(
            || statusboard_api::latest_version().to_string(),
            str::to_owned,
        );
    let etag = format!("\"b{}v{}\"", snapshot.change, version.replace('"', ""));
    let modified = snapshot
        .changed_at
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let headers = answer.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(&modified) {
        headers.insert(header::LAST_MODIFIED, value);
    }
    headers.insert(header::CACHE_CONTROL, cache_control.clone());
    if let Some(stale) = stale {
        let seconds = stale.as_secs().min(u64::from(u32::MAX));
        headers.insert(STALE, HeaderValue::from(seconds));
    }
    if not_modified(request, &etag) {
        answer.not_modified();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(value: &str) -> HeaderMap {
        let mut request = HeaderMap::new();
        request.insert(header::IF_NONE_MATCH, value.parse().unwrap());
        request
    }

    #[test]
    fn etags_are_quoted_and_differ_with_the_body() {
        let etag = etag_of(b"one");
        assert_eq!(etag.len(), 34);
        assert!(etag.starts_with('"') && etag.ends_with('"'));
        assert_ne!(etag, etag_of(b"two"));
    }

    #[test]
    fn any_listed_tag_weak_or_strong_or_a_star_matches() {
        let etag = etag_of(b"body");
        assert!(not_modified(&asking(&format!("\"a\", {etag}")), &etag));
        assert!(not_modified(&asking(&format!("W/{etag}")), &etag));
        assert!(not_modified(&asking("*"), &etag));
        assert!(!not_modified(&asking("\"a\", \"b\""), &etag));
        assert!(!not_modified(&HeaderMap::new(), &etag));
    }
}
