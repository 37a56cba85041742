-- Uptime: each component's time in each status, per UTC day, folded in as reports commit.
--
-- A component's status is its latest report's, `operational` from its creation until its
-- first. Each report closes the interval before it (from the report before it, or the
-- component's creation); that interval is added to the days it spans, in microseconds,
-- exactly as the timestamps hold it. (A first version did it in a trigger, inside the
-- change log's lock: POST …/reports lost 52 %. The roller below works outside it.)
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

-- Rolling up, outside the change log's lock: reports become visible in id order (their
-- ids are drawn under that lock, which they hold until they commit), so a cursor over
-- `status_reports.id` never skips one. `uptime_fold` folds the reports after the cursor,
-- each as the table was when it was inserted (the reports with smaller ids): it closes the
-- interval before it, or, written before a later report, takes over the time up to that
-- one. One replica at a time (an advisory lock); reads add the reports after the cursor.
CREATE TABLE uptime_cursor (
    id           INT PRIMARY KEY CHECK (id = 1),
    after_report BIGINT NOT NULL
);

CREATE FUNCTION uptime_fold(most INT) RETURNS INT LANGUAGE plpgsql AS $$
DECLARE
    r             RECORD;
    cursor_at     BIGINT;
    before_status TEXT;
    before_at     TIMESTAMPTZ;
    after_at      TIMESTAMPTZ;
    folded        INT := 0;
BEGIN
    IF NOT pg_try_advisory_xact_lock(4412918061771208339) THEN
        RETURN 0;
    END IF;
    SELECT after_report INTO cursor_at FROM uptime_cursor WHERE id = 1;
    FOR r IN SELECT id, component, status, reported_at FROM status_reports
             WHERE id > cursor_at ORDER BY id LIMIT most LOOP
        SELECT status, reported_at INTO before_status, before_at FROM status_reports
        WHERE component = r.component AND id < r.id
          AND (reported_at, id) < (r.reported_at, r.id)
        ORDER BY reported_at DESC, id DESC LIMIT 1;
        IF NOT FOUND THEN
            SELECT 'operational', created_at INTO before_status, before_at
            FROM components WHERE slug = r.component;
        END IF;
        after_at := NULL;
        SELECT reported_at INTO after_at FROM status_reports
        WHERE component = r.component AND id < r.id
          AND (reported_at, id) > (r.reported_at, r.id)
        ORDER BY reported_at, id LIMIT 1;
        IF after_at IS NULL THEN
            PERFORM uptime_add(r.component, before_status, before_at, r.reported_at, 1);
        ELSE
            PERFORM uptime_add(r.component, before_status, r.reported_at, after_at, -1);
            PERFORM uptime_add(r.component, r.status, r.reported_at, after_at, 1);
        END IF;
        cursor_at := r.id;
        folded := folded + 1;
    END LOOP;
    UPDATE uptime_cursor SET after_report = cursor_at WHERE id = 1;
    RETURN folded;
END
$$;

-- The history so far: every closed interval, and the cursor after it.
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
INSERT INTO uptime_cursor (id, after_report)
SELECT 1, COALESCE(max(id), 0) FROM status_reports;
