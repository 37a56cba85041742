-- Deliveries asked for again (`POST /api/v1/webhooks/{id}/deliveries/{delivery}/retry` of
-- a change already delivered): the worker that leases the subscription sends each once,
-- records the attempt and removes the row; the subscription's cursor does not move.
CREATE TABLE webhook_redeliveries (
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    change_id       BIGINT NOT NULL,
    requested_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (subscription_id, change_id)
);

-- Whether a subscription attempted a change (a retry must name one it did).
CREATE INDEX webhook_attempts_change ON webhook_attempts (subscription_id, change_id);
