//! Uptime: a component's time in each status per UTC day, from daily rollups (migration
//! V9: `uptime_days`) that [`run`] folds in outside the change log's lock (one replica at a
//! time, a cursor over the reports), and the reports after that cursor, read in one
//! statement (one snapshot: a report committing meanwhile is wholly in the answer or not
//! at all).

use std::collections::BTreeMap;

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use slog::{Logger, warn};
use statusboard_api::Slug;
use tokio_postgres::types::Type;

use super::BoardError;
use crate::database::Database;

/// One day of a component: microseconds in each status (by its name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// The UTC day.
    pub day: NaiveDate,
    /// Microseconds spent in each status that day (statuses with none are absent).
    pub micros: BTreeMap<String, i64>,
}

/// The days from `from` to `to` (both included) of the component `slug`, as of `now`:
/// the rollups (the reports up to the roller's cursor) and the intervals after them (from
/// the latest folded report, through the reports not folded yet, to `now`), in one
/// snapshot. Days with no time (before the component existed, after `now`) are left out.
pub const DAYS_SQL: &str = "\
    WITH c AS (SELECT created_at FROM components WHERE slug = $1), \
    cur AS (SELECT after_report FROM uptime_cursor WHERE id = 1), \
    folded_last AS (SELECT r.status, r.reported_at FROM status_reports r, cur \
                    WHERE r.component = $1 AND r.id <= cur.after_report \
                    ORDER BY r.reported_at DESC, r.id DESC LIMIT 1), \
    points AS ( \
        SELECT COALESCE(f.status, 'operational') AS status, \
               COALESCE(f.reported_at, c.created_at) AS at, 0 AS ord, 0::int8 AS id \
        FROM c LEFT JOIN folded_last f ON true \
        UNION ALL \
        SELECT r.status, r.reported_at, 1, r.id FROM status_reports r, cur \
        WHERE r.component = $1 AND r.id > cur.after_report), \
    intervals AS ( \
        SELECT status, at AS from_at, \
               COALESCE(lead(at) OVER (ORDER BY ord, at, id), $4) AS to_at \
        FROM points), \
    open_days AS ( \
        SELECT d::date AS day, i.status, \
               round(extract(epoch FROM \
                   LEAST(i.to_at, (d + interval '1 day') AT TIME ZONE 'UTC') \
                   - GREATEST(i.from_at, d AT TIME ZONE 'UTC')) * 1000000)::int8 AS micros \
        FROM intervals i, generate_series(date_trunc('day', i.from_at AT TIME ZONE 'UTC'), \
                                          i.to_at AT TIME ZONE 'UTC', interval '1 day') AS d \
        WHERE i.to_at > i.from_at \
          AND LEAST(i.to_at, (d + interval '1 day') AT TIME ZONE 'UTC') \
              > GREATEST(i.from_at, d AT TIME ZONE 'UTC')) \
    SELECT day, status, sum(micros)::int8 FROM ( \
        SELECT day, status, micros FROM uptime_days \
        WHERE component = $1 AND day BETWEEN $2 AND $3 \
        UNION ALL \
        SELECT day, status, micros FROM open_days WHERE day BETWEEN $2 AND $3) t \
    WHERE EXISTS (SELECT 1 FROM c) \
    GROUP BY day, status HAVING sum(micros) <> 0 ORDER BY day, status";

/// The component `slug`'s days from `from` to `to`, as of `now`.
pub async fn days(
    database: &Database,
    slug: &Slug,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Day>, BoardError> {
    let connection = database.connection().await?;
    let rows = connection
        .client()
        .query_typed(
            DAYS_SQL,
            &[
                (&slug.as_str(), Type::TEXT),
                (&from, Type::DATE),
                (&to, Type::DATE),
                (&now, Type::TIMESTAMPTZ),
            ],
        )
        .await?;
    let mut days: Vec<Day> = Vec::new();
    for row in rows {
        let day: NaiveDate = row.try_get(0)?;
        let status: String = row.try_get(1)?;
        let micros: i64 = row.try_get(2)?;
        match days.last_mut() {
            Some(last) if last.day == day => {
                last.micros.insert(status, micros);
            }
            _ => days.push(Day {
                day,
                micros: BTreeMap::from([(status, micros)]),
            }),
        }
    }
    Ok(days)
}

/// How often each replica folds (one at a time does).
pub const FOLD_EVERY: Duration = Duration::from_secs(1);
/// The most reports one fold takes; a full fold is followed by another at once.
const FOLD_BATCH: i32 = 1000;

/// Folds the reports after the cursor into the rollups; answers how many it folded (0
/// when another replica is folding).
pub async fn fold(database: &Database, most: i32) -> Result<i32, BoardError> {
    let connection = database.connection().await?;
    let rows = connection
        .client()
        .query_typed("SELECT uptime_fold($1)", &[(&most, Type::INT4)])
        .await?;
    Ok(rows
        .first()
        .map(|row| row.try_get(0))
        .transpose()?
        .unwrap_or(0))
}

/// Folds every [`FOLD_EVERY`] until the task is dropped.
pub async fn run(database: Database, log: Logger) {
    let mut every = tokio::time::interval(FOLD_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        every.tick().await;
        loop {
            match fold(&database, FOLD_BATCH).await {
                Ok(folded) if folded == FOLD_BATCH => continue,
                Ok(_) => break,
                Err(e) => {
                    warn!(log, "uptime: folding failed"; "error" => %e);
                    break;
                }
            }
        }
    }
}
