//! Uptime's daily rollups against a brute-force count from the raw reports: random
//! histories (midnight crossings, components created mid-day, maintenance windows, history
//! written out of order) and two replicas recording at once, equal to the microsecond.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use statusboard_api::{ComponentStatus, NewStatusReport};
use statusboard_server::bearer_auth::Actor;
use statusboard_server::board::{reports, uptime};
use statusboard_tests::app::TestApp;

use crate::slug;

const STATUSES: [&str; 5] = [
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
];

/// A small deterministic generator (xorshift64*), so that a failure repeats.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Microseconds per (day, status): the component is `operational` from `created` until
/// its first report, then each report's status until the next, until `now`.
fn brute_force(
    created: DateTime<Utc>,
    reports: &[(DateTime<Utc>, String)],
    now: DateTime<Utc>,
) -> BTreeMap<(NaiveDate, String), i64> {
    let mut timeline = vec![(created, "operational".to_owned())];
    timeline.extend(reports.iter().cloned());
    let mut counted = BTreeMap::new();
    for (i, (from, status)) in timeline.iter().enumerate() {
        let to = timeline.get(i + 1).map_or(now, |(at, _)| *at);
        let mut at = *from;
        while at < to {
            let midnight = (at.date_naive() + Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc();
            let end = to.min(midnight);
            *counted
                .entry((at.date_naive(), status.clone()))
                .or_insert(0) += (end - at).num_microseconds().unwrap();
            at = end;
        }
    }
    counted.retain(|_, micros| *micros != 0);
    counted
}

/// What the server reads, as the same map.
async fn read(
    app: &TestApp,
    component: &str,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> BTreeMap<(NaiveDate, String), i64> {
    let database = &app.server().context().database;
    uptime::days(database, &slug(component), from, to, now)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|day| {
            day.micros
                .into_iter()
                .map(move |(status, micros)| ((day.day, status), micros))
        })
        .collect()
}

/// Folds every report into the rollups (waiting for a replica's roller that holds the
/// lock).
async fn fold_all(app: &TestApp) {
    let database = &app.server().context().database;
    let cursor = || async {
        let connection = database.connection().await.unwrap();
        let row = connection
            .client()
            .query_one(
                "SELECT (SELECT after_report FROM uptime_cursor), \
                        (SELECT COALESCE(max(id), 0) FROM status_reports)",
                &[],
            )
            .await
            .unwrap();
        (row.get::<_, i64>(0), row.get::<_, i64>(1))
    };
    for _ in 0..200 {
        let (at, last) = cursor().await;
        if at == last {
            return;
        }
        uptime::fold(database, 10_000).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the roller did not catch up: {:?}", cursor().await);
}

#[tokio::test]
async fn random_histories_are_counted_to_the_microsecond() {
    let app = TestApp::spawn_with_database().await;
    let base: DateTime<Utc> = "2026-11-01T00:00:00Z".parse().unwrap();
    let now = base + Duration::days(6) + Duration::hours(7);
    let (first, last) = (base.date_naive(), (base + Duration::days(8)).date_naive());
    let mut random = Random(0x5eed_cafe_f00d_1234);
    for case in 0..30 {
        let component = format!("c{case}");
        // Created at some microsecond of the first day.
        let created = base + Duration::microseconds(random.below(86_400_000_000) as i64);
        let mut times: Vec<DateTime<Utc>> = (0..random.below(40))
            .map(|_| {
                let span = (now - created).num_microseconds().unwrap() as u64;
                created + Duration::microseconds(1 + random.below(span - 1) as i64)
            })
            .collect();
        // Reports at midnight, and a microsecond either side of it.
        for day in 1..4 {
            let midnight = base + Duration::days(day);
            times.push(midnight + Duration::microseconds(random.below(3) as i64 - 1));
        }
        times.sort();
        times.dedup();
        let history: Vec<(DateTime<Utc>, String)> = times
            .iter()
            .map(|at| (*at, STATUSES[random.below(5) as usize].to_owned()))
            .collect();
        // A third of them written out of order (history recorded after the fact).
        let mut order: Vec<usize> = (0..history.len()).collect();
        if case % 3 == 0 {
            for i in (1..order.len()).rev() {
                order.swap(i, random.below(i as u64 + 1) as usize);
            }
        }
        app.execute_sql(&format!(
            "INSERT INTO components (slug, name, created_at) VALUES ('{component}', 'C', '{}')",
            created.to_rfc3339()
        ))
        .await;
        for i in order {
            let (at, status) = &history[i];
            app.execute_sql(&format!(
                "INSERT INTO status_reports (component, status, message, reported_by, reported_at) \
                 VALUES ('{component}', '{status}', '', 'test', '{}')",
                at.to_rfc3339()
            ))
            .await;
        }
        let expected = brute_force(created, &history, now);
        if case % 3 != 0 {
            // In time order, as the API records: exact before the roller folds them too.
            let unfolded = read(&app, &component, first, last, now).await;
            assert_eq!(
                unfolded, expected,
                "case {case}, before folding: {history:?}"
            );
        }
        fold_all(&app).await;
        let actual = read(&app, &component, first, last, now).await;
        assert_eq!(actual, expected, "case {case}: {history:?}");
    }
}

#[tokio::test]
async fn two_replicas_recording_at_once_never_lose_or_double_count_time() {
    let first = TestApp::spawn_with_database().await;
    let second = TestApp::spawn_ready(first.settings.clone()).await;
    first
        .execute_sql("INSERT INTO components (slug, name) VALUES ('db', 'Database')")
        .await;
    let record = |app: &TestApp, n: usize| {
        let database = app.server().context().database.clone();
        async move {
            for i in 0..n {
                let status = [
                    ComponentStatus::Operational,
                    ComponentStatus::MajorOutage,
                    ComponentStatus::PartialOutage,
                ][i % 3];
                let report = NewStatusReport {
                    status,
                    message: String::new(),
                };
                reports::record(
                    &database,
                    &slug("db"),
                    &report,
                    &Actor::internal("ops"),
                    None,
                )
                .await
                .unwrap();
            }
        }
    };
    tokio::join!(record(&first, 60), record(&second, 60), record(&first, 60));
    let now = Utc::now() + Duration::seconds(1);
    let connection = first
        .server()
        .context()
        .database
        .connection()
        .await
        .unwrap();
    let created: DateTime<Utc> = connection
        .client()
        .query_one("SELECT created_at FROM components WHERE slug = 'db'", &[])
        .await
        .unwrap()
        .get(0);
    let history: Vec<(DateTime<Utc>, String)> = connection
        .client()
        .query(
            "SELECT reported_at, status FROM status_reports WHERE component = 'db' \
             ORDER BY reported_at, id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(history.len(), 180);
    let day = now.date_naive();
    let expected = brute_force(created, &history, now);
    let before = read(&first, "db", day - Duration::days(1), day, now).await;
    assert_eq!(before, expected, "rollups and the reports after the cursor");
    fold_all(&first).await;
    let after = read(&first, "db", day - Duration::days(1), day, now).await;
    assert_eq!(after, expected, "everything folded");
}
