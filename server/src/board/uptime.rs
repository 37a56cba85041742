//! Uptime: a component's time in each status per UTC day, from the daily rollups that
//! PostgreSQL keeps as reports commit (migration V9: `uptime_days`, the trigger
//! `status_reports_uptime`) and the interval still open, read in one statement (one
//! snapshot: a report committing meanwhile is either wholly in the answer or not at all).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
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
/// the closed intervals' rollups and the open one, up to `now`. Days with no time (before
/// the component existed, after `now`) are left out.
pub const DAYS_SQL: &str = "\
    WITH c AS (SELECT created_at FROM components WHERE slug = $1), \
    latest AS (SELECT status, reported_at FROM status_reports WHERE component = $1 \
               ORDER BY reported_at DESC, id DESC LIMIT 1), \
    open AS (SELECT COALESCE(latest.status, 'operational') AS status, \
                    COALESCE(latest.reported_at, c.created_at) AS from_at \
             FROM c LEFT JOIN latest ON true), \
    open_days AS ( \
        SELECT d::date AS day, open.status, \
               round(extract(epoch FROM \
                   LEAST($4, (d + interval '1 day') AT TIME ZONE 'UTC') \
                   - GREATEST(open.from_at, d AT TIME ZONE 'UTC')) * 1000000)::int8 AS micros \
        FROM open, generate_series(date_trunc('day', open.from_at AT TIME ZONE 'UTC'), \
                                   $4 AT TIME ZONE 'UTC', interval '1 day') AS d \
        WHERE $4 > open.from_at \
          AND LEAST($4, (d + interval '1 day') AT TIME ZONE 'UTC') \
              > GREATEST(open.from_at, d AT TIME ZONE 'UTC')) \
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
