//! A fake GitHub for the integration's tests: GitHub's REST API as the poller calls it, on
//! a loopback port, with `ETag`s and `304`s, rate-limit headers, a secondary limit's
//! `403` with `retry-after`, `5xx`, `401` and `404`; and GitHub's webhook payloads, signed.
//! Every answer and payload is built from GitHub's published schemas and read back through
//! the types progenitor generates from them ([`types`]), so the fake cannot drift from
//! GitHub's shapes.

pub mod examples;
mod fake;
mod shapes;
pub mod types;

pub use fake::{Failure, FakeGithub, Request};
pub use shapes::signed_payload;
