//! Prometheus metrics: their names, the functions that record them, and the [`Exporter`]
//! that renders them. The listener that serves them (`METRICS_BIND_ADDRESS`, default
//! `127.0.0.1:9464`; empty turns them off) is [`crate::listeners::metrics`]: never on the
//! API's port, never in the OpenAPI document.
//!
//! What each metric means, as operators see it, is listed in `docs/operations.md`.
//!
//! Requests are counted by [`crate::respond`], so every handler's answer is; answers that
//! dropshot makes before any handler runs (`404` for an unknown path, `400` for an
//! unsupported `api-version`) are not.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::{Method, StatusCode};
use metrics::{Counter, Gauge, Histogram, counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

const REQUESTS: &str = "statusboard_http_requests_total";
const DURATION: &str = "statusboard_http_request_duration_seconds";
const IN_FLIGHT: &str = "statusboard_http_requests_in_flight";
const POOL_SIZE: &str = "statusboard_database_pool_size";
const POOL_IDLE: &str = "statusboard_database_pool_idle";
const POOL_WAITERS: &str = "statusboard_database_pool_waiters";
const DATABASE_ERRORS: &str = "statusboard_database_errors_total";
const MIGRATIONS_APPLIED: &str = "statusboard_database_migrations_applied_total";
const BUILD_INFO: &str = "statusboard_build_info";
const LIVE_SUBSCRIBERS: &str = "statusboard_live_subscribers";
const LIVE_MESSAGES: &str = "statusboard_live_messages_sent_total";
const LIVE_SLOW: &str = "statusboard_live_subscribers_closed_slow_total";
const WEBHOOK_ATTEMPTS: &str = "statusboard_webhook_attempts_total";
const WEBHOOK_PENDING: &str = "statusboard_webhook_pending_changes";
const WEBHOOK_OLDEST: &str = "statusboard_webhook_oldest_pending_seconds";
const GITHUB_REQUESTS: &str = "statusboard_github_requests_total";
const GITHUB_REMAINING: &str = "statusboard_github_rate_limit_remaining";

/// Latency buckets, in seconds: 100 µs to 10 s.
const BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// How often buffered histogram samples are drained.
const UPKEEP_EVERY: Duration = Duration::from_secs(1);

/// Whether a recorder is installed; without one, nothing is recorded or even labelled.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// The process-wide recorder, installed on first use. Every server of the process (tests
/// start many) records into it.
fn recorder() -> Result<PrometheusHandle, String> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), BUCKETS)
                .map_err(|e| e.to_string())?
                .install_recorder()
                .map_err(|e| e.to_string())?;
            describe();
            gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            let _ = IN_FLIGHT_GAUGE.set(gauge!(IN_FLIGHT));
            // Latency samples wait in per-histogram buffers until drained: drain them every
            // few seconds, scraped or not, so that memory stays flat.
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".to_owned())
                .spawn(move || {
                    loop {
                        std::thread::sleep(UPKEEP_EVERY);
                        upkeep.run_upkeep();
                    }
                })
                .map_err(|e| e.to_string())?;
            ENABLED.store(true, Ordering::Release);
            Ok(handle)
        })
        .clone()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        REQUESTS,
        "HTTP requests answered, by operation, method and status class."
    );
    describe_histogram!(
        DURATION,
        metrics::Unit::Seconds,
        "Time to answer, by operation."
    );
    describe_gauge!(IN_FLIGHT, "HTTP requests being answered now.");
    describe_gauge!(POOL_SIZE, "PostgreSQL connections the pool holds.");
    describe_gauge!(
        POOL_IDLE,
        "PostgreSQL connections the pool holds and nobody uses."
    );
    describe_gauge!(
        POOL_WAITERS,
        "Requests waiting for a PostgreSQL connection."
    );
    describe_counter!(DATABASE_ERRORS, "Database failures, by kind.");
    describe_counter!(
        MIGRATIONS_APPLIED,
        "Schema migrations applied by this process."
    );
    describe_gauge!(
        LIVE_SUBSCRIBERS,
        "Live board WebSocket subscribers connected now."
    );
    describe_counter!(LIVE_MESSAGES, "Messages sent to live board subscribers.");
    describe_counter!(
        LIVE_SLOW,
        "Live board subscribers closed for not reading fast enough."
    );
    describe_counter!(
        WEBHOOK_ATTEMPTS,
        "Webhook delivery attempts by this server, by outcome (delivered, failed, refused)."
    );
    describe_gauge!(
        WEBHOOK_PENDING,
        "Changes not yet delivered to enabled webhook subscriptions, summed (an upper bound: \
         filters skip some)."
    );
    describe_gauge!(
        WEBHOOK_OLDEST,
        "Age of the oldest change an enabled webhook subscription still waits for."
    );
    describe_counter!(
        GITHUB_REQUESTS,
        "Requests to GitHub's API by this server, by outcome (ok, not_modified, unauthorized, \
         not_found, rate_limited, server_error, error)."
    );
    describe_gauge!(
        GITHUB_REMAINING,
        "GitHub's remaining rate limit for the token, as its last answer said."
    );
    describe_gauge!(
        BUILD_INFO,
        "Always 1; the version label says which build runs."
    );
}

/// Counts a live board subscriber while it lives.
#[derive(Debug)]
pub struct Subscriber(());

impl Subscriber {
    /// A subscriber connects.
    pub fn enter() -> Self {
        if ENABLED.load(Ordering::Acquire) {
            gauge!(LIVE_SUBSCRIBERS).increment(1.0);
        }
        Self(())
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        if ENABLED.load(Ordering::Acquire) {
            gauge!(LIVE_SUBSCRIBERS).decrement(1.0);
        }
    }
}

/// Counts messages sent to live board subscribers.
pub fn live_messages_sent(count: u64) {
    if ENABLED.load(Ordering::Acquire) {
        counter!(LIVE_MESSAGES).increment(count);
    }
}

/// Counts a live board subscriber closed for being slow.
pub fn live_subscriber_closed_slow() {
    if ENABLED.load(Ordering::Acquire) {
        counter!(LIVE_SLOW).increment(1);
    }
}

/// Counts a webhook delivery attempt: `delivered` (a `2xx`), `failed`, or `refused` (an
/// address the guard refuses).
pub fn webhook_attempt(outcome: &'static str) {
    if ENABLED.load(Ordering::Acquire) {
        counter!(WEBHOOK_ATTEMPTS, "outcome" => outcome).increment(1);
    }
}

/// Records the webhooks' backlog: changes pending, and the oldest one's age.
pub fn webhook_backlog(pending: i64, oldest: Duration) {
    if ENABLED.load(Ordering::Acquire) {
        gauge!(WEBHOOK_PENDING).set(pending as f64);
        gauge!(WEBHOOK_OLDEST).set(oldest.as_secs_f64());
    }
}

/// Counts a request to GitHub by its outcome.
pub fn github_request(outcome: &'static str) {
    if ENABLED.load(Ordering::Acquire) {
        counter!(GITHUB_REQUESTS, "outcome" => outcome).increment(1);
    }
}

/// Records GitHub's remaining rate limit.
pub fn github_rate_limit_remaining(remaining: u64) {
    if ENABLED.load(Ordering::Acquire) {
        gauge!(GITHUB_REMAINING).set(remaining as f64);
    }
}

/// Counts a request as in flight while it lives.
#[derive(Debug)]
pub struct InFlight(Option<&'static Gauge>);

impl InFlight {
    /// A request starts.
    pub fn enter() -> Self {
        let gauge = IN_FLIGHT_GAUGE.get();
        if let Some(gauge) = gauge {
            gauge.increment(1.0);
        }
        Self(gauge)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(gauge) = self.0 {
            gauge.decrement(1.0);
        }
    }
}

/// The in-flight gauge, once the recorder is installed.
static IN_FLIGHT_GAUGE: OnceLock<Gauge> = OnceLock::new();

/// One operation's metric handles, looked up in the registry once per thread.
struct OperationHandles {
    duration: Histogram,
    /// By method and status class.
    requests: HashMap<(&'static str, &'static str), Counter>,
}

/// Records an answered request.
pub fn request(operation: &str, method: &Method, status: StatusCode, elapsed: Duration) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    // The registry hashes every label on every lookup; a per-thread map from the operation
    // id to its handles keeps that off the request path.
    thread_local! {
        static HANDLES: RefCell<HashMap<String, OperationHandles>> = RefCell::new(HashMap::new());
    }
    let class = match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    let method = match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let record = |handle: &mut OperationHandles| {
        handle.duration.record(elapsed.as_secs_f64());
        handle
            .requests
            .entry((method, class))
            .or_insert_with(|| {
                counter!(REQUESTS, "operation" => operation.to_owned(), "method" => method,
                    "status_class" => class)
            })
            .increment(1);
    };
    HANDLES.with_borrow_mut(|handles| match handles.get_mut(operation) {
        Some(handle) => record(handle),
        None => {
            let mut handle = OperationHandles {
                duration: histogram!(DURATION, "operation" => operation.to_owned()),
                requests: HashMap::new(),
            };
            record(&mut handle);
            handles.insert(operation.to_owned(), handle);
        }
    });
}

/// Records a database failure of `kind`.
pub fn database_error(kind: &'static str) {
    if ENABLED.load(Ordering::Relaxed) {
        counter!(DATABASE_ERRORS, "kind" => kind).increment(1);
    }
}

/// Records `count` migrations applied.
pub fn migrations_applied(count: usize) {
    if ENABLED.load(Ordering::Relaxed) {
        counter!(MIGRATIONS_APPLIED).increment(count as u64);
    }
}

/// The state of the database pool, as the metrics report it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolGauges {
    /// Connections the pool holds.
    pub size: usize,
    /// Connections the pool holds and nobody uses.
    pub idle: usize,
    /// Requests waiting for a connection.
    pub waiters: usize,
}

/// The process's metrics in Prometheus' text format, for a scrape.
#[derive(Clone)]
pub struct Exporter(PrometheusHandle);

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exporter")
    }
}

impl Exporter {
    /// Installs the process-wide recorder (once per process; every server of the process
    /// records into it) and returns its exporter.
    pub fn install() -> Result<Self, String> {
        recorder().map(Self)
    }

    /// Every metric as of now, with the pool's state as given.
    pub fn render(&self, pool: PoolGauges) -> String {
        gauge!(POOL_SIZE).set(pool.size as f64);
        gauge!(POOL_IDLE).set(pool.idle as f64);
        gauge!(POOL_WAITERS).set(pool.waiters as f64);
        self.0.run_upkeep();
        self.0.render()
    }
}
