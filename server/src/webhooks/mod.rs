//! Webhooks: the change log delivered to the systems that subscribe (issue: signed
//! deliveries, at least once, by any replica, never twice at once).
//!
//! This far: how a delivery is signed ([`signature`], the Standard Webhooks scheme) and
//! the HTTP client deliveries go out with ([`outbound`], guarded against server-side
//! request forgery). Subscriptions, their deliveries and the workers come next, on top of
//! these.

pub mod outbound;
pub mod signature;
