//! Webhooks through the generated client, delivered by the replicas' workers to a
//! receiver that checks every signature with the client's `verify`: every change to every
//! subscription, in order, once with no replica lost; a failing receiver gets the change
//! once it recovers; a hanging one delays no other subscription; private addresses
//! refused by default, at subscription and at delivery; the subscriptions' API (pages,
//! rotation with two signatures, attempts, retries, scopes).

use std::time::Duration;

use statusboard_api::{ComponentStatus, NewStatusReport, Scope};
use statusboard_client::reqwest::header::HeaderMap;
use statusboard_client::types::{NewWebhook, WebhookKind, WebhookState};
use statusboard_client::{Client, webhooks};
use statusboard_server::bearer_auth::Actor;
use statusboard_server::board::reports;
use statusboard_tests::app::TestApp;
use statusboard_tests::receiver::{Answer, Delivery, Receiver};

use crate::board_api::{anonymous, client_for, failure};
use crate::slug;

/// A client that may manage webhooks.
async fn admin(app: &TestApp) -> Client {
    client_for(app, "ops", &[Scope::WebhooksWrite]).await
}

fn new_webhook(url: String, components: &[&str]) -> NewWebhook {
    NewWebhook {
        url: url.parse().unwrap(),
        description: "tests".parse().unwrap(),
        kinds: vec![],
        components: components.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// A subscription to every change, delivered to `url`: its id and secret.
async fn subscribe(client: &Client, url: String) -> (i64, String) {
    let created = client
        .create_webhook()
        .body(new_webhook(url, &[]))
        .send()
        .await
        .unwrap()
        .into_inner();
    (created.webhook.id, created.secret)
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

/// The headers a receiver got with `delivery`.
fn headers(delivery: &Delivery) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("webhook-id", delivery.id.parse().unwrap());
    headers.insert("webhook-timestamp", delivery.timestamp.parse().unwrap());
    headers.insert("webhook-signature", delivery.signature.parse().unwrap());
    headers
}

/// The change ids `deliveries` carry, each verified with `secret` by the client's
/// `verify`.
fn changes(deliveries: &[Delivery], secret: &str) -> Vec<i64> {
    deliveries
        .iter()
        .map(|d| {
            let event = webhooks::verify(secret, &headers(d), &d.body)
                .unwrap_or_else(|e| panic!("{}: {e}", d.id));
            let change = event.change().unwrap();
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
    let client = admin(&first).await;
    let mut subscribed = Vec::new();
    for i in 0..5 {
        let path = format!("/s{i}");
        subscribed.push((path.clone(), subscribe(&client, receiver.url(&path)).await));
    }
    // Only the changes about another component: none of these.
    client
        .create_webhook()
        .body(new_webhook(receiver.url("/api-only"), &["api"]))
        .send()
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
    let client = admin(&app).await;
    let receiver = Receiver::start().await;
    receiver.answer("/flaky", Answer::FailTimes(2));
    receiver.answer("/hang", Answer::Hang);
    let (flaky_id, flaky) = subscribe(&client, receiver.url("/flaky")).await;
    subscribe(&client, receiver.url("/hang")).await;
    let (_, fast) = subscribe(&client, receiver.url("/fast")).await;

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
    // Each attempt is in the subscription's deliveries, newest first: three delivered
    // after two answered 500; the subscription is active again.
    let attempts = client
        .list_webhook_deliveries()
        .id(flaky_id)
        .send()
        .await
        .unwrap()
        .into_inner()
        .items;
    let statuses: Vec<Option<u16>> = attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(
        statuses,
        [Some(200), Some(200), Some(200), Some(500), Some(500)],
        "{attempts:?}"
    );
    assert_eq!(attempts[3].delivery, attempts[4].delivery);
    assert_eq!(attempts[2].delivery, attempts[3].delivery);
    assert!(
        attempts
            .iter()
            .all(|a| a.webhook_id == format!("msg_{flaky_id}_{}", a.delivery))
    );
    let webhook = client.get_webhook().id(flaky_id).send().await.unwrap();
    assert_eq!(webhook.state, WebhookState::Active);
}

#[tokio::test]
async fn private_addresses_are_refused_by_default_at_subscription_and_at_delivery() {
    let mut settings = TestApp::settings(statusboard_tests::database::fresh_database().await);
    settings.webhook_allow_private_networks = false;
    let app = TestApp::spawn_ready(settings).await;
    let database = &app.server().context().database;
    let client = admin(&app).await;
    for (url, says) in [
        ("http://127.0.0.1:9/hook", "must be https"),
        ("https://127.0.0.1:9/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://localhost/hook", "resolves only to addresses"),
    ] {
        let refused = client
            .create_webhook()
            .body(new_webhook(url.to_owned(), &[]))
            .send()
            .await;
        let statusboard_client::Error::ErrorResponse(answer) = refused.unwrap_err() else {
            panic!("{url}: not an error answer");
        };
        assert_eq!(answer.status().as_u16(), 400, "{url}");
        assert_eq!(answer.error_code.to_string(), "InvalidInput", "{url}");
        assert!(answer.message.contains(says), "{url}: {}", answer.message);
    }
    let listed = client.list_webhooks().send().await.unwrap();
    assert!(listed.items.is_empty(), "nothing was made");

    // A name that resolved elsewhere when subscribed: refused when delivering.
    let receiver = Receiver::start().await;
    let url = receiver.url("/rebound").replace("127.0.0.1", "localhost");
    app.execute_sql(&format!(
        "INSERT INTO webhook_subscriptions (url, secret, created_by, after_change) \
         VALUES ('{url}', '{}', 'ops', 0)",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
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

/// `receiver`'s deliveries to `path`.
fn to(receiver: &Receiver, path: &str) -> Vec<Delivery> {
    receiver
        .received()
        .into_iter()
        .filter(|d| d.path == path)
        .collect()
}

#[tokio::test]
async fn subscriptions_are_managed_through_the_api_rotated_retried_and_scoped() {
    let app = TestApp::spawn_with_database().await;
    let client = admin(&app).await;
    let receiver = Receiver::start().await;

    // Only `webhooks:write` may see or touch them.
    let new = || new_webhook(receiver.url("/x"), &[]);
    let refused = failure(anonymous(&app).create_webhook().body(new()).send().await);
    assert_eq!(refused, (401, "Unauthorized".to_owned()));
    let reporter = client_for(&app, "svc", &[Scope::ReportsWrite]).await;
    let refused = failure(reporter.list_webhooks().send().await);
    assert_eq!(refused, (403, "InsufficientScope".to_owned()));

    // Filters are kept without repeats; a bad slug is refused and nothing is made.
    let (id, secret) = subscribe(&client, receiver.url("/a")).await;
    receiver.answer("/b", Answer::Status(500));
    let filtered = NewWebhook {
        kinds: vec![WebhookKind::Report, WebhookKind::Report],
        ..new_webhook(receiver.url("/b"), &["db", "db"])
    };
    let b = client.create_webhook().body(filtered).send().await.unwrap();
    assert_eq!(b.webhook.kinds, [WebhookKind::Report]);
    assert_eq!(b.webhook.components, ["db"]);
    assert_eq!(b.webhook.created_by, "ops");
    assert_eq!(b.webhook.state, WebhookState::Active);
    let bad = client
        .create_webhook()
        .body(new_webhook(receiver.url("/c"), &["Not A Slug"]))
        .send()
        .await;
    assert_eq!(failure(bad), (400, "InvalidInput".to_owned()));
    let pages: Vec<_> = futures::TryStreamExt::try_collect::<Vec<_>>(
        client
            .list_webhooks()
            .limit(std::num::NonZeroU32::new(1).unwrap())
            .stream(),
    )
    .await
    .unwrap();
    let ids: Vec<i64> = pages.iter().map(|w| w.id).collect();
    assert_eq!(ids, [id, b.webhook.id], "a page at a time, oldest first");

    // A delivery, then a rotation: the next one is signed by both secrets.
    reports_on_db(&app, 1).await;
    until(&receiver, 10, |r| r.iter().any(|d| d.path == "/a")).await;
    let rotated = client
        .rotate_webhook_secret()
        .id(id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_ne!(rotated.secret, secret);
    let lasts = rotated.previous_secret_until - chrono::Utc::now();
    assert!(
        (23 * 3600..=24 * 3600).contains(&lasts.num_seconds()),
        "{lasts}"
    );
    reports_on_db(&app, 1).await;
    until(&receiver, 10, |r| {
        r.iter().filter(|d| d.path == "/a").count() == 2
    })
    .await;
    let second = &to(&receiver, "/a")[1..];
    assert_eq!(changes(second, &secret), changes(second, &rotated.secret));

    // A delivered change sent again: the same webhook-id, recorded as an attempt.
    let first = to(&receiver, "/a")[0].clone();
    let first_change = changes(std::slice::from_ref(&first), &secret)[0];
    let accepted = client
        .retry_webhook_delivery()
        .id(id)
        .delivery(first_change)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.state, WebhookState::Active);
    until(&receiver, 10, |r| {
        r.iter().filter(|d| d.path == "/a").count() == 3
    })
    .await;
    let again = to(&receiver, "/a")[2].clone();
    assert_eq!(again.id, first.id);
    assert_eq!(changes(&[again], &rotated.secret), [first_change]);
    let attempts = client
        .list_webhook_deliveries()
        .id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(attempts.items.len(), 3);
    assert_eq!(attempts.items[0].delivery, first_change);

    // What the subscription never attempted, and what does not exist: 404s.
    let never = client
        .retry_webhook_delivery()
        .id(id)
        .delivery(first_change + 1000)
        .send()
        .await;
    assert_eq!(failure(never), (404, "DeliveryNotFound".to_owned()));
    let missing = client.get_webhook().id(id + 1000).send().await;
    assert_eq!(failure(missing), (404, "WebhookNotFound".to_owned()));

    // A disabled subscription is enabled again by retrying its pending change.
    until(&receiver, 10, |r| r.iter().any(|d| d.path == "/b")).await;
    let pending = changes(&to(&receiver, "/b")[..1], &b.secret)[0];
    app.execute_sql(&format!(
        "UPDATE webhook_subscriptions SET disabled_at = clock_timestamp(), \
             next_attempt_at = clock_timestamp() + interval '1 hour' WHERE id = {}",
        b.webhook.id
    ))
    .await;
    let disabled = client.get_webhook().id(b.webhook.id).send().await.unwrap();
    assert_eq!(disabled.state, WebhookState::Disabled);
    receiver.answer("/b", Answer::Status(200));
    let enabled = client
        .retry_webhook_delivery()
        .id(b.webhook.id)
        .delivery(pending)
        .send()
        .await
        .unwrap();
    assert_eq!(enabled.state, WebhookState::Active);
    until(&receiver, 10, |r| {
        r.iter().filter(|d| d.path == "/b").count() >= 3
    })
    .await;
    let b_changes = changes(&to(&receiver, "/b"), &b.secret);
    assert_eq!(b_changes[..2], [pending, pending], "{b_changes:?}");

    // Deleted: gone, and nothing more arrives.
    client.delete_webhook().id(id).send().await.unwrap();
    let gone = client.get_webhook().id(id).send().await;
    assert_eq!(failure(gone), (404, "WebhookNotFound".to_owned()));
    let gone = client.delete_webhook().id(id).send().await;
    assert_eq!(failure(gone), (404, "WebhookNotFound".to_owned()));
}

#[tokio::test]
async fn a_stopping_replica_lets_its_leases_go_and_another_goes_on_at_once() {
    let first = TestApp::spawn_with_database().await;
    let client = admin(&first).await;
    let receiver = Receiver::start().await;
    receiver.answer("/slow", Answer::SlowOk(100));
    let (_, secret) = subscribe(&client, receiver.url("/slow")).await;
    // About 4 s of deliveries; the first replica leases the subscription for the first.
    reports_on_db(&first, 40).await;
    until(&receiver, 10, |r| !r.is_empty()).await;
    let second = TestApp::spawn_ready(first.settings.clone()).await;
    first.stop().await;
    // The first let its lease go when it stopped: the second goes on at once, not after
    // the lease (20 s) runs out; the attempt under way finished, so nothing comes twice.
    until(&receiver, 10, |r| r.len() >= 40).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let changes = changes(&receiver.received(), &secret);
    assert_eq!(changes.len(), 40, "each change once");
    assert!(changes.windows(2).all(|w| w[0] < w[1]), "in order");
    drop(second);
}
