//! The statusboard server: a dropshot HTTP API configured from the environment.
//!
//! | module | what it is |
//! |---|---|
//! | [`config`] | settings from the environment and `.env`, validated, secrets redacted |
//! | [`logging`] | slog to standard output, JSON lines or pretty, never dropping a line |
//! | [`metrics`] | Prometheus metrics on their own listener |
//! | [`auth`] | JWT access and refresh tokens, and the `BearerAuth` extractor |
//! | [`handlers`] | the implementation of the API trait (crate `statusboard-api`) |
//! | [`versioning`] | which API version answers a request (`api-version` header) |
//! | [`database`] | the PostgreSQL pool, per-request transactions, migrations |
//! | [`respond`] | the one wrapper every handler's answer passes through |
//! | [`routes`] | every path's `OPTIONS`, `HEAD` and `405` answers |
//! | [`cors`] | the CORS policy: allowed origins, headers, preflight answers |
//! | [`context`] | the server context handlers receive |
//! | [`docs`] | the OpenAPI document and the Redoc page the server serves about itself |
//! | [`probe`] | a minimal HTTP client for the health check and tools |
//! | [`server`] | starting, and gracefully stopping, the HTTP server |

pub mod auth;
pub mod config;
pub mod context;
pub mod cors;
pub mod database;
pub mod docs;
pub mod handlers;
pub mod logging;
pub mod metrics;
pub mod probe;
pub mod respond;
pub mod routes;
pub mod server;
pub mod versioning;
