//! The change log: one ordered record of every change to the board, appended in the
//! transaction that makes the change (table `changes`, migration `V3`).
//!
//! * **Appending** ([`append`], or a statement of its own that starts with
//!   [`in_order!`](crate::in_order) as [`crate::board::reports`]' does): every write ends
//!   with the statement that appends its change, sent together with its `COMMIT`
//!   ([`OpenTransaction::commit_after`]). That statement first takes the log's lock
//!   *shared* (a transaction-level advisory lock), then draws the change's id, and holds it
//!   until it commits: never across a round trip to this server. Writers do not wait for
//!   each other, so their commits (with durable commits, their WAL flushes) overlap, and
//!   changes may commit out of id order.
//! * **Settling** ([`read::settled`]): a reader that must miss no change reads only ids
//!   that are *settled*, final whether visible or not. Taking the lock exclusively waits
//!   out every writer holding an id; the last id drawn then is settled, and so is every id
//!   below it. [`read`]'s functions settle for their callers: ids read one after another
//!   with no hole are settled already, and only a hole costs the wait.
//! * **Announcing**: the same statement `NOTIFY`s the change id on [`CHANNEL`], delivered
//!   when the transaction commits; the live board's hub listens there.
//! * **Tracking** ([`tracking`], [`written`]): which change a request committed, so that it
//!   answers only once its replica's board in memory reflects it.
//! * **Reading** ([`read`]): the settled changes after an id, in order, a page at a time;
//!   where a time window starts; the last id.
//!
//! A change is its id, its [`Kind`], the subject that made it (a token's subject), when,
//! and `data`: what changed, as the API shows it. A resource added later adds its kinds to
//! [`Kind`] and appends them; the live board sends them on without knowing them.

pub mod read;

use tokio_postgres::types::{ToSql, Type};

use crate::database::OpenTransaction;

/// The channel on which each change's id is announced when its transaction commits.
pub const CHANNEL: &str = "changes";

/// The common table expression that takes the log's lock shared (the number spells
/// "reports1"; `changes_settled()`, migration `V11`, takes it exclusively), named
/// `in_order`: a statement that appends to the log starts with it, and its insert into
/// `changes` selects `FROM in_order`, so that the lock is held before the id is drawn.
#[macro_export]
macro_rules! in_order {
    () => {
        "in_order AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(8243118316935476017))"
    };
}

/// What a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A component was created or updated; `data` is the component.
    Component,
    /// A component was deleted, with its reports; `data` is `{"slug": …}`.
    ComponentDeleted,
    /// A status report was recorded; `data` is the report.
    Report,
    /// An incident was opened or updated; `data` is the incident with every update.
    Incident,
    /// A scheduled maintenance was announced, updated, started, completed or cancelled;
    /// `data` is the maintenance with every update.
    Maintenance,
    /// A grant (token family) was revoked; `data` is `{"family": id}`. No live subscriber
    /// gets it; every replica refuses the family's access tokens from then on.
    GrantRevoked,
    /// A webhook subscription failed for too long and was disabled; `data` is
    /// `{"id": …, "url": …}`. No webhook delivers it.
    WebhookDisabled,
}

impl Kind {
    /// The kind as the log stores it, and as the live board's messages name it (`type`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Component => "component",
            Self::ComponentDeleted => "component_deleted",
            Self::Report => "report",
            Self::Incident => "incident",
            Self::Maintenance => "maintenance",
            Self::GrantRevoked => "grant_revoked",
            Self::WebhookDisabled => "webhook_disabled",
        }
    }
}

/// One change to append: its kind, who made it, and what changed as the API shows it.
#[derive(Debug)]
pub struct Change<'a> {
    /// What the change is about.
    pub kind: Kind,
    /// The subject of the token that made it.
    pub subject: &'a str,
    /// What changed, as the API shows it (a JSON object).
    pub data: serde_json::Value,
}

impl<'a> Change<'a> {
    /// A change of `kind` by `subject`, whose data is `value` as JSON.
    pub fn new(kind: Kind, subject: &'a str, value: &impl serde::Serialize) -> Self {
        Self {
            kind,
            subject,
            data: serde_json::to_value(value).unwrap_or_default(),
        }
    }
}

/// The statement [`append`] runs: `$1` the kind, `$2` the subject, `$3` the data (JSON
/// text). It answers the change's id.
pub const APPEND_SQL: &str = concat!(
    "WITH ",
    in_order!(),
    ", appended AS ( \
        INSERT INTO changes (kind, subject, data) \
        SELECT $1, $2, $3::jsonb FROM in_order RETURNING id) \
    SELECT id, pg_notify('changes', id::text)::text FROM appended"
);

/// Appends `change` to the log as the last statement of `transaction`, and commits (both
/// sent at once: see [`OpenTransaction::commit_after`]). Answers the change's id.
pub async fn append(
    transaction: OpenTransaction,
    change: &Change<'_>,
) -> Result<i64, tokio_postgres::Error> {
    let data = change.data.to_string();
    let parameters: [(&(dyn ToSql + Sync), Type); 3] = [
        (&change.kind.as_str(), Type::TEXT),
        (&change.subject, Type::TEXT),
        (&data, Type::TEXT),
    ];
    let rows = transaction.commit_after(APPEND_SQL, &parameters).await?;
    let id = rows.first().map_or(Ok(0), |row| row.try_get(0))?;
    written(id);
    Ok(id)
}

tokio::task_local! {
    /// The greatest change id the request running in this task committed.
    static WRITTEN: std::cell::Cell<i64>;
}

/// Remembers that the request running in this task committed the change `id` (every
/// statement that appends to the log calls it once committed), for [`tracking`].
pub fn written(id: i64) {
    let _ = WRITTEN.try_with(|written| written.set(written.get().max(id)));
}

/// Runs `work`, and answers its output with the greatest change id it committed (0 for
/// none): what `respond` waits for the board in memory to reflect before answering.
pub async fn tracking<F: Future>(work: F) -> (F::Output, i64) {
    WRITTEN
        .scope(std::cell::Cell::new(0), async {
            let output = work.await;
            (output, WRITTEN.with(std::cell::Cell::get))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_append_takes_the_lock_before_drawing_the_id_and_announces_on_the_channel() {
        assert!(APPEND_SQL.contains("FROM in_order"), "{APPEND_SQL}");
        assert!(
            APPEND_SQL.contains(&format!("pg_notify('{CHANNEL}', id::text)")),
            "{APPEND_SQL}"
        );
    }

    #[test]
    fn kinds_are_the_names_the_log_checks() {
        for kind in [
            Kind::Component,
            Kind::ComponentDeleted,
            Kind::Report,
            Kind::Incident,
            Kind::Maintenance,
        ] {
            let name = kind.as_str();
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name}"
            );
        }
    }
}
