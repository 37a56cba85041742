-- The change log: one row per change to the board, appended in the transaction that makes
-- the change, in commit order (each append takes one transaction-level advisory lock before
-- it draws its id and holds it until its commit, so ids commit in increasing order). `data`
-- is what changed, as the API shows it; `subject` who changed it (a token's subject).
-- Everything that follows the board reads it: the live board, and what comes after it.
CREATE TABLE changes (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind ~ '^[a-z][a-z_]{0,62}$'),
    subject TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    data    JSONB NOT NULL
);

-- Where a time window starts (the live board's first change of the last hours).
CREATE INDEX changes_at ON changes (at);

-- The live board of API 3.0.0 reads reports by time: its window.
CREATE INDEX status_reports_reported_at ON status_reports (reported_at);

-- The reports recorded before the log existed, in their order, so that a window reaching
-- back before this migration still holds them.
INSERT INTO changes (kind, subject, at, data)
SELECT 'report', reported_by, reported_at,
       jsonb_build_object(
           'id', id, 'component', component, 'status', status, 'message', message,
           'reported_by', reported_by,
           'reported_at', to_char(reported_at AT TIME ZONE 'UTC',
                                  'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
FROM status_reports ORDER BY id;
