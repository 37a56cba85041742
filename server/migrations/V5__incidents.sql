-- Incidents, scheduled maintenance and component groups (API 6.0.0).
--
-- A status that an incident or a maintenance gives a component is recorded as that
-- component's status report, linked here (`incident_id`, `maintenance_id`), so that a
-- component's status and history have one source: its reports.

ALTER TABLE components
    ADD COLUMN group_name TEXT CHECK (char_length(group_name) BETWEEN 1 AND 100);

CREATE TABLE incidents (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    status      TEXT NOT NULL
                CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    impact      TEXT NOT NULL CHECK (impact IN ('none', 'minor', 'major', 'critical')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    resolved_at TIMESTAMPTZ
);

-- The summary's unresolved incidents, newest first.
CREATE INDEX incidents_unresolved ON incidents (id DESC) WHERE resolved_at IS NULL;

-- The status each incident gives each component it affects, now.
CREATE TABLE incident_components (
    incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    component   TEXT NOT NULL REFERENCES components (slug) ON DELETE CASCADE,
    status      TEXT NOT NULL CHECK (status IN ('operational', 'degraded_performance',
                    'partial_outage', 'major_outage', 'under_maintenance')),
    PRIMARY KEY (incident_id, component)
);

CREATE INDEX incident_components_component ON incident_components (component);

-- An incident's timeline; `components` is what the update set, `[{slug, status}]`.
CREATE TABLE incident_updates (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    status      TEXT NOT NULL
                CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    message     TEXT NOT NULL CHECK (char_length(message) <= 10000),
    components  JSONB NOT NULL DEFAULT '[]',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX incident_updates_newest ON incident_updates (incident_id, id DESC);

CREATE TABLE maintenances (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    message         TEXT NOT NULL CHECK (char_length(message) <= 10000),
    status          TEXT NOT NULL DEFAULT 'scheduled'
                    CHECK (status IN ('scheduled', 'in_progress', 'completed', 'cancelled')),
    scheduled_for   TIMESTAMPTZ NOT NULL,
    scheduled_until TIMESTAMPTZ NOT NULL CHECK (scheduled_until > scheduled_for),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

-- What the scheduler looks for: those due to start, and those due to end.
CREATE INDEX maintenances_to_start ON maintenances (scheduled_for) WHERE status = 'scheduled';
CREATE INDEX maintenances_to_end ON maintenances (scheduled_until) WHERE status = 'in_progress';
-- The lists, by start.
CREATE INDEX maintenances_by_start ON maintenances (scheduled_for, id);

CREATE TABLE maintenance_components (
    maintenance_id BIGINT NOT NULL REFERENCES maintenances (id) ON DELETE CASCADE,
    component      TEXT NOT NULL REFERENCES components (slug) ON DELETE CASCADE,
    PRIMARY KEY (maintenance_id, component)
);

CREATE TABLE maintenance_updates (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    maintenance_id BIGINT NOT NULL REFERENCES maintenances (id) ON DELETE CASCADE,
    status         TEXT NOT NULL
                   CHECK (status IN ('scheduled', 'in_progress', 'completed', 'cancelled')),
    message        TEXT NOT NULL CHECK (char_length(message) <= 10000),
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX maintenance_updates_newest ON maintenance_updates (maintenance_id, id DESC);

-- The incident or maintenance that recorded a report, if one did.
ALTER TABLE status_reports
    ADD COLUMN incident_id BIGINT REFERENCES incidents (id) ON DELETE SET NULL,
    ADD COLUMN maintenance_id BIGINT REFERENCES maintenances (id) ON DELETE SET NULL;

-- What an Idempotency-Key answered, for the requests other than reports (which point at
-- their report): the answer's body.
ALTER TABLE idempotency_keys ADD COLUMN response JSONB;
