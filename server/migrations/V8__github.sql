-- The GitHub integration: components whose status follows a repository's deployments to an
-- environment, or a workflow's completed runs on a branch.
CREATE TABLE github_bindings (
    component     TEXT PRIMARY KEY REFERENCES components (slug) ON DELETE CASCADE,
    repository    TEXT NOT NULL CHECK (repository ~ '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$'),
    -- Exactly one source: deployments to `environment`, or `workflow_file`'s runs on `branch`.
    environment   TEXT,
    workflow_file TEXT,
    branch        TEXT,
    -- The status each state or conclusion sets, over the defaults.
    mapping       JSONB NOT NULL DEFAULT '{}',
    -- The poller's state: the validators of its conditional requests, the deployment it
    -- follows, when it polls next, how many polls in a row failed.
    list_etag     TEXT,
    deployment_id BIGINT,
    status_etag   TEXT,
    next_poll_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    failures      INT NOT NULL DEFAULT 0,
    last_poll_at  TIMESTAMPTZ,
    last_error    TEXT,
    -- What it last saw: {"id", "state", "status", "at", "via"}.
    last_seen     JSONB,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    CHECK ((environment IS NOT NULL AND workflow_file IS NULL AND branch IS NULL)
        OR (environment IS NULL AND workflow_file IS NOT NULL AND branch IS NOT NULL))
);

CREATE INDEX github_bindings_due ON github_bindings (next_poll_at);

-- One poller at a time, across replicas: the row's lease; and, when GitHub's rate limits
-- ran out, until when nobody asks.
CREATE TABLE github_poller (
    id           INT PRIMARY KEY CHECK (id = 1),
    leased_by    TEXT,
    leased_until TIMESTAMPTZ,
    paused_until TIMESTAMPTZ
);
INSERT INTO github_poller (id) VALUES (1);

-- GitHub's webhook deliveries already handled (`X-GitHub-Delivery`), a week long.
CREATE TABLE github_deliveries (
    id          TEXT PRIMARY KEY,
    received_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
