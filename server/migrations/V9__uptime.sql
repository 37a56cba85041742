-- BRANCH `uptime`, NOT MERGED (session 9): this trigger runs inside the change log's lock
-- and costs POST …/reports 52 % (2,910 → 1,404 req/s, `cargo xtask bench --only board`).
-- Next: roll up outside the lock (a roller with its own cursor in the change log); the
-- tests in tests/tests/e2e/uptime.rs stay the oracle.
-- Uptime: each component's time in each status, per UTC day, kept as reports commit.
--
-- A component's status is its latest report's, `operational` from its creation until its
-- first. When a report commits, the interval it closes (from the report before it, or the
-- component's creation, to it) is added to the days that interval spans; the interval
-- still open (from the latest report to now) is added by whoever reads. A report recorded
-- before a later one (history written after the fact) moves the time it takes over from
-- the status it replaces. Time is in microseconds, exactly as the timestamps hold it.
CREATE TABLE uptime_days (
    component TEXT NOT NULL REFERENCES components (slug) ON DELETE CASCADE,
    day       DATE NOT NULL,
    status    TEXT NOT NULL,
    micros    BIGINT NOT NULL,
    PRIMARY KEY (component, day, status)
);

-- Adds `sign` × the time of [from_at, to_at) to `status` on each UTC day it spans.
CREATE FUNCTION uptime_add(c TEXT, s TEXT, from_at TIMESTAMPTZ, to_at TIMESTAMPTZ, sign INT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO uptime_days AS u (component, day, status, micros)
    SELECT c, d::date, s,
           sign * round(extract(epoch FROM
               LEAST(to_at, (d + interval '1 day') AT TIME ZONE 'UTC')
               - GREATEST(from_at, d AT TIME ZONE 'UTC')) * 1000000)::bigint
    FROM generate_series(date_trunc('day', from_at AT TIME ZONE 'UTC'),
                         to_at AT TIME ZONE 'UTC', interval '1 day') AS d
    WHERE to_at > from_at
      AND LEAST(to_at, (d + interval '1 day') AT TIME ZONE 'UTC')
          > GREATEST(from_at, d AT TIME ZONE 'UTC')
    ON CONFLICT (component, day, status) DO UPDATE SET micros = u.micros + EXCLUDED.micros
$$;

-- A report closes the interval before it. Its lookups run after the change log's lock
-- (the insert waits for it), and a trigger's statements see every commit before them, so
-- two replicas' reports for one component are counted in their commit order, once each.
CREATE FUNCTION uptime_on_report() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before_status TEXT;
    before_at     TIMESTAMPTZ;
    after_at      TIMESTAMPTZ;
BEGIN
    SELECT status, reported_at INTO before_status, before_at FROM status_reports
    WHERE component = NEW.component AND (reported_at, id) < (NEW.reported_at, NEW.id)
    ORDER BY reported_at DESC, id DESC LIMIT 1;
    IF NOT FOUND THEN
        SELECT 'operational', created_at INTO before_status, before_at
        FROM components WHERE slug = NEW.component;
    END IF;
    SELECT reported_at INTO after_at FROM status_reports
    WHERE component = NEW.component AND (reported_at, id) > (NEW.reported_at, NEW.id)
    ORDER BY reported_at, id LIMIT 1;
    IF after_at IS NULL THEN
        -- The usual case: the open interval before it closes.
        PERFORM uptime_add(NEW.component, before_status, before_at, NEW.reported_at, 1);
    ELSE
        -- Written into the past: [it, the next report) was the status before it, and is
        -- its own from now on.
        PERFORM uptime_add(NEW.component, before_status, GREATEST(before_at, NEW.reported_at),
                           after_at, -1);
        PERFORM uptime_add(NEW.component, NEW.status, NEW.reported_at, after_at, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER status_reports_uptime AFTER INSERT ON status_reports
    FOR EACH ROW EXECUTE FUNCTION uptime_on_report();

-- The history so far: every closed interval.
INSERT INTO uptime_days (component, day, status, micros)
SELECT component, day, status, sum(micros) FROM (
    SELECT i.component, d::date AS day, i.status,
           round(extract(epoch FROM
               LEAST(i.to_at, (d + interval '1 day') AT TIME ZONE 'UTC')
               - GREATEST(i.from_at, d AT TIME ZONE 'UTC')) * 1000000)::bigint AS micros
    FROM (
        SELECT r.component,
               COALESCE(lag(r.status) OVER w, 'operational') AS status,
               COALESCE(lag(r.reported_at) OVER w, c.created_at) AS from_at,
               r.reported_at AS to_at
        FROM status_reports r JOIN components c ON c.slug = r.component
        WINDOW w AS (PARTITION BY r.component ORDER BY r.reported_at, r.id)
    ) i,
    generate_series(date_trunc('day', i.from_at AT TIME ZONE 'UTC'),
                    i.to_at AT TIME ZONE 'UTC', interval '1 day') AS d
    WHERE i.to_at > i.from_at
      AND LEAST(i.to_at, (d + interval '1 day') AT TIME ZONE 'UTC')
          > GREATEST(i.from_at, d AT TIME ZONE 'UTC')
) closed
GROUP BY component, day, status;
