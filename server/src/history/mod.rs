//! History as people outside the API read it (API 8.0.0 on): [`badge`]s of a component's
//! status or uptime (SVG, and the JSON of shields.io's endpoint badges) and the Atom
//! [`feed`] of incidents and maintenances. The uptime itself is the board's
//! ([`crate::board::uptime`]); answers that caches may keep go through
//! [`crate::conditional`].

pub mod badge;
pub mod feed;

/// What caches may do with a badge: keep it a minute (READMEs' image proxies included).
pub const BADGE_CACHE_CONTROL: &str = "public, max-age=60";
/// What caches may do with the feed: keep it a minute, then revalidate with its `ETag`.
pub const FEED_CACHE_CONTROL: &str = "public, max-age=60";

/// `text` with XML's five special characters escaped, for element text and attributes.
pub fn xml_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // Characters XML 1.0 does not allow, even escaped (they cannot reach here
            // through the API's text, but a feed must never be unreadable).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => escaped.push(c),
        }
    }
    escaped
}
