//! Starting and stopping the HTTP server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dropshot::{ConfigDropshot, HandlerTaskMode, HttpServer, ServerBuilder};
use slog::{Logger, error, info, warn};
use tokio::task::JoinHandle;

use crate::board::scheduler;
use crate::config::Settings;
use crate::context::ApiContext;
use crate::database::{Database, DatabaseError, migrations};
use crate::listeners::bind_failure;
use crate::listeners::metrics::{MetricsServer, PoolStatus};
use crate::metrics::PoolGauges;
use crate::{github, retention, routes, versioning, webhooks};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listening socket could not be opened.
    #[error("BIND_ADDRESS={address}: cannot listen there: {reason}")]
    Bind {
        /// `BIND_ADDRESS`.
        address: SocketAddr,
        /// The operating system's reason.
        reason: String,
    },
    /// The API description is inconsistent (a programming error caught at startup).
    #[error("the API description is invalid: {0}")]
    Api(String),
    /// The database pool cannot be built from the settings.
    #[error("DATABASE_URL: {0}")]
    Database(#[from] DatabaseError),
    /// The metrics listener could not be opened.
    #[error(
        "METRICS_BIND_ADDRESS={address}: cannot serve metrics there: {reason} (set it \
             empty to turn metrics off)"
    )]
    Metrics {
        /// `METRICS_BIND_ADDRESS`.
        address: SocketAddr,
        /// The operating system's reason.
        reason: String,
    },
}

/// How a shutdown ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// Every in-flight request finished.
    Graceful,
    /// The shutdown timeout passed with requests still running; they were abandoned.
    TimedOut,
}

/// A running server.
pub struct Server {
    http: HttpServer<ApiContext>,
    metrics: Option<MetricsServer>,
    log: Logger,
    migrations: JoinHandle<()>,
    /// The live board's hub, listening until the shutdown stops it.
    live: JoinHandle<()>,
    /// The periodic cleanup of expired rows, stopped by the shutdown.
    retention: JoinHandle<()>,
    /// Starts and completes scheduled maintenances.
    scheduler: JoinHandle<()>,
    /// Folds reports into uptime's daily rollups.
    uptime: JoinHandle<()>,
    /// Delivers webhooks; stopped by the shutdown, which lets its leases go.
    webhooks: webhooks::worker::Workers,
    /// Polls GitHub when this replica holds the poller's lease (with `GITHUB_TOKEN` only);
    /// told to stop by the shutdown, which lets the lease go.
    github: Option<(tokio::sync::watch::Sender<bool>, JoinHandle<()>)>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Binds `BIND_ADDRESS` and starts serving. Returns once the socket listens.
    pub fn start(settings: &Settings, log: &Logger) -> Result<Self, StartError> {
        let config = ConfigDropshot {
            bind_address: settings.bind_address,
            default_request_body_max_bytes: settings.request_body_max_bytes,
            default_handler_task_mode: HandlerTaskMode::Detached,
            log_headers: Vec::new(),
            ..ConfigDropshot::default()
        };
        let (api, allowed_methods) = routes::api_description().map_err(StartError::Api)?;
        let context = ApiContext::new(settings, allowed_methods)?;
        let database = context.database.clone();
        let hub = context.hub.clone();
        let migrated = Arc::clone(&context.migrated);
        let http = ServerBuilder::new(api, context, log.clone())
            .config(config)
            .version_policy(versioning::policy())
            .start()
            .map_err(|e| StartError::Bind {
                address: settings.bind_address,
                reason: bind_failure(&e),
            })?;
        let metrics = match settings.metrics_bind_address {
            Some(address) => Some(
                MetricsServer::start(address, pool_status(database.clone()), log)
                    .map_err(|reason| StartError::Metrics { address, reason })?,
            ),
            None => None,
        };
        let live = tokio::spawn(hub.run(database.clone(), log.clone()));
        let retention = tokio::spawn(retention::run(database.clone(), log.clone()));
        let scheduler = tokio::spawn(scheduler::run(database.clone(), log.clone()));
        let uptime = tokio::spawn(crate::board::uptime::run(database.clone(), log.clone()));
        let webhooks = webhooks::worker::Workers::start(
            database.clone(),
            settings.webhook_allow_private_networks,
            log.clone(),
        );
        let github = settings.github_token.clone().map(|token| {
            let (stop, stopping) = tokio::sync::watch::channel(false);
            let poller = github::poller::PollerSettings {
                api_url: settings.github_api_url.clone(),
                token,
                every: settings.github_poll,
            };
            let task = tokio::spawn(github::poller::run(
                database.clone(),
                poller,
                log.clone(),
                stopping,
            ));
            (stop, task)
        });
        let migrations = tokio::spawn(migrate_until_done(database, migrated, log.clone()));
        Ok(Self {
            http,
            metrics,
            log: log.clone(),
            migrations,
            live,
            retention,
            scheduler,
            uptime,
            webhooks,
            github,
        })
    }

    /// The server context, as handlers see it.
    pub fn context(&self) -> &ApiContext {
        self.http.app_private()
    }

    /// The address the server listens on (with the real port when `BIND_ADDRESS` had 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.http.local_addr()
    }

    /// The address of the metrics listener, when metrics are on.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(MetricsServer::local_addr)
    }

    /// The drain before a stop: `/api/v1/ready` answers `503` from now on and every answer
    /// closes its connection, while everything is still served, for `period` (load
    /// balancers and Kubernetes take a moment to stop sending traffic) or until `cut_short`
    /// resolves (a second stop signal).
    pub async fn drain(&self, period: Duration, cut_short: impl Future<Output = ()>) {
        if period.is_zero() {
            return;
        }
        self.context().draining.store(true, Ordering::Release);
        info!(self.log, "draining: /ready answers 503, still serving"; "drain_s" => period.as_secs());
        tokio::select! {
            () = tokio::time::sleep(period) => {}
            () = cut_short => info!(self.log, "drain cut short by a second stop signal"),
        }
    }

    /// Closes every live board subscriber (`1001`), then stops accepting connections and
    /// waits for in-flight requests: all of it within `timeout` (the subscribers' close
    /// frames within half of it), however many subscribers are still sending a backlog.
    pub async fn shutdown(self, timeout: Duration) -> Shutdown {
        info!(self.log, "shutting down"; "timeout_s" => timeout.as_secs());
        // One deadline for all of it: subscribers, the hub, then requests in flight.
        let deadline = tokio::time::Instant::now() + timeout;
        self.migrations.abort();
        self.retention.abort();
        self.scheduler.abort();
        self.uptime.abort();
        // The webhook workers let their attempts under way finish (briefly) and their
        // leases go, beside the subscribers' closing.
        let webhooks = tokio::spawn(self.webhooks.stop());
        let github = self.github.map(|(stop, task)| {
            let _ = stop.send(true);
            task
        });
        let hub = self.http.app_private().hub.clone();
        hub.stop();
        // Subscribers close with `1001` at once; they get at most half the time.
        let closed = tokio::time::timeout(timeout / 2, async {
            while hub.subscribers() > 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        if closed.is_err() {
            warn!(self.log, "live board subscribers still open"; "count" => hub.subscribers());
        }
        let database = self.http.app_private().database.clone();
        let mut live = self.live;
        if tokio::time::timeout_at(deadline, &mut live).await.is_err() {
            warn!(self.log, "the live board's hub did not stop in time");
            live.abort();
        }
        let outcome = tokio::time::timeout_at(deadline, self.http.close()).await;
        if tokio::time::timeout_at(deadline, webhooks).await.is_err() {
            warn!(
                self.log,
                "the webhook workers did not stop in time; their leases run out"
            );
        }
        if let Some(github) = github
            && tokio::time::timeout_at(deadline, github).await.is_err()
        {
            warn!(
                self.log,
                "the GitHub poller did not stop in time; its lease runs out"
            );
        }
        if let Some(metrics) = self.metrics {
            metrics.close().await;
        }
        database.close();
        match outcome {
            Ok(Ok(())) => Shutdown::Graceful,
            Ok(Err(e)) => {
                warn!(self.log, "server stopped with an error"; "error" => e);
                Shutdown::Graceful
            }
            Err(_) => {
                warn!(self.log, "shutdown timed out with requests in flight");
                Shutdown::TimedOut
            }
        }
    }
}

/// What the metrics report of the pool, read at each scrape.
fn pool_status(database: Database) -> PoolStatus {
    Box::new(move || {
        let status = database.status();
        PoolGauges {
            size: status.size,
            idle: status.available,
            waiters: status.waiting,
        }
    })
}

/// Applies the embedded migrations, retrying while the database is unreachable (with a
/// growing delay, at most 30 s), then marks the server ready.
async fn migrate_until_done(database: Database, migrated: Arc<AtomicBool>, log: Logger) {
    let runner = migrations::embedded();
    let mut delay = Duration::from_secs(1);
    loop {
        match migrations::apply(&database, &runner).await {
            Ok(applied) => {
                info!(log, "database migrations applied"; "applied" => ?applied);
                migrated.store(true, Ordering::Release);
                return;
            }
            Err(e) if e.is_unavailable() => {
                warn!(log, "database unavailable, will retry migrations";
                    "error" => %e, "retry_in_s" => delay.as_secs());
            }
            Err(e) => {
                error!(log, "database migrations failed, will retry";
                    "error" => %e, "retry_in_s" => delay.as_secs());
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(30));
    }
}

/// Starts listening for SIGTERM and SIGINT (Ctrl-C) now; the returned future resolves when
/// one arrives. Call it before starting work, so that a signal in between is not missed.
/// Must be called inside the tokio runtime.
pub fn stop_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let handlers = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        );
        async move {
            match handlers {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                // Without signal handlers the default action (exit) still applies.
                _ => std::future::pending().await,
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
