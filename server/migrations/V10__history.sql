-- History: what the uptime reads, the badges and the Atom feed need.

-- The one place that splits an interval into UTC days: the microseconds of [from_at, to_at)
-- that fall on each day it spans (days with none are left out). The rollups (`uptime_add`)
-- and the reads of the time after the roller's cursor both use it, so both count alike.
CREATE FUNCTION uptime_split(from_at TIMESTAMPTZ, to_at TIMESTAMPTZ)
RETURNS TABLE (day DATE, micros BIGINT) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT d::date,
           round(extract(epoch FROM
               LEAST(to_at, (d + interval '1 day') AT TIME ZONE 'UTC')
               - GREATEST(from_at, d AT TIME ZONE 'UTC')) * 1000000)::bigint
    FROM generate_series(date_trunc('day', from_at AT TIME ZONE 'UTC'),
                         to_at AT TIME ZONE 'UTC', interval '1 day') AS d
    WHERE to_at > from_at
      AND LEAST(to_at, (d + interval '1 day') AT TIME ZONE 'UTC')
          > GREATEST(from_at, d AT TIME ZONE 'UTC')
$$;

CREATE OR REPLACE FUNCTION uptime_add(c TEXT, s TEXT, from_at TIMESTAMPTZ, to_at TIMESTAMPTZ,
                                      sign INT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO uptime_days AS u (component, day, status, micros)
    SELECT c, t.day, s, sign * t.micros FROM uptime_split(from_at, to_at) t
    ON CONFLICT (component, day, status) DO UPDATE SET micros = u.micros + EXCLUDED.micros
$$;

-- The feed lists the incidents and maintenances updated last.
CREATE INDEX incidents_updated ON incidents (updated_at DESC, id DESC);
CREATE INDEX maintenances_updated ON maintenances (updated_at DESC, id DESC);

-- This installation's identity, made once: the Atom feed's ids derive from it, so that two
-- boards' feeds never share an entry id, and one board's ids never change.
CREATE TABLE installation (
    id   INT PRIMARY KEY CHECK (id = 1),
    uuid UUID NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO installation (id) VALUES (1);
