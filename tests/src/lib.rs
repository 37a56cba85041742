//! The end-to-end test harness.
//!
//! * [`app`]: a real statusboard server on an ephemeral loopback port, one per test.
//! * [`database`]: a fresh database per test, on `DATABASE_URL`'s server or a throwaway
//!   cluster.
//! * [`log_capture`]: a server's log lines kept for the test to read.
//! * [`os`]: free loopback ports and signals, also for the project's tools.
//! * [`pgbouncer`]: a throwaway PgBouncer in transaction pooling mode.
//! * [`poll`]: waiting for a condition until a deadline.
//! * [`postgres`]: throwaway PostgreSQL clusters (also used by `cargo xtask dev`).
//! * [`proxy`]: a TCP proxy that cuts its connections on demand.
//! * [`watchdog`]: stopping those helpers once this process is gone, however it ends.
//!
//! The tests themselves live in `tests/e2e/` and drive the server through the generated
//! `statusboard-client`.

pub mod app;
pub mod database;
pub mod github;
pub mod log_capture;
pub mod os;
pub mod pgbouncer;
pub mod poll;
pub mod postgres;
pub mod proxy;
pub mod receiver;
pub mod watchdog;
