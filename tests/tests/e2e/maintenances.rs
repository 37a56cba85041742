//! Scheduled maintenance through the generated client: started and completed by whichever
//! of three replicas gets there first, each transition once in the change log, the
//! components under maintenance and back, subscribers told; updates, early ends, lists,
//! bad input.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use statusboard_client::Client;
use statusboard_client::types::{
    ComponentStatus, MaintenanceState, MaintenanceStatus, NewMaintenance, NewMaintenanceUpdate,
};
use statusboard_tests::app::TestApp;

use crate::board_api::{failure, report};
use crate::incidents::board;
use crate::live::{connect_as, next_as};

pub(crate) fn maintenance(
    name: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> NewMaintenance {
    NewMaintenance {
        name: name.parse().unwrap(),
        message: "Upgrading PostgreSQL.".parse().unwrap(),
        scheduled_for: from,
        scheduled_until: until,
        components: vec!["db".to_owned()],
    }
}

/// Waits (at most 15 s) until the maintenance `id` is `status`.
async fn until_status(client: &Client, id: i64, status: MaintenanceStatus) {
    let becoming = async {
        while client.get_maintenance().id(id).send().await.unwrap().status != status {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(15), becoming)
        .await
        .unwrap_or_else(|_| panic!("maintenance {id} did not become {status} in 15 s"));
}

/// How many changes of the log are the maintenance `id` becoming `status`.
async fn transitions(app: &TestApp, id: i64, status: &str) -> i64 {
    let database = &app.server().context().database;
    let connection = database.connection().await.unwrap();
    connection
        .client()
        .query_typed(
            "SELECT count(*) FROM changes WHERE kind = 'maintenance' \
             AND (data->>'id')::int8 = $1 AND data->>'status' = $2",
            &[
                (&id, tokio_postgres::types::Type::INT8),
                (&status, tokio_postgres::types::Type::TEXT),
            ],
        )
        .await
        .unwrap()[0]
        .get(0)
}

#[tokio::test]
async fn three_replicas_start_and_complete_a_maintenance_once_each() {
    let (first, admin) = board().await;
    let second = TestApp::spawn_ready(first.settings.clone()).await;
    let third = TestApp::spawn_ready(first.settings.clone()).await;
    // Before: the database is slow (what it returns to).
    admin
        .create_report()
        .slug("db")
        .body(report(ComponentStatus::DegradedPerformance, "slow"))
        .send()
        .await
        .unwrap();
    let mut latest = connect_as(&third, None, "", None).await.unwrap();
    let mut older = connect_as(&second, Some("5.0.0"), "", None).await.unwrap();
    for socket in [&mut latest, &mut older] {
        let board: serde_json::Value = next_as(socket).await;
        assert_eq!(board["type"], "board");
        // The window's report (the slow database), then the live ones.
        let window: serde_json::Value = next_as(socket).await;
        assert_eq!(window["status"], "degraded_performance");
        let caught_up: serde_json::Value = next_as(socket).await;
        assert_eq!(caught_up["type"], "caught_up");
    }

    let now = Utc::now();
    let (from, until) = (
        now + chrono::Duration::seconds(2),
        now + chrono::Duration::seconds(4),
    );
    let announced = admin
        .create_maintenance()
        .body(maintenance("Upgrade", from, until))
        .send()
        .await
        .unwrap();
    assert_eq!(announced.status, MaintenanceStatus::Scheduled);
    until_status(&admin, announced.id, MaintenanceStatus::InProgress).await;
    assert_eq!(
        admin
            .get_component()
            .slug("db")
            .send()
            .await
            .unwrap()
            .status,
        ComponentStatus::UnderMaintenance
    );
    until_status(&admin, announced.id, MaintenanceStatus::Completed).await;
    assert_eq!(
        admin
            .get_component()
            .slug("db")
            .send()
            .await
            .unwrap()
            .status,
        ComponentStatus::DegradedPerformance
    );
    for status in ["in_progress", "completed"] {
        assert_eq!(
            transitions(&first, announced.id, status).await,
            1,
            "{status}"
        );
    }
    let done = admin
        .get_maintenance()
        .id(announced.id)
        .send()
        .await
        .unwrap();
    let by: Vec<(MaintenanceStatus, &str)> = done
        .updates
        .iter()
        .map(|u| (u.status, u.created_by.as_str()))
        .collect();
    assert_eq!(
        by,
        [
            (MaintenanceStatus::Completed, "scheduler"),
            (MaintenanceStatus::InProgress, "scheduler"),
            (MaintenanceStatus::Scheduled, "ops"),
        ]
    );
    // Each transition within a few seconds of its time.
    for (update, due) in done.updates.iter().zip([until, from]) {
        let late = update.created_at - due;
        assert!(
            late >= chrono::Duration::zero() && late < chrono::Duration::seconds(4),
            "{update:?} due {due}"
        );
    }

    // Subscribers saw it all, in order: 6.0.0 the maintenance and the reports; 5.0.0,
    // which has no maintenance messages, the reports.
    let mut seen = Vec::new();
    for _ in 0..5 {
        let message: serde_json::Value = next_as(&mut latest).await;
        seen.push(format!(
            "{} {}",
            message["type"].as_str().unwrap(),
            message["status"].as_str().unwrap()
        ));
    }
    assert_eq!(
        seen,
        [
            "maintenance scheduled",
            "report under_maintenance",
            "maintenance in_progress",
            "report degraded_performance",
            "maintenance completed",
        ]
    );
    for status in ["under_maintenance", "degraded_performance"] {
        let message: serde_json::Value = next_as(&mut older).await;
        assert_eq!(
            (message["type"].as_str(), message["status"].as_str()),
            (Some("report"), Some(status))
        );
    }
}

#[tokio::test]
async fn a_maintenance_is_cancelled_or_ended_early_and_refuses_other_changes() {
    let (_app, admin) = board().await;
    let now = Utc::now();
    let hour = chrono::Duration::hours(1);
    let later = admin
        .create_maintenance()
        .body(maintenance("Later", now + hour, now + hour * 2))
        .send()
        .await
        .unwrap();
    let post = |status: Option<MaintenanceStatus>, message: &str| NewMaintenanceUpdate {
        status,
        message: message.parse().unwrap(),
    };
    let early = failure(
        admin
            .create_maintenance_update()
            .id(later.id)
            .body(post(Some(MaintenanceStatus::Completed), ""))
            .send()
            .await,
    );
    assert_eq!(early, (409, "TransitionNotAllowed".to_owned()));
    let noted = admin
        .create_maintenance_update()
        .id(later.id)
        .body(post(None, "Moved to the evening."))
        .send()
        .await
        .unwrap();
    assert_eq!(noted.status, MaintenanceStatus::Scheduled);
    assert_eq!(noted.updates[0].message, "Moved to the evening.");
    let cancelled = admin
        .create_maintenance_update()
        .id(later.id)
        .body(post(Some(MaintenanceStatus::Cancelled), "Off."))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status, MaintenanceStatus::Cancelled);
    let revived = failure(
        admin
            .create_maintenance_update()
            .id(later.id)
            .body(post(Some(MaintenanceStatus::Completed), ""))
            .send()
            .await,
    );
    assert_eq!(revived, (409, "TransitionNotAllowed".to_owned()));

    // Already due: the scheduler starts it at once; completed early, the component returns.
    let now_on = admin
        .create_maintenance()
        .body(maintenance("Now", now - hour, now + hour))
        .send()
        .await
        .unwrap();
    until_status(&admin, now_on.id, MaintenanceStatus::InProgress).await;
    assert_eq!(
        admin.get_summary().send().await.unwrap().status.indicator,
        statusboard_client::types::Indicator::Maintenance
    );
    let ended = admin
        .create_maintenance_update()
        .id(now_on.id)
        .body(post(Some(MaintenanceStatus::Completed), "Done early."))
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status, MaintenanceStatus::Completed);
    assert_eq!(
        admin
            .get_component()
            .slug("db")
            .send()
            .await
            .unwrap()
            .status,
        ComponentStatus::Operational
    );
}

#[tokio::test]
async fn maintenances_are_listed_by_state_a_page_at_a_time() {
    let (_app, admin) = board().await;
    let now = Utc::now();
    let hour = chrono::Duration::hours(1);
    for i in [3, 1, 2] {
        let from = now + hour * i;
        admin
            .create_maintenance()
            .body(maintenance(&format!("in {i} h"), from, from + hour))
            .send()
            .await
            .unwrap();
    }
    let first = admin
        .list_maintenances()
        .limit(2_u32)
        .state(MaintenanceState::Upcoming)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = first.items.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["in 1 h", "in 2 h"]);
    let all: Vec<_> = admin
        .list_maintenances()
        .limit(1_u32)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let names: Vec<&str> = all.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["in 3 h", "in 2 h", "in 1 h"]);
    let active = admin
        .list_maintenances()
        .state(MaintenanceState::Active)
        .send()
        .await
        .unwrap();
    assert!(active.items.is_empty());
    let summary = admin.get_summary().send().await.unwrap();
    let names: Vec<&str> = summary
        .maintenances
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["in 1 h", "in 2 h", "in 3 h"]);
}

#[tokio::test]
async fn bad_maintenances_are_refused_naming_the_field() {
    let (app, admin) = board().await;
    let before = crate::incidents::last_change(&app).await;
    let now = Utc::now();
    let hour = chrono::Duration::hours(1);
    let cases = [
        (
            maintenance("Backwards", now + hour, now),
            "scheduled_until",
            400,
        ),
        (
            maintenance("Past", now - hour * 2, now - hour),
            "in the past",
            400,
        ),
        (
            NewMaintenance {
                components: vec!["nope".to_owned()],
                ..maintenance("Unknown", now + hour, now + hour * 2)
            },
            "nope",
            404,
        ),
    ];
    for (body, named, status) in cases {
        match admin
            .create_maintenance()
            .body(body.clone())
            .send()
            .await
            .unwrap_err()
        {
            statusboard_client::Error::ErrorResponse(answer) => {
                assert_eq!(answer.status().as_u16(), status, "{body:?}");
                assert!(answer.message.contains(named), "{}", answer.message);
            }
            other => panic!("{other:?}"),
        }
    }
    let missing = failure(admin.get_maintenance().id(999).send().await);
    assert_eq!(missing, (404, "MaintenanceNotFound".to_owned()));
    let http = reqwest::Client::new();
    let token =
        crate::board_api::pair(&app, "ops", &[statusboard_api::Scope::IncidentsWrite]).await;
    let answer = http
        .post(app.url("/api/v1/maintenances/1/updates"))
        .header("authorization", format!("Bearer {}", token.access_token))
        .json(&serde_json::json!({"status": "in_progress"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let answer: serde_json::Value = answer.json().await.unwrap();
    assert!(
        answer["message"].as_str().unwrap().starts_with("status"),
        "{answer}"
    );
    assert_eq!(crate::incidents::last_change(&app).await, before);
}
