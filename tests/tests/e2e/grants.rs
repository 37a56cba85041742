//! Token grants on a real PostgreSQL: a refresh token works once, and a reused one
//! revokes its whole family.

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
    let granted = [&a, &b].iter().filter(|r| r.is_ok()).count();
    assert_eq!(granted, 1, "{a:?} {b:?}");
    assert!(
        [&a, &b]
            .iter()
            .any(|r| matches!(r, Err(GrantError::Reused))),
        "{a:?} {b:?}"
    );
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
