//! The GitHub integration against a fake GitHub (GitHub's published shapes, `ETag`s, rate
//! limits): deployment statuses and workflow runs set the bound component's status, an
//! unchanged poll costs a `304` and records nothing, errors show on the binding, a rate
//! limit pauses every request, one replica polls at a time, and GitHub's webhooks apply at
//! once, once, and only signed.

use std::time::{Duration, Instant};

use serde_json::json;
use statusboard_api::Scope;
use statusboard_client::Client;
use statusboard_client::types::{
    ComponentStatus, DeploymentsSource, GithubBinding, GithubBindingUpdate, GithubPolling,
    GithubVia, WorkflowSource,
};
use statusboard_server::config::{Secret, Settings};
use statusboard_tests::app::TestApp;
use statusboard_tests::github::{Failure, FakeGithub, signed_payload};

use crate::board_api::{client_for, failure, update};

const TOKEN: &str = "ghp_test_token_for_the_fake";
const SECRET: &str = "the webhook secret";
const REPOSITORY: &str = "acme/shop";

/// Settings of a server that polls `fake` every second, with GitHub's webhook secret.
async fn settings(fake: &FakeGithub) -> Settings {
    let mut settings = TestApp::settings(statusboard_tests::database::fresh_database().await);
    settings.github_token = Some(Secret::new(TOKEN));
    settings.github_api_url = fake.url();
    settings.github_poll = Duration::from_secs(1);
    settings.github_webhook_secret = Some(Secret::new(SECRET));
    settings
}

/// A client that may bind, with the component `shop`.
async fn admin_of(app: &TestApp) -> Client {
    let admin = client_for(app, "ops", &[Scope::ComponentsWrite]).await;
    admin
        .put_component()
        .slug("shop")
        .body(update("Shop"))
        .send()
        .await
        .unwrap();
    admin
}

fn deployments(environment: &str) -> GithubBindingUpdate {
    GithubBindingUpdate {
        repository: REPOSITORY.parse().unwrap(),
        deployments: Some(DeploymentsSource {
            environment: environment.parse().unwrap(),
        }),
        workflow: None,
        mapping: Default::default(),
    }
}

async fn bind(admin: &Client, binding: GithubBindingUpdate) -> GithubBinding {
    admin
        .put_github_binding()
        .slug("shop")
        .body(binding)
        .send()
        .await
        .unwrap()
        .into_inner()
}

async fn status(client: &Client) -> ComponentStatus {
    client
        .get_component()
        .slug("shop")
        .send()
        .await
        .unwrap()
        .status
}

async fn binding(client: &Client) -> GithubBinding {
    client
        .get_github_binding()
        .slug("shop")
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// Waits (at most `seconds`) until `done` holds.
async fn until<F: std::future::Future<Output = bool>>(
    seconds: u64,
    what: &str,
    done: impl Fn() -> F,
) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done().await {
        assert!(Instant::now() < deadline, "not within {seconds} s: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The reports `github` recorded on `shop`.
async fn github_reports(app: &TestApp) -> i64 {
    let connection = app.server().context().database.connection().await.unwrap();
    connection
        .client()
        .query_typed(
            "SELECT count(*) FROM status_reports WHERE component = 'shop' AND reported_by = 'github'",
            &[],
        )
        .await
        .unwrap()[0]
        .get(0)
}

#[tokio::test]
async fn a_deployment_status_sets_the_component_and_an_unchanged_poll_is_a_304_with_no_report() {
    let fake = FakeGithub::start(TOKEN).await;
    fake.add_repository(REPOSITORY);
    let app = TestApp::spawn_ready(settings(&fake).await).await;
    let admin = admin_of(&app).await;
    let bound = bind(&admin, deployments("production")).await;
    assert_eq!(bound.polling, GithubPolling::Polling);
    assert_eq!(
        bound.mapping.get("failure"),
        Some(&ComponentStatus::MajorOutage)
    );

    let deployment = fake.deploy(REPOSITORY, "production");
    fake.deploy(REPOSITORY, "staging");
    fake.set_status(deployment, "failure");
    until(10, "major_outage", || async {
        status(&admin).await == ComponentStatus::MajorOutage
    })
    .await;
    let success = fake.set_status(deployment, "success");
    until(10, "operational", || async {
        status(&admin).await == ComponentStatus::Operational
    })
    .await;
    assert_eq!(github_reports(&app).await, 2);

    // Nothing changes: two more polls, both answered 304, and no report.
    let before = fake.requests().len();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let later = fake.requests()[before..].to_vec();
    assert!(later.len() >= 2, "{later:?}");
    assert!(later.iter().all(|r| r.status == 304), "{later:?}");
    assert!(later.iter().all(|r| r.if_none_match.is_some()));
    assert_eq!(github_reports(&app).await, 2);
    let seen = binding(&admin).await;
    let last = seen.last_seen.unwrap();
    assert_eq!((last.id, last.state.as_str()), (success, "success"));
    assert_eq!(last.status, Some(ComponentStatus::Operational));
    assert_eq!(last.via, GithubVia::Poll);
    assert!(seen.last_poll_at.is_some());
    assert_eq!(seen.last_error, None);
    // The staging deployment was never asked about.
    assert!(fake.requests().iter().all(|r| !r.query.contains("staging")));
}

#[tokio::test]
async fn a_workflow_runs_conclusion_sets_the_component_and_a_cancelled_run_changes_nothing() {
    let fake = FakeGithub::start(TOKEN).await;
    fake.add_repository(REPOSITORY);
    let app = TestApp::spawn_ready(settings(&fake).await).await;
    let admin = admin_of(&app).await;
    bind(
        &admin,
        GithubBindingUpdate {
            deployments: None,
            workflow: Some(WorkflowSource {
                file: "deploy.yml".parse().unwrap(),
                branch: "main".parse().unwrap(),
            }),
            ..deployments("unused")
        },
    )
    .await;
    fake.complete_run(REPOSITORY, "deploy.yml", "feature", "failure");
    fake.complete_run(REPOSITORY, "deploy.yml", "main", "failure");
    until(10, "major_outage", || async {
        status(&admin).await == ComponentStatus::MajorOutage
    })
    .await;
    let cancelled = fake.complete_run(REPOSITORY, "deploy.yml", "main", "cancelled");
    until(10, "the cancelled run seen", || async {
        binding(&admin)
            .await
            .last_seen
            .is_some_and(|s| s.id == cancelled)
    })
    .await;
    assert_eq!(status(&admin).await, ComponentStatus::MajorOutage);
    assert_eq!(github_reports(&app).await, 1);
    fake.complete_run(REPOSITORY, "deploy.yml", "main", "success");
    until(10, "operational", || async {
        status(&admin).await == ComponentStatus::Operational
    })
    .await;
}

#[tokio::test]
async fn errors_show_on_the_binding_and_a_rate_limit_pauses_every_request() {
    let fake = FakeGithub::start(TOKEN).await;
    fake.add_repository(REPOSITORY);
    let app = TestApp::spawn_ready(settings(&fake).await).await;
    let admin = admin_of(&app).await;

    // A repository GitHub does not have.
    bind(
        &admin,
        GithubBindingUpdate {
            repository: "acme/gone".parse().unwrap(),
            ..deployments("production")
        },
    )
    .await;
    until(10, "a 404 on the binding", || async {
        binding(&admin)
            .await
            .last_error
            .is_some_and(|e| e.contains("404"))
    })
    .await;

    // GitHub failing: shown, then gone once it answers again.
    bind(&admin, deployments("production")).await;
    fake.fail_next(Failure::ServerError);
    until(10, "a 502 on the binding", || async {
        binding(&admin)
            .await
            .last_error
            .is_some_and(|e| e.contains("502"))
    })
    .await;
    until(15, "recovered", || async {
        binding(&admin).await.last_error.is_none()
    })
    .await;

    // A secondary rate limit: no request at all until retry-after has passed, not even
    // for another binding due meanwhile.
    admin
        .put_component()
        .slug("cart")
        .body(update("Cart"))
        .send()
        .await
        .unwrap();
    admin
        .put_github_binding()
        .slug("cart")
        .body(deployments("production"))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    fake.fail_next(Failure::SecondaryLimit { retry_after: 3 });
    // Whichever binding's request met it (both are polled, in no set order) says so.
    until(10, "the rate limit on a binding", || async {
        let mut limited = false;
        for slug in ["shop", "cart"] {
            let shown = admin.get_github_binding().slug(slug).send().await.unwrap();
            limited |= shown
                .last_error
                .as_ref()
                .is_some_and(|e| e.contains("rate limit"));
        }
        limited
    })
    .await;
    let limited = fake
        .requests()
        .iter()
        .rposition(|r| r.status == 403)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        fake.requests().len(),
        limited + 1,
        "a request during the pause"
    );
    until(10, "polling again", || async {
        fake.requests().len() > limited + 1
    })
    .await;
    // The token never shows.
    let shown = serde_json::to_string(&binding(&admin).await).unwrap();
    assert!(!shown.contains(TOKEN));

    // A token GitHub refuses.
    let mut refused = settings(&fake).await;
    refused.github_token = Some(Secret::new("not-the-token"));
    let other = TestApp::spawn_ready(refused).await;
    let other_admin = admin_of(&other).await;
    bind(&other_admin, deployments("production")).await;
    until(10, "a 401 on the binding", || async {
        binding(&other_admin)
            .await
            .last_error
            .is_some_and(|e| e.contains("401"))
    })
    .await;
}

#[tokio::test]
async fn without_a_token_bindings_are_kept_and_ready_says_nothing_polls() {
    let fake = FakeGithub::start(TOKEN).await;
    let mut settings = settings(&fake).await;
    settings.github_token = None;
    let app = TestApp::spawn_ready(settings).await;
    let admin = admin_of(&app).await;
    let bound = bind(&admin, deployments("production")).await;
    assert_eq!(bound.polling, GithubPolling::NoToken);
    let ready = admin.ready().send().await.unwrap();
    assert_eq!(ready.github, GithubPolling::NoToken);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(fake.requests().is_empty());
    // Bad input: named, nothing bound.
    admin
        .delete_github_binding()
        .slug("shop")
        .send()
        .await
        .unwrap();
    let bad = admin
        .put_github_binding()
        .slug("shop")
        .body(GithubBindingUpdate {
            workflow: Some(WorkflowSource {
                file: "deploy.yml".parse().unwrap(),
                branch: "main".parse().unwrap(),
            }),
            ..deployments("production")
        })
        .send()
        .await;
    assert_eq!(failure(bad), (400, "InvalidInput".to_owned()));
    let gone = admin.get_github_binding().slug("shop").send().await;
    assert_eq!(failure(gone), (404, "GithubBindingNotFound".to_owned()));
}

/// Posts a webhook delivery as GitHub does.
async fn deliver(
    app: &TestApp,
    event: &str,
    delivery: &str,
    body: &[u8],
    signature: &str,
) -> (u16, serde_json::Value) {
    let answer = reqwest::Client::new()
        .post(app.url("/api/v1/integrations/github/webhook"))
        .header("content-type", "application/json")
        .header("x-github-event", event)
        .header("x-github-delivery", delivery)
        .header("x-hub-signature-256", signature)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

fn deployment_status_payload(id: i64, state: &str) -> (Vec<u8>, String) {
    signed_payload(
        "deployment_status",
        &[
            ("/action", json!("created")),
            ("/deployment_status/id", json!(id)),
            ("/deployment_status/state", json!(state)),
            ("/deployment_status/created_at", json!(chrono::Utc::now())),
            ("/deployment/environment", json!("production")),
            ("/repository/full_name", json!(REPOSITORY)),
        ],
        SECRET,
    )
}

#[tokio::test]
async fn github_webhooks_apply_at_once_once_and_only_signed() {
    let fake = FakeGithub::start(TOKEN).await;
    fake.add_repository(REPOSITORY);
    let app = TestApp::spawn_ready(settings(&fake).await).await;
    let admin = admin_of(&app).await;
    bind(&admin, deployments("production")).await;

    // The same status, pushed and polled: one report.
    let deployment = fake.deploy(REPOSITORY, "production");
    let failed = fake.set_status(deployment, "failure");
    let (body, signature) = deployment_status_payload(failed, "failure");
    let (status_code, answer) = deliver(&app, "deployment_status", "d-1", &body, &signature).await;
    assert_eq!(status_code, 200, "{answer}");
    assert_eq!(answer["outcome"], "applied");
    assert_eq!(status(&admin).await, ComponentStatus::MajorOutage);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        github_reports(&app).await,
        1,
        "poll and push recorded it once"
    );

    // The same delivery again: nothing.
    let (status_code, answer) = deliver(&app, "deployment_status", "d-1", &body, &signature).await;
    assert_eq!(
        (status_code, answer["outcome"].as_str()),
        (202, Some("duplicate"))
    );

    // Another state, pushed: at once (before the poller could see it: GitHub has not got it).
    let (body, signature) = deployment_status_payload(failed + 1000, "success");
    let (status_code, answer) = deliver(&app, "deployment_status", "d-2", &body, &signature).await;
    assert_eq!((status_code, answer["reports"].as_u64()), (200, Some(1)));
    assert_eq!(status(&admin).await, ComponentStatus::Operational);

    // Signed with another secret, or not at all: 401, nothing done.
    let (body, _) = deployment_status_payload(failed + 2000, "failure");
    let (status_code, answer) =
        deliver(&app, "deployment_status", "d-3", &body, "sha256=00").await;
    assert_eq!(
        (status_code, answer["error_code"].as_str()),
        (401, Some("InvalidSignature"))
    );
    assert_eq!(status(&admin).await, ComponentStatus::Operational);

    // A workflow run no binding follows, and an event not followed: 202, ignored.
    let (body, signature) = signed_payload(
        "workflow_run",
        &[
            ("/action", json!("completed")),
            ("/workflow_run/id", json!(7)),
            ("/workflow_run/path", json!(".github/workflows/deploy.yml")),
            ("/workflow_run/head_branch", json!("main")),
            ("/workflow_run/conclusion", json!("failure")),
            ("/repository/full_name", json!(REPOSITORY)),
        ],
        SECRET,
    );
    let (status_code, answer) = deliver(&app, "workflow_run", "d-4", &body, &signature).await;
    assert_eq!(
        (status_code, answer["outcome"].as_str()),
        (202, Some("ignored"))
    );
    let (status_code, _) = deliver(&app, "ping", "d-5", b"{}", &sign(b"{}")).await;
    assert_eq!(status_code, 202);

    // A server without the secret refuses every delivery.
    let mut unconfigured = settings(&fake).await;
    unconfigured.github_webhook_secret = None;
    let other = TestApp::spawn_ready(unconfigured).await;
    let (status_code, answer) = deliver(&other, "ping", "d-6", b"{}", &sign(b"{}")).await;
    assert_eq!(
        (status_code, answer["error_code"].as_str()),
        (404, Some("IntegrationNotConfigured"))
    );
}

fn sign(body: &[u8]) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, body);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[tokio::test]
async fn three_replicas_poll_one_at_a_time_and_a_dead_pollers_lease_runs_out() {
    let fake = FakeGithub::start(TOKEN).await;
    fake.add_repository(REPOSITORY);
    let settings = settings(&fake).await;
    let first = TestApp::spawn_ready(settings.clone()).await;
    let _second = TestApp::spawn_ready(settings.clone()).await;
    let _third = TestApp::spawn_ready(settings).await;
    let admin = admin_of(&first).await;
    bind(&admin, deployments("production")).await;
    fake.set_status(fake.deploy(REPOSITORY, "production"), "success");
    until(10, "polled", || async {
        binding(&admin).await.last_seen.is_some()
    })
    .await;

    // One poll a second in all (two requests each: the list, the statuses), not three.
    let before = fake.requests().len();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let lists = fake.requests()[before..]
        .iter()
        .filter(|r| r.path.ends_with("/deployments"))
        .count();
    assert!(
        (2..=6).contains(&lists),
        "{lists} polls in 4 s by three replicas"
    );

    // A poller that died holding the lease: nobody polls until it runs out.
    first
        .execute_sql(
            "UPDATE github_poller SET leased_by = 'dead', \
             leased_until = clock_timestamp() + interval '4 seconds'",
        )
        .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let dead = fake.requests().len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        fake.requests().len(),
        dead,
        "a poll while another held the lease"
    );
    until(10, "another replica took over", || async {
        fake.requests().len() > dead
    })
    .await;
}
