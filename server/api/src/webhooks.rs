//! Webhook subscriptions (API 7.0.0 on): where the board's changes are delivered, signed
//! as the Standard Webhooks specification says, and what each attempt came to.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::wire_enum::wire_enum;

/// The most component slugs a subscription's filter names.
pub const WEBHOOK_COMPONENTS_MAX: usize = 100;

wire_enum! {
    /// A kind of change a subscription can ask for; a delivery's body is the change as the
    /// live board sends it, whose `type` is this kind.
    WebhookKind ("change kind") {
        /// A component was created or updated.
        Component = "component",
        /// A component was deleted.
        ComponentDeleted = "component_deleted",
        /// A status report was recorded.
        Report = "report",
        /// An incident was opened or updated.
        Incident = "incident",
        /// A scheduled maintenance was announced, updated, started, completed or cancelled.
        Maintenance = "maintenance",
    }
}

wire_enum! {
    /// Where a subscription stands.
    WebhookState ("webhook state") {
        /// Its receiver took the last change sent to it.
        Active = "active",
        /// Its receiver refused or missed the next change; it is tried again at
        /// `next_attempt_at`.
        Failing = "failing",
        /// It failed for three days and gets nothing more; retrying its pending delivery
        /// (`POST /api/v1/webhooks/{id}/deliveries/{delivery}/retry`) enables it again.
        Disabled = "disabled",
    }
}

/// A subscription as it is asked for.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct NewWebhook {
    /// Where deliveries are posted: an `https` URL whose host is a public address (1 to
    /// 2,000 characters). Loopback, private, link-local, unique-local, shared (CGNAT),
    /// multicast and unspecified addresses are refused, unless the operator allows them
    /// (`WEBHOOK_ALLOW_PRIVATE_NETWORKS`, which also allows `http`).
    #[schemars(length(min = 1, max = 2000))]
    pub url: String,
    /// What it is for, for people (at most 500 characters).
    #[serde(default)]
    #[schemars(length(max = 500))]
    pub description: String,
    /// Only these kinds of change; left out or empty: every kind.
    #[serde(default)]
    pub kinds: Vec<WebhookKind>,
    /// Only changes about these components (by slug, at most 100); left out or empty:
    /// every change.
    #[serde(default)]
    #[schemars(length(max = 100))]
    pub components: Vec<String>,
}

/// A webhook subscription: its receiver gets every later change its filters let
/// through, in the change log's order, each at least once.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Webhook {
    /// Its id.
    pub id: i64,
    /// Where deliveries are posted.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// Only these kinds of change (empty: every kind).
    pub kinds: Vec<WebhookKind>,
    /// Only changes about these components (empty: every change).
    pub components: Vec<String>,
    /// Who made it: the subject of the token it was made with.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Where it stands.
    pub state: WebhookState,
    /// The id of the last change delivered, or passed over by its filters: it gets the
    /// changes after it.
    pub delivered_through: i64,
    /// Since when its receiver has refused or missed the next change (`failing` and
    /// `disabled` only).
    pub failing_since: Option<DateTime<Utc>>,
    /// When the next change is tried again (`failing` only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was disabled (`disabled` only).
    pub disabled_at: Option<DateTime<Utc>>,
    /// Until when the secret it had before the last rotation still signs beside the
    /// current one (absent when none does).
    pub previous_secret_until: Option<DateTime<Utc>>,
}

/// A subscription just made, with its signing secret: shown this once.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct WebhookCreated {
    /// The subscription.
    pub webhook: Webhook,
    /// Its signing secret, `whsec_` and the base64 of 32 random bytes: keep it; it is
    /// never shown again (rotate it to get a new one).
    pub secret: String,
}

/// A subscription's new signing secret.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct WebhookSecret {
    /// The new secret, shown this once.
    pub secret: String,
    /// Until when the secret it replaces still signs beside it (24 hours): each delivery
    /// carries both signatures until then, so a receiver can switch without losing one.
    pub previous_secret_until: DateTime<Utc>,
}

/// The path of one subscription.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct WebhookPath {
    /// The subscription's id.
    pub id: i64,
}

/// The path of one delivery: a change sent to a subscription.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct DeliveryPath {
    /// The subscription's id.
    pub id: i64,
    /// The delivery: the id of the change it sends (`delivery` in the attempts).
    pub delivery: i64,
}

/// One attempt at a delivery.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// The attempt's id: later attempts have greater ids.
    pub id: i64,
    /// The delivery: the id of the change sent.
    pub delivery: i64,
    /// The `webhook-id` header it was sent with (`msg_<subscription>_<change>`), the
    /// same for every attempt at the delivery.
    pub webhook_id: String,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The receiver's answer's status, when it answered.
    pub status_code: Option<u16>,
    /// Why it failed without an answer: a timeout, a refused address, a connection
    /// error.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: u32,
    /// Whether the receiver took it (a `2xx` answer).
    pub delivered: bool,
}

/// Where a page of subscriptions starts (inside `page_token`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct WebhooksPage {
    /// The previous page's last id.
    pub after: i64,
}

/// Where a page of attempts starts (inside `page_token`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct DeliveriesPage {
    /// The previous page's last (oldest) attempt.
    pub before: i64,
}
