//! Token grants on a real PostgreSQL: a refresh token works once, and a reused one
//! revokes its whole family (unless re-presented within the grace, which answers the same
//! pair); grants end with their absolute lifetime; a revocation reaches every replica.

use statusboard_api::TokenResponse;
use statusboard_server::auth::{AuthError, JwtKeys, Scope, Scopes, TokenType};
use statusboard_server::grants::{self, GrantError};
use statusboard_tests::app::TestApp;

async fn granted(app: &TestApp) -> (JwtKeys, TokenResponse) {
    let keys = JwtKeys::from_settings(&app.settings);
    let scopes: Scopes = [Scope::ReportsWrite].into_iter().collect();
    let database = &app.server().context().database;
    let pair = grants::issue(database, &keys, "checkout-service", &scopes)
        .await
        .unwrap();
    (keys, pair)
}

#[tokio::test]
async fn a_grant_answers_a_pair_whose_access_token_carries_the_scopes() {
    let app = TestApp::spawn_with_database().await;
    let (keys, pair) = granted(&app).await;
    assert_eq!(pair.token_type, statusboard_api::TokenKind::Bearer);
    assert_eq!(pair.scope, "reports:write");
    assert_eq!(pair.expires_in, 30 * 60);
    let access = keys.verify(&pair.access_token, TokenType::Access).unwrap();
    assert_eq!(
        (access.sub.as_str(), access.scope.as_str()),
        ("checkout-service", "reports:write")
    );
    let shown = format!("{pair:?}");
    assert!(!shown.contains(&pair.access_token) && !shown.contains(&pair.refresh_token));
}

#[tokio::test]
async fn a_refresh_token_works_once_and_its_reuse_revokes_the_family() {
    let app = TestApp::spawn_with_database().await;
    let database = &app.server().context().database;
    let (keys, first) = granted(&app).await;

    let second = grants::refresh(database, &keys, &first.refresh_token)
        .await
        .unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(second.scope, "reports:write");
    let third = grants::refresh(database, &keys, &second.refresh_token)
        .await
        .unwrap();

    // The first token again, as a thief would: refused, and the family is revoked...
    let reused = grants::refresh(database, &keys, &first.refresh_token).await;
    assert!(matches!(reused, Err(GrantError::Reused)), "{reused:?}");
    // ...so the newest refresh token, the rightful holder's, stops working too.
    let after = grants::refresh(database, &keys, &third.refresh_token).await;
    assert!(matches!(after, Err(GrantError::Revoked)), "{after:?}");
}

#[tokio::test]
async fn two_refreshes_of_one_token_at_once_grant_one_pair() {
    let app = TestApp::spawn_with_database().await;
    let database = &app.server().context().database;
    let (keys, pair) = granted(&app).await;
    let (a, b) = tokio::join!(
        grants::refresh(database, &keys, &pair.refresh_token),
        grants::refresh(database, &keys, &pair.refresh_token),
    );
    // One rotation; the other request, within the grace, gets the same new pair.
    assert_eq!(a.unwrap(), b.unwrap());
    let connection = database.connection().await.unwrap();
    let tokens: i64 = connection
        .client()
        .query_typed("SELECT count(*) FROM refresh_tokens", &[])
        .await
        .unwrap()
        .remove(0)
        .get(0);
    assert_eq!(tokens, 2, "the first and the one that replaced it");
}

#[tokio::test]
async fn a_lost_refresh_response_is_answered_again_within_the_grace_only() {
    let app = TestApp::spawn_with_database().await;
    let database = &app.server().context().database;
    let (keys, first) = granted(&app).await;
    let second = grants::refresh(database, &keys, &first.refresh_token)
        .await
        .unwrap();
    // The response was lost: the client presents the first token again, at once.
    let again = grants::refresh(database, &keys, &first.refresh_token)
        .await
        .unwrap();
    assert_eq!(again, second, "the same new pair, not a revocation");
    // After the grace (here: none), the same is a reuse, which revokes the grant.
    let strict = keys
        .clone()
        .with_grant_limits(keys.grant_lifetime(), std::time::Duration::ZERO);
    let reused = grants::refresh(database, &strict, &first.refresh_token).await;
    assert!(matches!(reused, Err(GrantError::Reused)), "{reused:?}");
    let after = grants::refresh(database, &keys, &second.refresh_token).await;
    assert!(matches!(after, Err(GrantError::Revoked)), "{after:?}");
}

#[tokio::test]
async fn a_grant_ends_with_its_absolute_lifetime_however_often_refreshed() {
    let app = TestApp::spawn_with_database().await;
    let database = &app.server().context().database;
    let (keys, first) = granted(&app).await;
    let second = grants::refresh(database, &keys, &first.refresh_token)
        .await
        .unwrap();
    app.execute_sql("UPDATE token_families SET created_at = now() - interval '91 days'")
        .await;
    let refused = grants::refresh(database, &keys, &second.refresh_token).await;
    assert!(matches!(refused, Err(GrantError::TooOld)), "{refused:?}");
    // A young grant's refresh token expires with the grant, not later.
    let (keys, young) = granted(&app).await;
    app.execute_sql(
        "UPDATE token_families SET created_at = now() - interval '89 days' \
         WHERE id = (SELECT max(id) FROM token_families)",
    )
    .await;
    let renewed = grants::refresh(database, &keys, &young.refresh_token)
        .await
        .unwrap();
    let claims = keys
        .verify(&renewed.refresh_token, TokenType::Refresh)
        .unwrap();
    assert!(claims.exp - claims.iat <= 86_400 + 5, "{claims:?}");
}

/// A family revoked on one replica (by the operator, or by a reused refresh token) makes
/// its access tokens answer `401` on every replica within seconds.
#[tokio::test]
async fn a_revoked_grant_s_access_tokens_are_refused_by_every_replica() {
    let first = TestApp::spawn_with_database().await;
    let second = TestApp::spawn_ready(first.settings.clone()).await;
    let database = &first.server().context().database;
    let http = reqwest::Client::new();
    let status_on = |app: &TestApp, token: String| {
        let request = http
            .delete(app.url("/api/v1/components/nothing"))
            .bearer_auth(token)
            .send();
        async move { request.await.unwrap().status().as_u16() }
    };
    let keys = JwtKeys::from_settings(&first.settings);
    let scopes: Scopes = [Scope::ComponentsWrite].into_iter().collect();
    let by_operator = grants::issue(database, &keys, "ops", &scopes)
        .await
        .unwrap();
    let by_reuse = grants::issue(database, &keys, "thief", &scopes)
        .await
        .unwrap();
    for app in [&first, &second] {
        assert_eq!(status_on(app, by_operator.access_token.clone()).await, 404);
    }

    let revoked = grants::revoke(
        database,
        &grants::Grants::OfSubject("ops".into()),
        "operator",
    )
    .await
    .unwrap();
    assert_eq!(revoked.len(), 1);
    let strict = keys
        .clone()
        .with_grant_limits(keys.grant_lifetime(), std::time::Duration::ZERO);
    grants::refresh(database, &strict, &by_reuse.refresh_token)
        .await
        .unwrap();
    let reused = grants::refresh(database, &strict, &by_reuse.refresh_token).await;
    assert!(matches!(reused, Err(GrantError::Reused)), "{reused:?}");

    for app in [&first, &second] {
        for pair in [&by_operator, &by_reuse] {
            let refused = statusboard_tests::poll::until_async(
                std::time::Duration::from_secs(5),
                std::time::Duration::from_millis(50),
                || {
                    let status = status_on(app, pair.access_token.clone());
                    async move { (status.await == 401).then_some(()) }
                },
            )
            .await;
            assert!(refused.is_some(), "still accepted on {}", app.base_url);
        }
    }
}

#[tokio::test]
async fn only_a_refresh_token_of_ours_is_exchanged() {
    let app = TestApp::spawn_with_database().await;
    let database = &app.server().context().database;
    let (keys, pair) = granted(&app).await;
    let access = grants::refresh(database, &keys, &pair.access_token).await;
    assert!(
        matches!(access, Err(GrantError::Token(AuthError::WrongType { .. }))),
        "{access:?}"
    );
    let garbage = grants::refresh(database, &keys, "not.a.token").await;
    assert!(
        matches!(garbage, Err(GrantError::Token(AuthError::Invalid))),
        "{garbage:?}"
    );
}
