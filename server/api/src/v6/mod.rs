//! The types of API 6.0.0 that 7.0.0 changed: the operations 6.0.0 serves answer these,
//! so that its released document never changes.
//!
//! * [`ApiError`]: `error_code` without the codes that 7.0.0 added (`WebhookNotFound`,
//!   `DeliveryNotFound`, `GithubBindingNotFound`, `IntegrationNotConfigured`,
//!   `InvalidSignature`).
//! * [`Readiness`]: without `github`.

/// The major version these types describe.
pub const MAJOR: u64 = 6;

/// An error answer as 6.0.0 describes it.
pub type ApiError = crate::EarlierError<MAJOR>;

pub use crate::system::v6::Readiness;
