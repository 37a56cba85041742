//! What names and describes the documents, and the header that chooses their version.

/// The checkout this crate was compiled in (set by `.cargo/config.toml`). Reading it makes
/// cargo rebuild this crate, and everything built on it, when another checkout sharing the
/// target directory compiled it last.
#[doc(hidden)]
pub const CHECKOUT: Option<&str> = option_env!("STATUSBOARD_CHECKOUT");

/// The name the API manager gives the documents: `openapi/statusboard/statusboard-*.json`.
pub const IDENT: &str = "statusboard";

/// The documents' title.
pub const TITLE: &str = "Statusboard API";

/// The documents' description.
pub const DESCRIPTION: &str = "The statusboard backend's HTTP API. Every path lives under \
    `/api/v1`; errors carry dropshot's JSON error body (`request_id`, `message`, \
    `error_code`). Clients choose the API version with the `api-version` request header \
    (without it, the latest version answers). Browsers may call it from the origins listed \
    in the server's `CORS_ORIGINS`, with credentials.";

/// The request header that names the API version a client speaks (`api-version: 1.0.0`).
/// Progenitor's clients send it on every request.
pub const VERSION_HEADER: &str = "api-version";
