//! Webhooks, delivered by the replicas' workers to a receiver that checks every signature:
//! every change to every subscription, in order, once with no replica lost; a failing
//! receiver gets the change once it recovers; a hanging one delays no other subscription;
//! private addresses refused by default, at subscription and at delivery.

use std::time::Duration;

use statusboard_api::{ComponentStatus, NewStatusReport};
use statusboard_server::bearer_auth::Actor;
use statusboard_server::board::reports;
use statusboard_server::webhooks::signature::Secret;
use statusboard_server::webhooks::subscriptions::{self, NewSubscription, SubscriptionError};
use statusboard_tests::app::TestApp;
use statusboard_tests::receiver::{Answer, Delivery, Receiver};

use crate::slug;

/// A subscription to every change, delivered to `url`.
async fn subscribe(app: &TestApp, url: String) -> (i64, Secret) {
    let new = NewSubscription {
        url,
        description: String::new(),
        kinds: vec![],
        components: vec![],
    };
    let database = &app.server().context().database;
    let (subscription, secret) = subscriptions::create(database, &new, "ops", true)
        .await
        .unwrap();
    (subscription.id, secret)
}

/// Records `n` reports on the component `db` (which it creates).
async fn reports_on_db(app: &TestApp, n: usize) -> Vec<i64> {
    let database = &app.server().context().database;
    app.execute_sql(
        "INSERT INTO components (slug, name) VALUES ('db', 'Database') ON CONFLICT DO NOTHING",
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..n {
        let report = NewStatusReport {
            status: ComponentStatus::Operational,
            message: format!("report {i}"),
        };
        let recorded = reports::record(
            database,
            &slug("db"),
            &report,
            &Actor::internal("ops"),
            None,
        )
        .await
        .unwrap();
        ids.push(recorded.id);
    }
    ids
}

/// The change ids `deliveries` carry, checking each one's signature with `secret`.
fn changes(deliveries: &[Delivery], secret: &Secret) -> Vec<i64> {
    deliveries
        .iter()
        .map(|d| {
            let timestamp: i64 = d.timestamp.parse().unwrap();
            let expected = secret.sign(&d.id, timestamp, &d.body);
            assert!(
                d.signature.split(' ').any(|s| s == expected),
                "a bad signature on {}: {}",
                d.id,
                d.signature
            );
            let body: serde_json::Value = serde_json::from_slice(&d.body).unwrap();
            let change = body["change"].as_i64().unwrap();
            assert!(
                d.id.ends_with(&format!("_{change}")),
                "{} for change {change}",
                d.id
            );
            change
        })
        .collect()
}

/// Waits (at most `seconds`) until `done` holds of what `receiver` received.
async fn until(receiver: &Receiver, seconds: u64, done: impl Fn(&[Delivery]) -> bool) {
    let waited = tokio::time::timeout(Duration::from_secs(seconds), async {
        while !done(&receiver.received()) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "not delivered within {seconds} s: {} received",
        receiver.received().len()
    );
}

#[tokio::test]
async fn three_replicas_deliver_every_change_to_every_subscription_in_order_once() {
    let first = TestApp::spawn_with_database().await;
    let _second = TestApp::spawn_ready(first.settings.clone()).await;
    let _third = TestApp::spawn_ready(first.settings.clone()).await;
    let receiver = Receiver::start().await;
    let mut subscribed = Vec::new();
    for i in 0..5 {
        let path = format!("/s{i}");
        subscribed.push((path.clone(), subscribe(&first, receiver.url(&path)).await));
    }
    // Only the changes about another component: none of these.
    let filtered = NewSubscription {
        url: receiver.url("/api-only"),
        description: "api".to_owned(),
        kinds: vec![],
        components: vec!["api".to_owned()],
    };
    subscriptions::create(&first.server().context().database, &filtered, "ops", true)
        .await
        .unwrap();

    let reports = reports_on_db(&first, 1000).await;
    assert_eq!(reports.len(), 1000);
    until(&receiver, 60, |received| received.len() >= 5 * 1000).await;
    // A little longer, to see any duplicate.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = receiver.received();
    for (path, (_, secret)) in &subscribed {
        let mine: Vec<Delivery> = received
            .iter()
            .filter(|d| &d.path == path)
            .cloned()
            .collect();
        let changes = changes(&mine, secret);
        assert_eq!(changes.len(), 1000, "{path}: every change once");
        assert!(changes.windows(2).all(|w| w[0] < w[1]), "{path}: in order");
    }
    assert!(
        received.iter().all(|d| d.path != "/api-only"),
        "the filtered subscription got none of the db's reports"
    );
}

#[tokio::test]
async fn a_failing_receiver_gets_the_change_once_it_recovers_and_a_hanging_one_delays_no_other() {
    let app = TestApp::spawn_with_database().await;
    let receiver = Receiver::start().await;
    receiver.answer("/flaky", Answer::FailTimes(2));
    receiver.answer("/hang", Answer::Hang);
    let (_, flaky) = subscribe(&app, receiver.url("/flaky")).await;
    subscribe(&app, receiver.url("/hang")).await;
    let (_, fast) = subscribe(&app, receiver.url("/fast")).await;

    reports_on_db(&app, 3).await;
    // The fast one gets all three while the hanging one still waits for its first answer.
    until(&receiver, 5, |r| {
        r.iter().filter(|d| d.path == "/fast").count() == 3
    })
    .await;
    let fast_changes: Vec<Delivery> = receiver
        .received()
        .into_iter()
        .filter(|d| d.path == "/fast")
        .collect();
    assert_eq!(changes(&fast_changes, &fast).len(), 3);
    assert_eq!(
        receiver
            .received()
            .iter()
            .filter(|d| d.path == "/hang")
            .count(),
        1,
        "the hanging receiver holds its first change"
    );
    // The flaky one: two 500s (retried after about 1 s, then 5 s), then the three.
    until(&receiver, 20, |r| {
        r.iter().filter(|d| d.path == "/flaky").count() == 5
    })
    .await;
    let flaky_deliveries: Vec<Delivery> = receiver
        .received()
        .into_iter()
        .filter(|d| d.path == "/flaky")
        .collect();
    let changes = changes(&flaky_deliveries, &flaky);
    assert_eq!(changes[0], changes[1], "the first change, retried");
    assert_eq!(changes[1], changes[2], "the first change, retried again");
    assert!(changes[2..].windows(2).all(|w| w[0] < w[1]), "{changes:?}");
    let attempts: i64 = app
        .server()
        .context()
        .database
        .connection()
        .await
        .unwrap()
        .client()
        .query_typed(
            "SELECT count(*) FROM webhook_attempts WHERE status = 500",
            &[],
        )
        .await
        .unwrap()[0]
        .get(0);
    assert_eq!(attempts, 2, "each failed attempt is recorded");
}

#[tokio::test]
async fn private_addresses_are_refused_by_default_at_subscription_and_at_delivery() {
    let mut settings = TestApp::settings(statusboard_tests::database::fresh_database().await);
    settings.webhook_allow_private_networks = false;
    let app = TestApp::spawn_ready(settings).await;
    let database = &app.server().context().database;
    for (url, says) in [
        ("http://127.0.0.1:9/hook", "must be https"),
        ("https://127.0.0.1:9/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://localhost/hook", "resolves only to addresses"),
    ] {
        let new = NewSubscription {
            url: url.to_owned(),
            description: String::new(),
            kinds: vec![],
            components: vec![],
        };
        match subscriptions::create(database, &new, "ops", false).await {
            Err(SubscriptionError::Refused(refused)) => {
                assert!(refused.to_string().contains(says), "{url}: {refused}");
            }
            other => panic!("{url}: {other:?}"),
        }
    }

    // A name that resolved elsewhere when subscribed: refused when delivering.
    let receiver = Receiver::start().await;
    let url = receiver.url("/rebound").replace("127.0.0.1", "localhost");
    app.execute_sql(&format!(
        "INSERT INTO webhook_subscriptions (url, secret, created_by, after_change) \
         VALUES ('{url}', '{}', 'ops', 0)",
        Secret::generate().expose()
    ))
    .await;
    reports_on_db(&app, 1).await;
    let refused = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let rows = database
                .connection()
                .await
                .unwrap()
                .client()
                .query_typed(
                    "SELECT error FROM webhook_attempts WHERE error IS NOT NULL",
                    &[],
                )
                .await
                .unwrap();
            if let Some(row) = rows.first() {
                return row.get::<_, String>(0);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("a refused attempt within 10 s");
    assert!(refused.contains("resolves only to addresses"), "{refused}");
    assert!(receiver.received().is_empty());
}
