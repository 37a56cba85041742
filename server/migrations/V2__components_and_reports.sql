-- The status board: components, the status reports recorded about them, and the
-- Idempotency-Key of each recorded report (so that a retried POST records nothing twice).
CREATE TABLE components (
    slug        TEXT PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name        TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description TEXT NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE status_reports (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    component   TEXT NOT NULL REFERENCES components (slug) ON DELETE CASCADE,
    status      TEXT NOT NULL CHECK (status IN ('operational', 'degraded_performance',
                    'partial_outage', 'major_outage', 'under_maintenance')),
    message     TEXT NOT NULL DEFAULT '' CHECK (char_length(message) <= 2000),
    reported_by TEXT NOT NULL,
    reported_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

-- A component's latest report, and its reports newest first.
CREATE INDEX status_reports_newest ON status_reports (component, reported_at DESC, id DESC);

CREATE TABLE idempotency_keys (
    subject    TEXT NOT NULL,
    key        TEXT NOT NULL,
    request    TEXT NOT NULL,
    report_id  BIGINT REFERENCES status_reports (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (subject, key)
);
