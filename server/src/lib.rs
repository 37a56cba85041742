//! The statusboard server: a dropshot HTTP API configured from the environment.
//!
//! | module | what it is |
//! |---|---|
//! | [`config`] | settings from the environment and `.env`, validated, secrets redacted |
//! | [`logging`] | slog to standard output, JSON lines or pretty, never dropping a line |
//! | [`auth`] | JWT access and refresh tokens, and the `BearerAuth` extractor |
//! | [`api`] | the API trait: the contract the OpenAPI document is generated from |
//! | [`handlers`] | the implementation of the API trait |
//! | [`database`] | the PostgreSQL pool, per-request transactions, migrations |
//! | [`cors`] | CORS headers and preflight endpoints |
//! | [`context`] | the server context handlers receive |
//! | [`docs`] | the OpenAPI document and the Redoc page the server serves about itself |
//! | [`openapi`] | the OpenAPI document, as checked in under `openapi/` |
//! | [`probe`] | a minimal HTTP client for the health check and tools |
//! | [`server`] | starting, and gracefully stopping, the HTTP server |

pub mod api;
pub mod auth;
pub mod config;
pub mod context;
pub mod cors;
pub mod database;
pub mod docs;
pub mod handlers;
pub mod logging;
pub mod openapi;
pub mod probe;
pub mod server;
