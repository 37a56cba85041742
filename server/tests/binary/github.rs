//! The GitHub poller when its replica dies: three server processes poll one fake GitHub;
//! the one holding the poller's lease is killed with SIGKILL. Nobody polls until its lease
//! runs out (it cannot let it go); then another replica polls, alone.

use std::time::{Duration, Instant};

use statusboard_tests::github::FakeGithub;

use super::{Process, SECRET};

const TOKEN: &str = "ghp_binary_test_token";

#[tokio::test]
async fn a_killed_pollers_lease_runs_out_and_another_replica_polls() {
    let url = statusboard_tests::database::fresh_database_url().await;
    let fake = FakeGithub::start(TOKEN).await;
    fake.add_repository("acme/shop");
    let deployment = fake.deploy("acme/shop", "production");
    fake.set_status(deployment, "success");
    let api = fake.url();
    let vars = [
        ("DATABASE_URL", url.as_str()),
        ("JWT_SECRET", SECRET),
        ("GITHUB_TOKEN", TOKEN),
        ("GITHUB_API_URL", api.as_str()),
        ("GITHUB_POLL_SECONDS", "1"),
    ];
    let replicas: Vec<_> = (0..3).map(|_| Process::start(&vars)).collect();
    for (replica, _) in &replicas {
        replica.wait_ready();
    }
    let (database, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    database
        .batch_execute(
            "INSERT INTO components (slug, name) VALUES ('shop', 'Shop'); \
             INSERT INTO github_bindings (component, repository, environment) \
             VALUES ('shop', 'acme/shop', 'production')",
        )
        .await
        .unwrap();

    // The replica that polls.
    let holder = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let leased_by: Option<String> = database
                .query_one("SELECT leased_by FROM github_poller", &[])
                .await
                .unwrap()
                .get(0);
            if let Some(leased_by) = leased_by
                && !fake.requests().is_empty()
            {
                return leased_by;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a replica polls within 20 s");
    let pid: u32 = holder.split('-').next().unwrap().parse().unwrap();
    let mut replicas = replicas;
    let victim = replicas
        .iter()
        .position(|(replica, _)| replica.child.id() == pid)
        .expect("the holder is one of the three");
    let (mut killed, _dir) = replicas.swap_remove(victim);
    statusboard_tests::os::send_signal(pid, "KILL").unwrap();
    killed.wait(Duration::from_secs(5));
    let killed_at = Instant::now();
    let before = fake.requests().len();

    // Nobody polls while the dead replica's lease lasts (15 s from its last renewal, at
    // most a second before it died); then one of the others does.
    let resumed = tokio::time::timeout(Duration::from_secs(40), async {
        while fake.requests().len() == before {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        killed_at.elapsed()
    })
    .await
    .expect("another replica polls within 40 s");
    println!("polling resumed {resumed:?} after the kill");
    assert!(
        resumed >= Duration::from_secs(10),
        "resumed after {resumed:?}"
    );
    let new_holder: String = database
        .query_one("SELECT leased_by FROM github_poller", &[])
        .await
        .unwrap()
        .get(0);
    let new_pid: u32 = new_holder.split('-').next().unwrap().parse().unwrap();
    assert_ne!(new_pid, pid);
    assert!(
        replicas
            .iter()
            .any(|(replica, _)| replica.child.id() == new_pid)
    );
}
