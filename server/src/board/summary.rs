//! The summary a status page reads, and the live board's `board` message: the board as
//! of one change, read in one statement after the log is settled up to that change (see
//! [`crate::changes::read::settled`]): it holds every change up to that id, and may hold
//! some made since, which whoever applies the changes after it applies again (each change
//! says what its resource is now, so applying one again in order changes nothing).

use statusboard_api::{Component, Incident, Maintenance};

use super::BoardError;
use super::incidents::{from_json, incident_json};
use super::maintenances::maintenance_json;
use crate::database::Database;

/// The most incidents, and the most maintenances, the summary lists.
pub const MOST: i64 = 100;

/// The statement [`read`] runs: every component, the unresolved
/// incidents (newest first) and the maintenances in progress then scheduled (soonest
/// first), each a JSON array. `$1`: [`MOST`]; `$2`: how many updates of each incident and
/// maintenance, latest first (`NULL`: every one; see [`Updates`]). Public for the
/// benchmark, which runs it in pgbench.
pub const SQL: &str = concat!(
    "SELECT COALESCE((SELECT jsonb_agg(jsonb_build_object(\
            'slug', c.slug, 'name', c.name, 'description', c.description, \
            'status', COALESCE(r.status, 'operational'), \
            'updated_at', GREATEST(c.updated_at, r.reported_at), \
            'group', c.group_name) ORDER BY c.slug) \
         FROM components c LEFT JOIN LATERAL (\
             SELECT status, reported_at FROM status_reports \
             WHERE component = c.slug ORDER BY reported_at DESC, id DESC LIMIT 1\
         ) r ON true), '[]')::text, \
        COALESCE((SELECT jsonb_agg(x.j::jsonb ORDER BY x.id DESC) FROM (\
            SELECT i.id, ",
    incident_json!("$2"),
    " AS j FROM incidents i WHERE i.resolved_at IS NULL \
            ORDER BY i.id DESC LIMIT $1) x), '[]')::text, \
        COALESCE((SELECT jsonb_agg(y.j::jsonb ORDER BY y.rank, y.scheduled_for, y.id) FROM (\
            SELECT m.id, m.scheduled_for, (m.status = 'scheduled') AS rank, ",
    maintenance_json!("$2"),
    " AS j FROM maintenances m WHERE m.status IN ('in_progress', 'scheduled') \
            ORDER BY (m.status = 'scheduled'), m.scheduled_for, m.id LIMIT $1) y), '[]')::text"
);

/// The board now: the last change it reflects, every component (by slug), the unresolved
/// incidents and the maintenances in progress or scheduled.
#[derive(Debug)]
pub struct Board {
    /// The last change it reflects.
    pub change: i64,
    /// Every component, ordered by slug.
    pub components: Vec<Component>,
    /// The unresolved incidents, newest first (at most [`MOST`]), with the updates read.
    pub incidents: Vec<Incident>,
    /// The maintenances in progress, then those scheduled, soonest first (at most
    /// [`MOST`]), with the updates read.
    pub maintenances: Vec<Maintenance>,
}

/// How many updates of each incident and maintenance a [`read`] brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Updates {
    /// The latest: what the summary and the live board's `board` message show.
    Latest,
    /// Every one: what the board in memory holds, to answer an incident's read.
    Every,
}

/// The board now: the log settled, then the board in one statement.
pub async fn read(database: &Database, updates: Updates) -> Result<Board, BoardError> {
    use tokio_postgres::types::Type;
    let change = crate::changes::read::settled(database).await?;
    let connection = database.connection().await?;
    let most_updates = match updates {
        Updates::Latest => Some(1_i64),
        Updates::Every => None,
    };
    let row = connection
        .client()
        .query_typed(SQL, &[(&MOST, Type::INT8), (&most_updates, Type::INT8)])
        .await?;
    let row = row
        .first()
        .ok_or_else(|| BoardError::Unexpected("the summary returned no row".into()))?;
    Ok(Board {
        change,
        components: from_json(row.try_get(0)?)?,
        incidents: from_json(row.try_get(1)?)?,
        maintenances: from_json(row.try_get(2)?)?,
    })
}
