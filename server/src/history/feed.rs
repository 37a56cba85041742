//! The Atom feed (RFC 4287) of incidents and maintenances: the [`ENTRIES`] updated last,
//! newest first, one entry each, whose content is its updates.
//!
//! Ids never change and never collide with another board's: the feed's is
//! `urn:uuid:<installation>` (migration V10 draws it once per database), an entry's a UUID
//! derived from it and the entry's kind and id. Links are relative to the feed (RFC 4287
//! §4.2.7 resolves them against it), so the server needs no setting for its public URL.

use std::fmt::Write as _;

use aws_lc_rs::digest;
use chrono::{DateTime, SecondsFormat, Utc};
use statusboard_api::{Incident, Maintenance};
use tokio_postgres::types::Type;

use super::xml_escape;
use crate::board::BoardError;
use crate::board::incidents::{from_json, incident_json};
use crate::board::maintenances::maintenance_json;
use crate::database::Database;

/// The most entries the feed holds.
pub const ENTRIES: i64 = 50;

/// What the feed shows: this installation's id, and the incidents and maintenances
/// updated last.
#[derive(Debug)]
pub struct Feed {
    /// The installation's UUID.
    pub installation: String,
    /// Up to [`ENTRIES`] incidents.
    pub incidents: Vec<Incident>,
    /// Up to [`ENTRIES`] maintenances.
    pub maintenances: Vec<Maintenance>,
}

/// Reads the feed's contents in one statement (served by `incidents_updated` and
/// `maintenances_updated`).
pub async fn read(database: &Database) -> Result<Feed, BoardError> {
    let sql = concat!(
        "SELECT (SELECT uuid::text FROM installation WHERE id = 1), \
                ARRAY(SELECT ",
        incident_json!("ALL"),
        " FROM incidents i ORDER BY i.updated_at DESC, i.id DESC LIMIT $1), \
                ARRAY(SELECT ",
        maintenance_json!("ALL"),
        " FROM maintenances m ORDER BY m.updated_at DESC, m.id DESC LIMIT $1)"
    );
    let row = database
        .first_row(sql, &[(&ENTRIES, Type::INT8)])
        .await?
        .ok_or_else(|| BoardError::Unexpected("the feed's statement answered no row".into()))?;
    let installation: String = row.try_get(0)?;
    let incidents: Vec<String> = row.try_get(1)?;
    let maintenances: Vec<String> = row.try_get(2)?;
    Ok(Feed {
        installation,
        incidents: incidents
            .iter()
            .map(|text| from_json(text))
            .collect::<Result<_, _>>()?,
        maintenances: maintenances
            .iter()
            .map(|text| from_json(text))
            .collect::<Result<_, _>>()?,
    })
}

/// One entry, before it is written.
struct Entry {
    key: String,
    title: String,
    link: String,
    published: DateTime<Utc>,
    updated: DateTime<Utc>,
    category: &'static str,
    content: String,
}

impl Feed {
    /// The feed's XML.
    pub fn render(&self) -> String {
        let mut entries: Vec<Entry> = self
            .incidents
            .iter()
            .map(incident_entry)
            .chain(self.maintenances.iter().map(maintenance_entry))
            .collect();
        entries.sort_by(|a, b| b.updated.cmp(&a.updated).then_with(|| b.key.cmp(&a.key)));
        entries.truncate(ENTRIES as usize);
        let updated = entries
            .first()
            .map_or(DateTime::UNIX_EPOCH, |entry| entry.updated);
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
             <id>urn:uuid:{}</id>\n\
             <title>Incidents and maintenance</title>\n\
             <subtitle>What happened to the service and what is planned, newest first.\
             </subtitle>\n\
             <updated>{}</updated>\n\
             <link rel=\"self\" type=\"application/atom+xml\" href=\"incidents.atom\"/>\n\
             <author><name>Status board</name></author>\n\
             <generator>statusboard</generator>\n",
            xml_escape(&self.installation),
            time(updated),
        );
        for entry in &entries {
            let _ = write!(
                xml,
                "<entry>\n<id>urn:uuid:{}</id>\n<title>{}</title>\n\
                 <link rel=\"alternate\" type=\"application/json\" href=\"{}\"/>\n\
                 <published>{}</published>\n<updated>{}</updated>\n\
                 <category term=\"{}\"/>\n<content type=\"text\">{}</content>\n</entry>\n",
                entry_id(&self.installation, &entry.key),
                xml_escape(&entry.title),
                entry.link,
                time(entry.published),
                time(entry.updated),
                entry.category,
                xml_escape(&entry.content),
            );
        }
        xml.push_str("</feed>\n");
        xml
    }
}

fn incident_entry(incident: &Incident) -> Entry {
    let components: Vec<String> = incident
        .components
        .iter()
        .map(|c| format!("{} ({})", c.slug, words(c.status.as_str())))
        .collect();
    let mut content = format!("Impact: {}.", incident.impact.as_str());
    if !components.is_empty() {
        let _ = write!(content, " Components: {}.", components.join(", "));
    }
    let updates = incident.updates.iter();
    timeline(
        &mut content,
        updates.map(|u| (u.created_at, u.status.as_str(), &*u.message)),
    );
    Entry {
        key: format!("incident/{}", incident.id),
        title: format!("{} ({})", incident.name, words(incident.status.as_str())),
        link: format!("incidents/{}", incident.id),
        published: incident.created_at,
        updated: incident.updated_at,
        category: "incident",
        content,
    }
}

fn maintenance_entry(maintenance: &Maintenance) -> Entry {
    let mut content = format!(
        "Scheduled from {} to {}.",
        clock(maintenance.scheduled_for),
        clock(maintenance.scheduled_until)
    );
    if !maintenance.components.is_empty() {
        let _ = write!(
            content,
            " Components: {}.",
            maintenance.components.join(", ")
        );
    }
    if !maintenance.message.is_empty() {
        let _ = write!(content, "\n\n{}", maintenance.message);
    }
    let updates = maintenance.updates.iter();
    timeline(
        &mut content,
        updates.map(|u| (u.created_at, u.status.as_str(), &*u.message)),
    );
    Entry {
        key: format!("maintenance/{}", maintenance.id),
        title: format!(
            "Maintenance: {} ({})",
            maintenance.name,
            words(maintenance.status.as_str())
        ),
        link: format!("maintenances/{}", maintenance.id),
        published: maintenance.created_at,
        updated: maintenance.updated_at,
        category: "maintenance",
        content,
    }
}

/// Adds each update (its time, status and message), newest first as given, to `content`.
fn timeline<'a>(
    content: &mut String,
    updates: impl Iterator<Item = (DateTime<Utc>, &'a str, &'a str)>,
) {
    for (at, status, message) in updates {
        let _ = write!(
            content,
            "\n\n{}: {}. {message}",
            clock(at),
            sentence(status)
        );
    }
}

/// A UUID (version 8, RFC 9562) for the entry `key` of `installation`: the first 16 bytes
/// of their SHA-256, with the version and variant bits set.
fn entry_id(installation: &str, key: &str) -> String {
    let digest = digest::digest(&digest::SHA256, format!("{installation}/{key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest.as_ref()[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// An Atom date (RFC 3339, UTC).
fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A time as people read it in the content.
fn clock(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A status's name in words: `in_progress` → `in progress`.
fn words(name: &str) -> String {
    name.replace('_', " ")
}

/// A status's name as the start of a sentence: `in_progress` → `In progress`.
fn sentence(name: &str) -> String {
    let words = words(name);
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_are_uuids_that_differ_by_installation_and_entry() {
        let id = entry_id("a", "incident/1");
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "8", "version 8: {id}");
        assert!(
            matches!(&id[19..20], "8" | "9" | "a" | "b"),
            "variant: {id}"
        );
        assert_eq!(id, entry_id("a", "incident/1"));
        assert_ne!(id, entry_id("b", "incident/1"));
        assert_ne!(id, entry_id("a", "maintenance/1"));
    }

    #[test]
    fn an_empty_board_has_a_valid_empty_feed() {
        let feed = Feed {
            installation: "00000000-0000-4000-8000-000000000000".to_owned(),
            incidents: Vec::new(),
            maintenances: Vec::new(),
        };
        let xml = feed.render();
        assert!(xml.contains("<updated>1970-01-01T00:00:00Z</updated>"));
        assert!(!xml.contains("<entry>"));
    }
}
