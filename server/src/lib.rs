//! The statusboard server: a dropshot HTTP API configured from the environment.
//!
//! The modules form layers; each uses only those above it in this table (a test,
//! `tests/layers.rs`, keeps the crate free of import circles):
//!
//! | layer | module | what it is |
//! |---|---|---|
//! | settings | [`config`] | settings from the environment and `.env`, validated, secrets redacted |
//! | leaves | [`logging`] | slog to standard output, JSON lines or pretty, never dropping a line |
//! | | [`metrics`] | Prometheus metric names, the functions that record them, their exporter |
//! | | [`probe`] | a minimal HTTP client for the health check and tools |
//! | | [`versioning`] | which API version answers a request (`api-version` header) |
//! | | [`docs`] | the OpenAPI document and the Redoc page the server serves about itself |
//! | | [`allow`] | the `Allow` header of every `405` answer |
//! | | [`cors`] | the CORS policy: allowed origins, headers, preflight answers |
//! | | [`auth`] | JWT access and refresh tokens |
//! | storage | [`database`] | the PostgreSQL pool, per-request transactions, migrations |
//! | | [`grants`] | token pairs for a subject, refresh tokens rotated in families kept in PostgreSQL |
//! | | [`changes`] | the change log: every write's change, appended in its transaction; read settled, in id order |
//! | | [`board`] | the status board in PostgreSQL: components, status reports, incidents, maintenances (and their scheduler), the summary, uptime's daily rollups (its writes take a [`bearer_auth::Actor`], a type only) |
//! | | [`retention`] | the periodic removal of what expired (idempotency keys, dead grants, GitHub delivery ids) |
//! | | [`live`] | the live board: the change log pushed to WebSocket subscribers, from `LISTEN`/`NOTIFY` |
//! | | [`webhooks`] | the change log delivered to subscribers' URLs: signing, the guarded HTTP client, subscriptions and their delivery workers |
//! | | [`github`] | the GitHub integration: bindings, the poller (one replica at a time), GitHub's webhooks |
//! | requests | [`context`] | the server context handlers receive |
//! | | [`respond`] | the one wrapper every handler's answer passes through |
//! | | [`bearer_auth`] | `authorize`: the request's access token, checked for the operation's scope (`401`, `403`) |
//! | | [`handlers`] | the implementation of the API trait (crate `statusboard-api`), by resource |
//! | | [`routes`] | the API description: the trait's endpoints, and every path's `OPTIONS`, `HEAD` and `405` |
//! | process | [`listeners`] | the listeners beside the API's: metrics |
//! | | [`server`] | starting, and gracefully stopping, the server |

pub mod allow;
pub mod auth;
pub mod bearer_auth;
pub mod board;
pub mod changes;
pub mod conditional;
pub mod config;
pub mod context;
pub mod cors;
pub mod database;
pub mod docs;
pub mod github;
pub mod grants;
pub mod handlers;
pub mod history;
pub mod listeners;
pub mod live;
pub mod logging;
pub mod metrics;
pub mod probe;
pub mod respond;
pub mod retention;
pub mod routes;
pub mod server;
pub mod versioning;
pub mod webhooks;
