//! The Atom feed as a feed reader sees it: incidents and maintenances newest first, ids
//! that never change, `updated` moving with each update, links relative to the feed, and
//! a second fetch of an unchanged feed answered `304`. (`tests/tests/readers.rs` reads it
//! with a real feed parser.)

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use statusboard_client::types::{ComponentStatus, Impact};
use statusboard_tests::app::TestApp;

use crate::incidents::{board, incident, resolve};
use crate::maintenances::maintenance;

const FEED: &str = "/api/v1/incidents.atom";

/// The feed, its `ETag` and status, with `If-None-Match: etag` when given.
async fn fetch(app: &TestApp, etag: Option<&str>) -> (StatusCode, String, String) {
    let mut request = reqwest::Client::new().get(app.url(FEED));
    if let Some(etag) = etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    if status == StatusCode::OK {
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/atom+xml")
        );
    }
    let etag = response.headers()[ETAG].to_str().unwrap().to_owned();
    (status, etag, response.text().await.unwrap())
}

/// Each `<entry>`'s text, in order.
fn entries(xml: &str) -> Vec<&str> {
    xml.split("<entry>").skip(1).collect()
}

/// The text of the first `<tag>` in `xml`.
fn first<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>")).unwrap();
    &xml[start..end]
}

#[tokio::test]
async fn incidents_and_maintenances_are_entries_newest_first_with_ids_that_never_change() {
    let (app, admin) = board().await;
    let (status, empty_etag, xml) = fetch(&app, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
    assert!(entries(&xml).is_empty());
    let feed_id = first(&xml, "id").to_owned();
    assert!(feed_id.starts_with("urn:uuid:"), "{feed_id}");

    let outage = admin
        .create_incident()
        .body(incident(
            "Database <slow> & flaky",
            Impact::Major,
            &[("db", ComponentStatus::PartialOutage)],
        ))
        .send()
        .await
        .unwrap()
        .into_inner();
    let now = Utc::now();
    let upgrade = admin
        .create_maintenance()
        .body(maintenance(
            "Upgrade",
            now + Duration::hours(1),
            now + Duration::hours(2),
        ))
        .send()
        .await
        .unwrap()
        .into_inner();
    let (_, etag, xml) = fetch(&app, None).await;
    assert_ne!(etag, empty_etag);
    assert_eq!(first(&xml, "id"), feed_id, "the feed's id stays");
    let listed = entries(&xml);
    assert_eq!(listed.len(), 2);
    assert!(listed[0].contains(&format!("href=\"maintenances/{}\"", upgrade.id)));
    assert!(listed[0].contains("<category term=\"maintenance\"/>"));
    assert!(listed[1].contains(&format!("href=\"incidents/{}\"", outage.id)));
    assert!(listed[1].contains("Database &lt;slow&gt; &amp; flaky (investigating)"));
    assert!(listed[1].contains("We are looking into it."));
    let incident_id = first(listed[1], "id").to_owned();
    let incident_updated = first(listed[1], "updated").to_owned();

    // A reader's second fetch of the unchanged feed.
    let (status, again, body) = fetch(&app, Some(&etag)).await;
    assert_eq!(
        (status, again.as_str(), body.as_str()),
        (StatusCode::NOT_MODIFIED, etag.as_str(), "")
    );

    // Resolving the incident updates its entry, which moves to the top.
    admin
        .create_incident_update()
        .id(outage.id)
        .body(resolve())
        .send()
        .await
        .unwrap();
    let (status, _, xml) = fetch(&app, Some(&etag)).await;
    assert_eq!(status, StatusCode::OK);
    let listed = entries(&xml);
    assert_eq!(first(listed[0], "id"), incident_id, "the same entry");
    assert!(first(listed[0], "updated") > incident_updated.as_str());
    assert!(listed[0].contains("(resolved)"));
    assert!(listed[0].contains("Resolved. Fixed."));
    assert_eq!(first(&xml, "updated"), first(listed[0], "updated"));
}

#[tokio::test]
async fn the_feed_holds_the_50_updated_last() {
    let (app, admin) = board().await;
    let mut ids = Vec::new();
    for n in 0..52 {
        let opened = admin
            .create_incident()
            .body(incident(&format!("Incident {n}"), Impact::Minor, &[]))
            .send()
            .await
            .unwrap();
        ids.push(opened.id);
    }
    let (_, _, xml) = fetch(&app, None).await;
    let listed = entries(&xml);
    assert_eq!(listed.len(), 50);
    assert!(listed[0].contains(&format!("incidents/{}\"", ids[51])));
    assert!(listed[49].contains(&format!("incidents/{}\"", ids[2])));
}
