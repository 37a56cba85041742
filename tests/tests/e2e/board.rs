//! The status board's storage on a real PostgreSQL: components, reports, a component's
//! status, pages, and reports recorded at most once per `Idempotency-Key`.

use std::collections::BTreeSet;

use statusboard_api::{ComponentStatus, ComponentUpdate, NewStatusReport, Slug};

use crate::slug;
use statusboard_server::bearer_auth::Actor;
use statusboard_server::board::{BoardError, components, reports};
use statusboard_server::database::Database;
use statusboard_tests::app::TestApp;

fn update(name: &str) -> ComponentUpdate {
    ComponentUpdate {
        name: name.to_owned(),
        description: "The primary PostgreSQL cluster.".to_owned(),
        group: None,
    }
}

fn report(status: ComponentStatus, message: &str) -> NewStatusReport {
    NewStatusReport {
        status,
        message: message.to_owned(),
    }
}

async fn board() -> (TestApp, Database) {
    let app = TestApp::spawn_with_database().await;
    let database = app.server().context().database.clone();
    (app, database)
}

#[tokio::test]
async fn a_component_is_created_then_updated_and_operational_until_a_report() {
    let (_app, db) = board().await;
    let (created, was_new) = components::put(
        &db,
        &slug("db"),
        &update("Database"),
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    assert!(was_new);
    assert_eq!(created.status, ComponentStatus::Operational);
    let (updated, was_new) = components::put(
        &db,
        &slug("db"),
        &update("Main database"),
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    assert!(!was_new);
    assert_eq!(updated.name, "Main database");
    assert!(updated.updated_at > created.updated_at);

    let recorded = reports::record(
        &db,
        &slug("db"),
        &report(ComponentStatus::MajorOutage, "down"),
        &Actor::internal("ops"),
        None,
    )
    .await
    .unwrap();
    let component = components::get(&db, &slug("db")).await.unwrap();
    assert_eq!(component.status, ComponentStatus::MajorOutage);
    assert_eq!(component.updated_at, recorded.reported_at);
    assert_eq!(recorded.reported_by, "ops");
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_written() {
    let (_app, db) = board().await;
    assert!(Slug::parse("Bad_Slug").is_err());
    let err = components::put(
        &db,
        &slug("db"),
        &update(""),
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, BoardError::Invalid(m) if m.starts_with("name")),
        "{err}"
    );
    assert!(components::list(&db, None, 10).await.unwrap().is_empty());

    components::put(
        &db,
        &slug("db"),
        &update("Database"),
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    let long = report(ComponentStatus::Operational, &"x".repeat(2001));
    let err = reports::record(&db, &slug("db"), &long, &Actor::internal("ops"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BoardError::Invalid(m) if m.starts_with("message")),
        "{err}"
    );
    assert!(
        reports::list(&db, &slug("db"), None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_unknown_component_is_not_found_everywhere() {
    let (_app, db) = board().await;
    let not_found = |r: Result<_, BoardError>| matches!(r, Err(BoardError::ComponentNotFound(s)) if s == "nope");
    assert!(not_found(
        components::get(&db, &slug("nope")).await.map(|_| ())
    ));
    assert!(not_found(
        components::delete(&db, &slug("nope"), &Actor::internal("ops")).await
    ));
    let down = report(ComponentStatus::MajorOutage, "");
    assert!(not_found(
        reports::record(&db, &slug("nope"), &down, &Actor::internal("ops"), None)
            .await
            .map(|_| ())
    ));
    assert!(not_found(
        reports::list(&db, &slug("nope"), None, None, 10)
            .await
            .map(|_| ())
    ));
}

#[tokio::test]
async fn deleting_a_component_deletes_its_reports() {
    let (_app, db) = board().await;
    components::put(
        &db,
        &slug("db"),
        &update("Database"),
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    let down = report(ComponentStatus::MajorOutage, "");
    reports::record(&db, &slug("db"), &down, &Actor::internal("ops"), Some("k1"))
        .await
        .unwrap();
    components::delete(&db, &slug("db"), &Actor::internal("ops"))
        .await
        .unwrap();
    assert!(matches!(
        reports::list(&db, &slug("db"), None, None, 10).await,
        Err(BoardError::ComponentNotFound(_))
    ));
    // Created again, it starts afresh: no reports, and the key is free again.
    components::put(
        &db,
        &slug("db"),
        &update("Database"),
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    assert!(
        reports::list(&db, &slug("db"), None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = report(ComponentStatus::Operational, "back");
    reports::record(
        &db,
        &slug("db"),
        &again,
        &Actor::internal("ops"),
        Some("k1"),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn components_page_by_slug() {
    let (_app, db) = board().await;
    for name in ["c", "a", "e", "b", "d"] {
        components::put(
            &db,
            &slug(name),
            &update(name),
            statusboard_server::board::components::Group::Replace,
            &Actor::internal("ops"),
        )
        .await
        .unwrap();
    }
    let first: Vec<String> = components::list(&db, None, 2)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.slug)
        .collect();
    assert_eq!(first, ["a", "b"]);
    let next: Vec<String> = components::list(&db, Some("b"), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.slug)
        .collect();
    assert_eq!(next, ["c", "d", "e"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_reports_are_all_kept_and_the_latest_is_the_status() {
    let (_app, db) = board().await;
    components::put(
        &db,
        &slug("api"),
        &update("API"),
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let status = ComponentStatus::ALL[i % ComponentStatus::ALL.len()];
                reports::record(
                    &db,
                    &slug("api"),
                    &report(status, &format!("report {i}")),
                    &Actor::internal("ops"),
                    None,
                )
                .await
                .unwrap()
            })
        })
        .collect();
    let mut recorded = Vec::new();
    for task in tasks {
        recorded.push(task.await.unwrap());
    }
    let listed = reports::list(&db, &slug("api"), None, None, 100)
        .await
        .unwrap();
    assert_eq!(listed.len(), 50);
    let messages: BTreeSet<&str> = listed.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(messages.len(), 50, "each report once");
    let latest = recorded
        .iter()
        .max_by_key(|r| (r.reported_at, r.id))
        .unwrap();
    assert_eq!(listed[0], *latest, "newest first");
    assert_eq!(
        components::get(&db, &slug("api")).await.unwrap().status,
        latest.status
    );
}

#[tokio::test]
async fn a_thousand_reports_page_newest_first_each_exactly_once() {
    let (_app, db) = board().await;
    components::put(
        &db,
        &slug("api"),
        &update("API"),
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    let mut ids = Vec::new();
    for i in 0..1000 {
        let status = ComponentStatus::ALL[i % 2];
        let r = reports::record(
            &db,
            &slug("api"),
            &report(status, ""),
            &Actor::internal("ops"),
            None,
        )
        .await
        .unwrap();
        ids.push(r.id);
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = reports::list(&db, &slug("api"), None, after, 100)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.reported_at, last.id));
        seen.extend(page.iter().map(|r| r.id));
        assert!(seen.len() <= 1000, "paging never ends");
    }
    ids.reverse();
    assert_eq!(seen, ids);

    // `since` keeps the newest only.
    let all = reports::list(&db, &slug("api"), None, None, 1000)
        .await
        .unwrap();
    let since = all[9].reported_at;
    let recent = reports::list(&db, &slug("api"), Some(since), None, 1000)
        .await
        .unwrap();
    assert!(recent.len() >= 10 && recent.iter().all(|r| r.reported_at >= since));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_idempotency_key_sent_twice_at_once_records_one_report() {
    let (_app, db) = board().await;
    components::put(
        &db,
        &slug("api"),
        &update("API"),
        statusboard_server::board::components::Group::Replace,
        &Actor::internal("ops"),
    )
    .await
    .unwrap();
    let down = report(ComponentStatus::MajorOutage, "down");
    let checkout = Actor::internal("checkout");
    let api = slug("api");
    let (a, b) = tokio::join!(
        reports::record(&db, &api, &down, &checkout, Some("retry-1")),
        reports::record(&db, &api, &down, &checkout, Some("retry-1")),
    );
    assert_eq!(a.unwrap(), b.unwrap(), "the same report answers both");
    assert_eq!(
        reports::list(&db, &slug("api"), None, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // Another body with the key: refused; another subject's key is its own.
    let other = report(ComponentStatus::Operational, "up");
    let reused = reports::record(
        &db,
        &slug("api"),
        &other,
        &Actor::internal("checkout"),
        Some("retry-1"),
    )
    .await;
    assert!(
        matches!(reused, Err(BoardError::IdempotencyKeyReused(_))),
        "{reused:?}"
    );
    reports::record(
        &db,
        &slug("api"),
        &other,
        &Actor::internal("billing"),
        Some("retry-1"),
    )
    .await
    .unwrap();
    assert_eq!(
        reports::list(&db, &slug("api"), None, None, 10)
            .await
            .unwrap()
            .len(),
        2
    );
}
