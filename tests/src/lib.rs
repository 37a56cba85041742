//! The end-to-end test harness.
//!
//! * [`app`]: a real statusboard server on an ephemeral loopback port, one per test.
//!
//! The tests themselves live in `tests/e2e/` and drive the server through the generated
//! `statusboard-client`.

pub mod app;
