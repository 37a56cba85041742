//! Tokens through the generated Rust client: `401` and `403` with their challenges, the
//! refresh token's rotation, a session that refreshes by itself, and one that keeps its
//! pair across restarts.

use statusboard_api::Scope;
use statusboard_client::types::ComponentStatus;
use statusboard_client::types::TokenResponse;
use statusboard_client::{Client, Error, FileTokenStore, Session};
use statusboard_server::auth::{Claims, JwtKeys, TokenType};

use crate::board_api::{anonymous, board, client_for, failure, pair, report, update};

#[tokio::test]
async fn tokens_401_with_a_challenge_and_403_without_the_scope() {
    let (app, _admin) = board().await;
    let http = reqwest::Client::new();
    let keys = JwtKeys::from_settings(&app.settings);
    let expired = keys
        .sign(&Claims::new("ops", 1_000, 2_000, TokenType::Access))
        .unwrap();
    let refresh = keys.issue("ops", TokenType::Refresh).unwrap();
    let other_service = JwtKeys::from_settings(&app.settings)
        .sign(&Claims {
            iss: "another-service".to_owned(),
            ..keys.claims("ops", TokenType::Access)
        })
        .unwrap();
    let invalid = "Bearer error=\"invalid_token\"";
    let cases = [
        (None, "Bearer", "missing Authorization"),
        (
            Some("Basic dTpw".to_owned()),
            "Bearer error=\"invalid_request\"",
            "malformed",
        ),
        (Some("Bearer not-a-jwt".to_owned()), invalid, "invalid"),
        (Some(format!("Bearer {expired}")), invalid, "expired"),
        (Some(format!("Bearer {refresh}")), invalid, "Refresh"),
        (Some(format!("Bearer {other_service}")), invalid, "invalid"),
    ];
    for (authorization, challenge, message_part) in cases {
        let mut request = http
            .put(app.url("/api/v1/components/db"))
            .header("origin", "http://localhost:3000")
            .json(&serde_json::json!({"name": "Hijacked"}));
        if let Some(value) = &authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{authorization:?}");
        assert_eq!(response.headers()["www-authenticate"], challenge);
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            "http://localhost:3000"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error_code"], "Unauthorized");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(message_part), "{message}");
    }

    // The generated client: the same 401 without a session, a 403 without the scope.
    let anyone = anonymous(&app);
    assert_eq!(
        failure(
            anyone
                .put_component()
                .slug("db")
                .body(update("Hijacked"))
                .send()
                .await
        ),
        (401, "Unauthorized".into())
    );
    let reporter = client_for(&app, "checkout", &[Scope::ReportsWrite]).await;
    let forbidden = reporter
        .delete_component()
        .slug("db")
        .send()
        .await
        .unwrap_err();
    let Error::ErrorResponse(answer) = forbidden else {
        panic!("{forbidden:?}")
    };
    assert_eq!(answer.status(), 403);
    assert_eq!(
        answer.error_code,
        statusboard_client::types::ErrorCode::InsufficientScope
    );
    assert_eq!(
        answer.headers()["www-authenticate"],
        "Bearer error=\"insufficient_scope\", scope=\"components:write\""
    );
    assert_eq!(
        anyone.get_component().slug("db").send().await.unwrap().name,
        "Database"
    );
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_refresh_token_revokes_the_grant() {
    let (app, _admin) = board().await;
    let anyone = anonymous(&app);
    let first = pair(&app, "checkout", &[Scope::ReportsWrite]).await;
    let request = |token: &str| statusboard_client::types::RefreshRequest {
        refresh_token: token.to_owned(),
    };
    let second = anyone
        .refresh_token()
        .body(request(&first.refresh_token))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.scope, "reports:write");
    assert_ne!(second.refresh_token, first.refresh_token);
    // Presented again at once (a lost response): the same new pair, within the grace.
    let again = anyone
        .refresh_token()
        .body(request(&first.refresh_token))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again, second);
    let third = anyone
        .refresh_token()
        .body(request(&second.refresh_token))
        .send()
        .await
        .unwrap()
        .into_inner();

    // The first token once its successor is spent too: 400 InvalidGrant, and the family
    // is revoked …
    assert_eq!(
        failure(
            anyone
                .refresh_token()
                .body(request(&first.refresh_token))
                .send()
                .await
        ),
        (400, "InvalidGrant".into())
    );
    // … so the rightful holder's current refresh token no longer works either.
    assert_eq!(
        failure(
            anyone
                .refresh_token()
                .body(request(&third.refresh_token))
                .send()
                .await
        ),
        (400, "InvalidGrant".into())
    );
    assert_eq!(
        failure(
            anyone
                .refresh_token()
                .body(request("not-a-token"))
                .send()
                .await
        ),
        (400, "InvalidGrant".into())
    );
}

#[tokio::test]
async fn a_session_refreshes_once_on_401_and_retries() {
    let (app, _admin) = board().await;
    let keys = JwtKeys::from_settings(&app.settings);
    let mut granted = pair(&app, "checkout", &[Scope::ReportsWrite]).await;
    // An access token that has expired, with a valid refresh token.
    let mut expired = Claims::new("checkout", 1_000, 2_000, TokenType::Access);
    expired.scope = "reports:write".to_owned();
    granted.access_token = keys.sign(&expired).unwrap();
    let client = Client::new(&app.base_url, Session::with_tokens(&granted).unwrap());

    // Concurrent calls meet the expired token together and refresh it once between them
    // (twice would present a spent refresh token and revoke the grant).
    let reports: Vec<_> = (0..4)
        .map(|i| report(ComponentStatus::Operational, &format!("call {i}")))
        .collect();
    let calls = reports.iter().map(|report| {
        client
            .create_report()
            .slug("db")
            .body(report.clone())
            .send()
    });
    for result in futures::future::join_all(calls).await {
        assert_eq!(result.unwrap().reported_by, "checkout");
    }
    let later = client
        .create_report()
        .slug("db")
        .body(report(ComponentStatus::Operational, "later"))
        .send()
        .await;
    assert!(later.is_ok(), "{later:?}");

    // With an access token only, a 401 stays a 401.
    let token_only = Client::new(
        &app.base_url,
        Session::with_token(&keys.sign(&expired).unwrap()).unwrap(),
    );
    let result = token_only
        .create_report()
        .slug("db")
        .body(report(ComponentStatus::Operational, ""))
        .send()
        .await;
    assert_eq!(failure(result), (401, "Unauthorized".into()));
}

#[tokio::test]
async fn a_stored_session_goes_on_after_restarts_and_a_spent_pair_says_the_grant_is_gone() {
    // No grace for a re-presented refresh token: a spent one revokes the grant at once.
    let first = statusboard_tests::app::TestApp::spawn_with_database().await;
    let mut settings = first.settings.clone();
    settings.jwt_refresh_reuse_grace_seconds = 0;
    let app = statusboard_tests::app::TestApp::spawn_ready(settings).await;
    let admin = client_for(&app, "ops", &[Scope::ComponentsWrite]).await;
    admin
        .put_component()
        .slug("db")
        .body(update("Database"))
        .send()
        .await
        .unwrap();
    let keys = JwtKeys::from_settings(&app.settings);
    let mut claims = Claims::new("checkout", 1_000, 2_000, TokenType::Access);
    claims.scope = "reports:write".to_owned();
    let expired = keys.sign(&claims).unwrap();
    let granted = pair(&app, "checkout", &[Scope::ReportsWrite]).await;
    let directory = tempfile::tempdir().unwrap();
    let store = FileTokenStore::new(directory.path().join("tokens.json"));
    // A process started from `pair`, whose access token has expired by then.
    let start = |pair: &TokenResponse| {
        let mut pair = pair.clone();
        pair.access_token.clone_from(&expired);
        Client::new(
            &app.base_url,
            Session::with_stored_tokens(&pair, store.clone()).unwrap(),
        )
    };
    let record = |client: Client| async move {
        client
            .create_report()
            .slug("db")
            .body(report(ComponentStatus::Operational, "fine"))
            .send()
            .await
    };

    // Two starts, each refreshing once: every new pair is in the store.
    assert!(store.load().unwrap().is_none());
    record(start(&granted)).await.unwrap();
    let once = store.load().unwrap().expect("the first new pair is stored");
    assert_ne!(once.refresh_token, granted.refresh_token);
    record(start(&once)).await.unwrap();
    let twice = store
        .load()
        .unwrap()
        .expect("the second new pair is stored");
    assert_ne!(twice.refresh_token, once.refresh_token);
    // Restarted from the store, the next call just works.
    let restarted = Client::new(
        &app.base_url,
        Session::with_stored_tokens(&twice, store.clone()).unwrap(),
    );
    record(restarted).await.unwrap();

    // Started from the original, spent pair: the grant is gone, and the call says so.
    match record(start(&granted)).await.unwrap_err() {
        Error::ErrorResponse(answer) => {
            assert_eq!(answer.status().as_u16(), 400);
            assert_eq!(answer.error_code.to_string(), "InvalidGrant");
            assert!(answer.message.contains("revoked"), "{}", answer.message);
        }
        other => panic!("not the refresh's answer: {other:?}"),
    }
}
