//! Uptime: a component's time in each status per UTC day, from daily rollups (migrations
//! V9 and V10: `uptime_days`, `uptime_split`) that [`run`] folds in outside the change
//! log's lock (one replica at a time, a cursor over the reports), and the reports after
//! that cursor, read in one statement (one snapshot: a report committing meanwhile is
//! wholly in the answer or not at all). [`component`] and [`page`] answer the API's
//! [`ComponentUptime`], with the uptime rule of `statusboard_api::PARTIAL_OUTAGE_WEIGHT`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use statusboard_api::{
    ComponentStatus, ComponentUptime, PARTIAL_OUTAGE_WEIGHT, Slug, StatusSeconds, UptimeDay,
};
use tokio_postgres::types::{ToSql, Type};

mod range;
mod roller;

pub use range::Range;
pub use roller::{FOLD_EVERY, fold, run};

use super::BoardError;
use crate::database::Database;

/// The time per (component, day, status) in microseconds, of the components `c` (a
/// query's text, with the columns `slug` and `created_at`) from `$2` to `$3`, as of `$4`:
/// the rollups (the reports up to the roller's cursor) and the intervals after them (from
/// each component's latest folded report, through the reports not folded yet, to `$4`),
/// per (component, day) with a column per status ([`by_status`]), in no order: a
/// (component, day) may come twice, once from each, to be added up.
/// `$1` is a cursor the roller had reached before (it only grows): the reports after the
/// cursor are read through the primary key from it. Each component also has one row with
/// nulls, so that one with no time in the range is still answered.
/// The microseconds of the rows grouped, one column per status in the order of
/// `ComponentStatus::ALL` (null for none), the rows' columns prefixed by `$table`.
macro_rules! by_status {
    ($table:literal) => {
        concat!(
            "sum(",
            $table,
            "micros) FILTER (WHERE ",
            $table,
            "status = 'operational')::int8, ",
            "sum(",
            $table,
            "micros) FILTER (WHERE ",
            $table,
            "status = 'degraded_performance')::int8, ",
            "sum(",
            $table,
            "micros) FILTER (WHERE ",
            $table,
            "status = 'partial_outage')::int8, ",
            "sum(",
            $table,
            "micros) FILTER (WHERE ",
            $table,
            "status = 'major_outage')::int8, ",
            "sum(",
            $table,
            "micros) FILTER (WHERE ",
            $table,
            "status = 'under_maintenance')::int8"
        )
    };
}

macro_rules! uptime_sql {
    ($components:literal) => {
        concat!(
            "WITH c AS (",
            $components,
            "), \
            cur AS (SELECT after_report FROM uptime_cursor WHERE id = 1), \
            points AS ( \
                SELECT c.slug AS component, COALESCE(f.status, 'operational') AS status, \
                       COALESCE(f.reported_at, c.created_at) AS at, 0 AS ord, 0::int8 AS id \
                FROM c CROSS JOIN cur LEFT JOIN LATERAL ( \
                    SELECT r.status, r.reported_at FROM status_reports r \
                    WHERE r.component = c.slug AND r.id <= cur.after_report \
                    ORDER BY r.reported_at DESC, r.id DESC LIMIT 1) f ON true \
                UNION ALL \
                SELECT r.component, r.status, r.reported_at, 1, r.id \
                FROM status_reports r, cur \
                WHERE r.id > $1 AND r.id > cur.after_report \
                  AND r.component IN (SELECT slug FROM c)), \
            intervals AS ( \
                SELECT component, status, at AS from_at, \
                       COALESCE(lead(at) OVER (PARTITION BY component ORDER BY ord, at, id), \
                                $4) AS to_at \
                FROM points), \
            open_days AS ( \
                SELECT i.component, t.day, i.status, t.micros \
                FROM intervals i, uptime_split(i.from_at, i.to_at) t \
                WHERE t.day BETWEEN $2 AND $3) \
            SELECT c.slug, NULL::date, NULL::int8, NULL::int8, NULL::int8, NULL::int8, \
                   NULL::int8 FROM c \
            UNION ALL \
            SELECT u.component, u.day, ",
            by_status!("u."),
            " FROM c JOIN uptime_days u ON u.component = c.slug \
            WHERE u.day BETWEEN $2 AND $3 GROUP BY u.component, u.day \
            UNION ALL \
            SELECT component, day, ",
            by_status!(""),
            " FROM open_days GROUP BY component, day"
        )
    };
}

/// One component's days (`$5` its slug).
pub const COMPONENT_SQL: &str =
    uptime_sql!("SELECT slug, created_at FROM components WHERE slug = $5");

/// A page of components' days: up to `$6` components after the slug `$5` (all when null).
pub const PAGE_SQL: &str = uptime_sql!(
    "SELECT slug, created_at FROM components \
     WHERE $5::text IS NULL OR slug > $5 ORDER BY slug LIMIT $6"
);

/// The roller's cursor now: the first parameter of [`COMPONENT_SQL`] and [`PAGE_SQL`].
pub const CURSOR_SQL: &str = "SELECT after_report FROM uptime_cursor WHERE id = 1";

/// The uptime of the component `slug` over `range`, as of `now`.
pub async fn component(
    database: &Database,
    slug: &Slug,
    range: Range,
    now: DateTime<Utc>,
) -> Result<ComponentUptime, BoardError> {
    let found = read(
        database,
        COMPONENT_SQL,
        range,
        now,
        &[(&slug.as_str(), Type::TEXT)],
    )
    .await?;
    found
        .into_iter()
        .next()
        .ok_or_else(|| BoardError::ComponentNotFound(slug.to_string()))
}

/// The uptime over `range`, as of `now`, of up to `limit` components in slug order, after
/// `after` when given.
pub async fn page(
    database: &Database,
    after: Option<&Slug>,
    limit: u32,
    range: Range,
    now: DateTime<Utc>,
) -> Result<Vec<ComponentUptime>, BoardError> {
    let after = after.map(Slug::as_str);
    let limit = i64::from(limit);
    read(
        database,
        PAGE_SQL,
        range,
        now,
        &[(&after, Type::TEXT), (&limit, Type::INT8)],
    )
    .await
}

/// Runs `sql` (one of [`COMPONENT_SQL`], [`PAGE_SQL`]) with the cursor, `range`, `now` and
/// `more`, and gathers each component's days.
async fn read(
    database: &Database,
    sql: &str,
    range: Range,
    now: DateTime<Utc>,
    more: &[(&(dyn ToSql + Sync), Type)],
) -> Result<Vec<ComponentUptime>, BoardError> {
    let connection = database.connection().await?;
    let client = connection.client();
    let cursor: i64 = client
        .query_typed(CURSOR_SQL, &[])
        .await?
        .first()
        .map(|row| row.try_get(0))
        .transpose()?
        .unwrap_or(0);
    let (from, to) = (range.from(), range.to());
    let mut params: Vec<(&(dyn ToSql + Sync), Type)> = vec![
        (&cursor, Type::INT8),
        (&from, Type::DATE),
        (&to, Type::DATE),
        (&now, Type::TIMESTAMPTZ),
    ];
    params.extend_from_slice(more);
    let rows = client.query_typed(sql, &params).await?;
    let mut components: BTreeMap<String, BTreeMap<NaiveDate, Micros>> = BTreeMap::new();
    for row in rows {
        let slug: &str = row.try_get(0)?;
        if !components.contains_key(slug) {
            components.insert(slug.to_owned(), BTreeMap::new());
        }
        let Some(days) = components.get_mut(slug) else {
            continue;
        };
        let Some(day) = row.try_get::<_, Option<NaiveDate>>(1)? else {
            continue;
        };
        let micros = days.entry(day).or_default();
        for (column, status) in ComponentStatus::ALL.iter().enumerate() {
            if let Some(more) = row.try_get::<_, Option<i64>>(2 + column)? {
                micros.add(*status, more);
            }
        }
    }
    Ok(components
        .into_iter()
        .map(|(slug, days)| answer(slug, range, &days))
        .collect())
}

/// Microseconds in each status, in the order of `ComponentStatus::ALL`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Micros([i64; 5]);

impl Micros {
    fn add(&mut self, status: ComponentStatus, micros: i64) {
        self.0[index(status)] += micros;
    }

    fn get(&self, status: ComponentStatus) -> i64 {
        self.0[index(status)]
    }

    fn plus(mut self, other: &Micros) -> Micros {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine += theirs;
        }
        self
    }

    fn seconds(&self) -> StatusSeconds {
        let seconds = |status| self.get(status) as f64 / 1e6;
        StatusSeconds {
            operational: seconds(ComponentStatus::Operational),
            degraded_performance: seconds(ComponentStatus::DegradedPerformance),
            partial_outage: seconds(ComponentStatus::PartialOutage),
            major_outage: seconds(ComponentStatus::MajorOutage),
            under_maintenance: seconds(ComponentStatus::UnderMaintenance),
        }
    }

    /// The uptime rule: a major outage counts as down, a partial one as
    /// [`PARTIAL_OUTAGE_WEIGHT`] down, degraded performance as up, maintenance not at all.
    fn uptime(&self) -> Option<f64> {
        let major = self.get(ComponentStatus::MajorOutage);
        let partial = self.get(ComponentStatus::PartialOutage);
        let counted = self.get(ComponentStatus::Operational)
            + self.get(ComponentStatus::DegradedPerformance)
            + partial
            + major;
        (counted > 0).then(|| {
            1.0 - (major as f64 + PARTIAL_OUTAGE_WEIGHT * partial as f64) / counted as f64
        })
    }
}

fn index(status: ComponentStatus) -> usize {
    ComponentStatus::ALL
        .iter()
        .position(|s| *s == status)
        .unwrap_or_default()
}

/// The answer for `slug`: every day of `range` (those with no time all zero).
fn answer(slug: String, range: Range, days: &BTreeMap<NaiveDate, Micros>) -> ComponentUptime {
    let mut total = Micros::default();
    let every_day = range
        .from()
        .iter_days()
        .take_while(|day| *day <= range.to());
    let days = every_day
        .map(|date| {
            let micros = days.get(&date).copied().unwrap_or_default();
            total = total.plus(&micros);
            UptimeDay {
                date,
                seconds: micros.seconds(),
                uptime: micros.uptime(),
            }
        })
        .collect();
    ComponentUptime {
        component: slug,
        from: range.from(),
        to: range.to(),
        seconds: total.seconds(),
        uptime: total.uptime(),
        days,
    }
}
