-- Webhook subscriptions: the change log delivered to each subscriber's URL, in order.
--
-- A subscription is its own cursor in the change log (`after_change`: every change up to it
-- is delivered or skipped by its filters). One replica at a time delivers a subscription's
-- changes: it leases the row (`leased_by`, `leased_until`) and every write it makes checks
-- that it still holds the lease, so a replica killed mid-delivery leaves it to another once
-- the lease runs out.
CREATE TABLE webhook_subscriptions (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url             TEXT NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2000),
    description     TEXT NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
    -- Only these kinds of change (empty: every kind), only changes about these
    -- components (empty: every change).
    kinds           TEXT[] NOT NULL DEFAULT '{}',
    components      TEXT[] NOT NULL DEFAULT '{}',
    -- `whsec_…`; the previous secret signs beside it until `previous_until`.
    secret          TEXT NOT NULL,
    previous_secret TEXT,
    previous_until  TIMESTAMPTZ,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    after_change    BIGINT NOT NULL,
    -- The failed attempts at the next change, since when, and when to try again.
    attempts        INT NOT NULL DEFAULT 0,
    failing_since   TIMESTAMPTZ,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    leased_by       TEXT,
    leased_until    TIMESTAMPTZ,
    disabled_at     TIMESTAMPTZ
);

-- What the workers look for: enabled subscriptions by when they are due.
CREATE INDEX webhook_subscriptions_due ON webhook_subscriptions (next_attempt_at)
    WHERE disabled_at IS NULL;

-- Every attempt at a delivery: when, the answer's status or the error, how long it took.
CREATE TABLE webhook_attempts (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    change_id       BIGINT NOT NULL,
    at              TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    status          INT,
    error           TEXT,
    duration_ms     INT NOT NULL
);

CREATE INDEX webhook_attempts_newest ON webhook_attempts (subscription_id, id DESC);
