//! Webhooks when a replica dies: three server processes deliver to one receiver; one is
//! killed with SIGKILL while it holds subscriptions with deliveries in flight. Everything
//! still arrives, in order per subscription; a change arrives twice only where the killed
//! replica had sent it and not yet recorded it.

use std::collections::BTreeMap;
use std::time::Duration;

use statusboard_tests::receiver::{Answer, Receiver};

use super::{Process, SECRET};

/// How many subscriptions, and changes.
const SUBSCRIPTIONS: usize = 5;
const CHANGES: usize = 200;

#[tokio::test]
async fn a_replica_killed_mid_delivery_leaves_its_subscriptions_to_the_others() {
    let url = statusboard_tests::database::fresh_database_url().await;
    let vars = [
        ("DATABASE_URL", url.as_str()),
        ("JWT_SECRET", SECRET),
        ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"),
    ];
    let replicas: Vec<_> = (0..3).map(|_| Process::start(&vars)).collect();
    for (replica, _) in &replicas {
        replica.wait_ready();
    }
    let receiver = Receiver::start().await;
    // Slow answers, so that every replica has deliveries in flight when one dies.
    receiver.answer_all(Answer::SlowOk(20));
    let (database, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let secret = statusboard_server::webhooks::signature::Secret::generate().expose();
    database
        .batch_execute(&format!(
            "INSERT INTO webhook_subscriptions (url, secret, created_by, after_change) \
             SELECT '{}' || n, '{secret}', 'test', 0 FROM generate_series(1, {SUBSCRIPTIONS}) n; \
             INSERT INTO changes (kind, subject, data) \
             SELECT 'report', 'test', jsonb_build_object('id', n, 'component', 'db') \
             FROM generate_series(1, {CHANGES}) n",
            receiver.url("/hook/")
        ))
        .await
        .unwrap();

    // Kill the replica that holds a lease, once it has delivered something.
    let victim = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            for (index, (replica, _)) in replicas.iter().enumerate() {
                let pattern = format!("{}-%", replica.child.id());
                let held: i64 = database
                    .query_one(
                        "SELECT count(*) FROM webhook_subscriptions \
                         WHERE leased_by LIKE $1 AND after_change > 0",
                        &[&pattern],
                    )
                    .await
                    .unwrap()
                    .get(0);
                if held > 0 {
                    return index;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("a replica holds a lease within 20 s");
    let mut replicas = replicas;
    let (mut killed, _dir) = replicas.swap_remove(victim);
    statusboard_tests::os::send_signal(killed.child.id(), "KILL").unwrap();
    killed.wait(Duration::from_secs(5));
    let arrived_before = receiver.count();

    // Its leases run out (20 s); the others take over and deliver everything.
    let everything = tokio::time::timeout(Duration::from_secs(90), async {
        loop {
            let seen = per_subscription(&receiver);
            if seen.len() == SUBSCRIPTIONS
                && seen.values().all(|changes| distinct(changes) == CHANGES)
            {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "not everything arrived within 90 s: {:?}",
            per_subscription(&receiver)
                .iter()
                .map(|(path, changes)| (path.clone(), distinct(changes)))
                .collect::<Vec<_>>()
        )
    });
    let mut duplicates = 0;
    for (path, changes) in &everything {
        assert!(
            changes.windows(2).all(|w| w[0] <= w[1]),
            "{path}: out of order: {changes:?}"
        );
        duplicates += changes.len() - distinct(changes);
    }
    println!(
        "killed replica {victim} after {arrived_before} deliveries; duplicates: {duplicates}"
    );
    // At most the change in flight for each subscription the killed replica held.
    assert!(duplicates <= SUBSCRIPTIONS, "{duplicates} duplicates");
}

/// The change ids each subscription's path received, in order of arrival.
fn per_subscription(receiver: &Receiver) -> BTreeMap<String, Vec<i64>> {
    let mut seen: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for delivery in receiver.received() {
        let body: serde_json::Value = serde_json::from_slice(&delivery.body).unwrap();
        seen.entry(delivery.path)
            .or_default()
            .push(body["change"].as_i64().unwrap());
    }
    seen
}

fn distinct(changes: &[i64]) -> usize {
    let mut unique = changes.to_vec();
    unique.dedup();
    unique.len()
}
