//! The baselines of `cargo xtask bench` (see `build-tools/devtools/src/bench.rs`): small
//! programs that do what statusboard does with nothing of ours around it, so that the
//! bench can say what our own layers cost. Not part of the product.
//!
//! * `bare-hyper`: hyper 1 alone, one handler for `GET /api/v1/health` (and, when asked,
//!   one path answering a file's bytes with an `ETag`: the summary's baseline);
//! * `bare-dropshot`: dropshot 0.18 alone, one endpoint, its own logger at `warn`;
//! * `log-pipelines`: statusboard's log writer against slog-async + slog-json.
//!
//! Each server listens on `BIND_ADDRESS` and answers `{"status":"ok"}`.

use std::net::SocketAddr;

/// The body every baseline answers `GET /api/v1/health` with.
pub const HEALTH_BODY: &str = r#"{"status":"ok"}"#;

/// `BIND_ADDRESS`, as the bench sets it.
pub fn bind_address() -> anyhow::Result<SocketAddr> {
    let address = std::env::var("BIND_ADDRESS").unwrap_or_else(|_| "127.0.0.1:8000".into());
    Ok(address.parse()?)
}
