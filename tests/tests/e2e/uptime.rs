//! Uptime through the API against a brute-force count from the raw reports: random
//! histories (midnight crossings, components created mid-day, maintenance windows, history
//! written out of order) and two replicas recording at once, equal to the microsecond; the
//! rule's uptime per day and per range; ranges, pages and refusals.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use statusboard_api::{ComponentStatus, NewStatusReport, PARTIAL_OUTAGE_WEIGHT};
use statusboard_client::types;
use statusboard_server::bearer_auth::Actor;
use statusboard_server::board::reports;
use statusboard_server::board::uptime::{self, Range};
use statusboard_tests::app::TestApp;

use crate::board_api::{anonymous, failure, set_status};
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

/// An answer's days as the same map (microseconds, from the seconds it shows).
fn counted(answer: &statusboard_api::ComponentUptime) -> BTreeMap<(NaiveDate, String), i64> {
    let mut counted = BTreeMap::new();
    for day in &answer.days {
        let seconds = &day.seconds;
        for (status, seconds) in [
            ("operational", seconds.operational),
            ("degraded_performance", seconds.degraded_performance),
            ("partial_outage", seconds.partial_outage),
            ("major_outage", seconds.major_outage),
            ("under_maintenance", seconds.under_maintenance),
        ] {
            let micros = (seconds * 1e6).round() as i64;
            if micros != 0 {
                counted.insert((day.date, status.to_owned()), micros);
            }
        }
    }
    counted
}

/// The uptime the rule gives the statuses' microseconds `counted` (of one day or range).
fn rule<'a>(counted: impl Iterator<Item = (&'a String, &'a i64)>) -> Option<f64> {
    let (mut up, mut partial, mut major) = (0i64, 0i64, 0i64);
    for (status, micros) in counted {
        match status.as_str() {
            "operational" | "degraded_performance" => up += micros,
            "partial_outage" => partial += micros,
            "major_outage" => major += micros,
            _ => {}
        }
    }
    let all = up + partial + major;
    (all > 0).then(|| 1.0 - (major as f64 + PARTIAL_OUTAGE_WEIGHT * partial as f64) / all as f64)
}

/// What the server reads through its library, as of `now`.
async fn read(
    app: &TestApp,
    component: &str,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> BTreeMap<(NaiveDate, String), i64> {
    let database = &app.server().context().database;
    let range = Range::new(from, to).unwrap();
    let answer = uptime::component(database, &slug(component), range, now)
        .await
        .unwrap();
    counted(&answer)
}

/// What the API answers, as the generated client reads it, checked against the rule.
async fn read_api(
    client: &statusboard_client::Client,
    component: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<(NaiveDate, String), i64> {
    let answer = client
        .get_component_uptime()
        .slug(component)
        .from(from)
        .to(to)
        .send()
        .await
        .unwrap()
        .into_inner();
    let answer: statusboard_api::ComponentUptime =
        serde_json::from_value(serde_json::to_value(answer).unwrap()).unwrap();
    assert_eq!((answer.from, answer.to), (from, to));
    assert_eq!(
        answer.days.len() as i64,
        (to - from).num_days() + 1,
        "every day"
    );
    let counted = counted(&answer);
    for day in &answer.days {
        let of_day = counted.iter().filter(|((d, _), _)| *d == day.date);
        let expected = rule(of_day.map(|((_, status), micros)| (status, micros)));
        close(day.uptime, expected, &format!("{component} {}", day.date));
    }
    let mut total: BTreeMap<String, i64> = BTreeMap::new();
    for ((_, status), micros) in &counted {
        *total.entry(status.clone()).or_default() += micros;
    }
    close(answer.uptime, rule(total.iter()), component);
    counted
}

fn close(actual: Option<f64>, expected: Option<f64>, what: &str) {
    match (actual, expected) {
        (Some(a), Some(e)) => assert!((a - e).abs() < 1e-9, "{what}: uptime {a}, not {e}"),
        (a, e) => assert_eq!(a, e, "{what}: uptime"),
    }
}

/// Folds every report into the rollups (waiting for a replica's roller that holds the
/// lock).
async fn fold_all(app: &TestApp) {
    let database = &app.server().context().database;
    let cursor = || async {
        let connection = database.connection().await.unwrap();
        let row = connection
            .client()
            .query_typed(
                "SELECT (SELECT after_report FROM uptime_cursor), \
                        (SELECT COALESCE(max(id), 0) FROM status_reports)",
                &[],
            )
            .await
            .unwrap()
            .remove(0);
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
    let client = anonymous(&app);
    // Eight days that ended before today: the last day's time runs to its midnight, so
    // the history is whole whatever the clock says now.
    let today = Utc::now().date_naive();
    let base = (today - Duration::days(10))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let end = base + Duration::days(8);
    let (first, last) = (base.date_naive(), (end - Duration::days(1)).date_naive());
    let mut random = Random(0x5eed_cafe_f00d_1234);
    for case in 0..30 {
        let component = format!("c{case}");
        // Created at some microsecond of the first day.
        let created = base + Duration::microseconds(random.below(86_400_000_000) as i64);
        let mut times: Vec<DateTime<Utc>> = (0..random.below(40))
            .map(|_| {
                let span = (end - created).num_microseconds().unwrap() as u64;
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
        let expected = brute_force(created, &history, end);
        if case % 3 != 0 {
            // In time order, as the API records: exact whether or not the roller folded
            // them yet.
            let unfolded = read_api(&client, &component, first, last).await;
            assert_eq!(
                unfolded, expected,
                "case {case}, before folding: {history:?}"
            );
        }
        fold_all(&app).await;
        let actual = read_api(&client, &component, first, last).await;
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
        .query_typed("SELECT created_at FROM components WHERE slug = 'db'", &[])
        .await
        .unwrap()
        .remove(0)
        .get(0);
    let history: Vec<(DateTime<Utc>, String)> = connection
        .client()
        .query_typed(
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

#[tokio::test]
async fn ranges_default_to_the_last_90_days_and_refuse_what_they_cannot_answer() {
    let (app, admin) = crate::board_api::board().await;
    let client = anonymous(&app);
    let today = Utc::now().date_naive();
    let answer = client
        .get_component_uptime()
        .slug("db")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (answer.from, answer.to),
        (today - Duration::days(89), today)
    );
    assert_eq!(answer.days.len(), 90);
    // Created moments ago: the days before it count nothing and have no uptime.
    assert!(answer.days[..89].iter().all(|day| day.uptime.is_none()));
    assert!(answer.days[89].seconds.operational > 0.0);
    assert_eq!(answer.uptime, Some(1.0));

    // A major outage now: today's uptime falls, and 89 days before are still empty.
    set_status(&admin, "db", types::ComponentStatus::MajorOutage, "down").await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let answer = client
        .get_component_uptime()
        .slug("db")
        .from(today)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.days.len(), 1);
    assert!(answer.days[0].seconds.major_outage > 0.0);
    assert!(answer.uptime.unwrap() < 1.0);

    for (from, to) in [
        (today, today - Duration::days(1)),
        (today - Duration::days(366), today),
    ] {
        let refused = client
            .get_component_uptime()
            .slug("db")
            .from(from)
            .to(to)
            .send()
            .await;
        assert_eq!(
            failure(refused),
            (400, "InvalidInput".to_owned()),
            "{from}..{to}"
        );
    }
    let year = client
        .get_component_uptime()
        .slug("db")
        .from(today - Duration::days(365))
        .to(today)
        .send()
        .await
        .unwrap();
    assert_eq!(year.days.len(), 366);
    // Far in the future: days with nothing counted yet.
    let future = client
        .get_component_uptime()
        .slug("db")
        .from("9999-12-01".parse::<NaiveDate>().unwrap())
        .to("9999-12-31".parse::<NaiveDate>().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(future.days.len(), 31);
    assert!(future.uptime.is_none() && future.days.iter().all(|day| day.uptime.is_none()));
    let missing = client.get_component_uptime().slug("nope").send().await;
    assert_eq!(failure(missing), (404, "ComponentNotFound".to_owned()));
    let refused = client
        .list_uptime()
        .days(std::num::NonZeroU16::new(367).unwrap())
        .send()
        .await;
    assert_eq!(failure(refused), (400, "InvalidInput".to_owned()));
    // What the generated client cannot send: no days, and a date that is not one.
    for (path, code) in [
        ("/api/v1/uptime?days=0", "InvalidInput"),
        ("/api/v1/components/db/uptime.svg?days=0", "InvalidInput"),
        (
            "/api/v1/components/db/uptime?from=2026-02-30",
            "InvalidRequest",
        ),
    ] {
        let raw = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(raw.status(), 400, "{path}");
        let body: serde_json::Value = raw.json().await.unwrap();
        assert_eq!(body["error_code"], code, "{path}: {body}");
    }
}

#[tokio::test]
async fn every_component_is_listed_a_page_at_a_time_over_the_same_days() {
    let (app, admin) = crate::board_api::board().await;
    for slug in ["api", "cdn", "web"] {
        admin
            .put_component()
            .slug(slug)
            .body(crate::board_api::update(slug))
            .send()
            .await
            .unwrap();
    }
    let client = anonymous(&app);
    let first = client
        .list_uptime()
        .days(std::num::NonZeroU16::new(7).unwrap())
        .limit(std::num::NonZeroU32::new(3).unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    let slugs: Vec<&str> = first.items.iter().map(|u| u.component.as_str()).collect();
    assert_eq!(slugs, ["api", "cdn", "db"]);
    assert!(first.items.iter().all(|u| u.days.len() == 7));
    let next = client
        .list_uptime()
        .page_token(first.next_page.clone().unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    let slugs: Vec<&str> = next.items.iter().map(|u| u.component.as_str()).collect();
    assert_eq!(slugs, ["web"]);
    assert_eq!(
        (next.items[0].from, next.items[0].to),
        (first.items[0].from, first.items[0].to)
    );
    let forged = client.list_uptime().page_token("not-a-token").send().await;
    assert_eq!(failure(forged).0, 400);

    // Deleting a component deletes its rollups.
    set_status(&admin, "web", types::ComponentStatus::MajorOutage, "down").await;
    fold_all(&app).await;
    let rollups = |app: &TestApp| {
        let database = app.server().context().database.clone();
        async move {
            let connection = database.connection().await.unwrap();
            let row = connection
                .client()
                .query_typed(
                    "SELECT count(*) FROM uptime_days WHERE component = 'web'",
                    &[],
                )
                .await
                .unwrap()
                .remove(0);
            row.get::<_, i64>(0)
        }
    };
    assert!(rollups(&app).await > 0);
    admin.delete_component().slug("web").send().await.unwrap();
    assert_eq!(rollups(&app).await, 0);
}
