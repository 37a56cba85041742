//! What every request handler can reach: the server context.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::allow::AllowedMethods;
use crate::auth::JwtKeys;
use crate::config::{Secret, Settings};
use crate::cors::Cors;
use crate::database::{Database, DatabaseError};
use crate::live::Hub;
use statusboard_api::GithubPolling;

/// The dropshot server context, shared by all requests.
#[derive(Debug)]
pub struct ApiContext {
    /// The CORS policy built from `CORS_ORIGINS`.
    pub cors: Cors,
    /// The PostgreSQL pool; take a connection per request with `database.connection()`.
    pub database: Database,
    /// The JWT keys from `JWT_SECRET`, for `bearer_auth::authorize` and token grants.
    pub auth: JwtKeys,
    /// Set once the embedded migrations are applied (see [`crate::server`]).
    pub migrated: Arc<AtomicBool>,
    /// Set when a stop signal starts the drain: `/ready` answers `503` and every answer
    /// closes its connection (see `Server::drain`).
    pub draining: AtomicBool,
    /// The `Allow` header of every `405` answer (filled by `routes::api_description`).
    pub allowed_methods: AllowedMethods,
    /// The live board's reports, for its subscribers (run by `Server::start`).
    pub hub: Hub,
    /// `WS_INITIAL_HOURS`: the backlog a new subscriber gets.
    pub live_window: std::time::Duration,
    /// `LIVE_MAX_SUBSCRIBERS`: past it, new subscribers are refused with `503`.
    pub live_max_subscribers: usize,
    /// The `Cache-Control` of the reads served from the board in memory.
    pub read_cache_control: http::HeaderValue,
    /// `READY_MAX_STALE_SECONDS`: how long `/ready` stays `200` on the board in memory
    /// while the database cannot be reached.
    pub ready_max_stale: std::time::Duration,
    /// `WEBHOOK_ALLOW_PRIVATE_NETWORKS`: whether a subscription may name a private address.
    pub webhook_allow_private_networks: bool,
    /// Whether this server polls GitHub (`GITHUB_TOKEN` is set).
    pub github_polling: GithubPolling,
    /// `GITHUB_WEBHOOK_SECRET`: what GitHub's webhook deliveries are signed with.
    pub github_webhook_secret: Option<Secret>,
}

impl ApiContext {
    /// Builds the context from validated settings and the `Allow` header of every path
    /// (from `routes::api_description`). Nothing here connects anywhere.
    pub fn new(
        settings: &Settings,
        allowed_methods: AllowedMethods,
    ) -> Result<Self, DatabaseError> {
        Ok(Self {
            cors: Cors::new(settings.cors_origins_list()),
            database: Database::new(settings)?,
            auth: JwtKeys::from_settings(settings),
            migrated: Arc::new(AtomicBool::new(false)),
            draining: AtomicBool::new(false),
            allowed_methods,
            hub: Hub::new(),
            live_window: std::time::Duration::from_secs(
                u64::from(settings.ws_initial_hours) * 3600,
            ),
            live_max_subscribers: settings.live_max_subscribers,
            read_cache_control: http::HeaderValue::from_str(&settings.read_cache.header())
                .unwrap_or_else(|_| http::HeaderValue::from_static("no-cache")),
            ready_max_stale: settings.ready_max_stale,
            webhook_allow_private_networks: settings.webhook_allow_private_networks,
            github_polling: if settings.github_token.is_some() {
                GithubPolling::Polling
            } else {
                GithubPolling::NoToken
            },
            github_webhook_secret: settings.github_webhook_secret.clone(),
        })
    }

    /// Whether the server is draining before it stops.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// Whether this server should get traffic: not draining, the database answers, the
    /// schema is up to date and the live board has caught up with the change log.
    pub async fn check_ready(&self) -> Result<(), DatabaseError> {
        if self.is_draining() {
            return Err(DatabaseError::unavailable("the server is shutting down"));
        }
        self.database.ping().await?;
        if !self.migrated.load(Ordering::Acquire) {
            return Err(DatabaseError::unavailable("migrations are not applied yet"));
        }
        if !self.hub.is_live() {
            // A subscriber could miss what the hub has not published yet.
            return Err(DatabaseError::unavailable(
                "the live board has not caught up with the change log yet",
            ));
        }
        Ok(())
    }
}
