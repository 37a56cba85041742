//! Webhooks: the change log delivered to the systems that subscribe, signed, at least
//! once, by any replica, never by two at once.
//!
//! * [`signature`]: how a delivery is signed (the Standard Webhooks scheme).
//! * [`outbound`]: the HTTP client deliveries go out with, guarded against server-side
//!   request forgery.
//! * [`subscriptions`]: subscriptions in PostgreSQL, each its own cursor in the change log.
//! * [`worker`]: every replica's delivery workers: order, one task per subscription.
//! * [`lease`]: a subscription leased by one replica, and every write under the lease:
//!   attempts, the cursor, retries on a schedule, giving up.

pub mod lease;
pub mod outbound;
pub mod signature;
pub mod subscriptions;
pub mod worker;
