//! `statusboard-server token issue` and `token revoke`: an operator grants a service its
//! tokens, and takes them back.

use super::*;

#[tokio::test]
async fn token_issue_prints_an_oauth_token_response_and_never_the_secret() {
    let url = statusboard_tests::database::fresh_database_url().await;
    let vars = [("JWT_SECRET", SECRET), ("DATABASE_URL", url.as_str())];
    let (mut migrate, _dir) = command(&vars);
    assert!(migrate.arg("migrate").status().unwrap().success());

    let (mut issue, _dir) = command(&vars);
    let output = issue
        .args(["token", "issue", "--subject", "checkout-service"])
        .args(["--scope", "reports:write", "--scope", "components:write"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    let response: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(response["token_type"], "Bearer");
    assert_eq!(response["expires_in"], 30 * 60);
    assert_eq!(response["scope"], "components:write reports:write");
    let keys = statusboard_server::auth::JwtKeys::new(
        &statusboard_server::config::Secret::new(SECRET),
        Duration::from_secs(1800),
        Duration::from_secs(7 * 86_400),
    );
    use statusboard_server::auth::TokenType;
    let access = response["access_token"].as_str().unwrap();
    let claims = keys.verify(access, TokenType::Access).unwrap();
    assert_eq!(claims.sub, "checkout-service");
    assert_eq!(claims.scope, "components:write reports:write");
    let refresh = response["refresh_token"].as_str().unwrap();
    let refresh = keys.verify(refresh, TokenType::Refresh).unwrap();
    assert!(refresh.jti.is_some());
    assert_eq!(claims.fam, refresh.fam, "both carry their grant");

    // The operator revokes the subject's grants: each printed, one JSON line each.
    let (mut revoke, _dir) = command(&vars);
    let output = revoke
        .args(["token", "revoke", "--subject", "checkout-service"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let revoked: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(revoked["family"], claims.fam.unwrap());
    assert_eq!(revoked["subject"], "checkout-service");
    // Again: nothing left to revoke.
    let (mut again, _dir) = command(&vars);
    let output = again
        .args(["token", "revoke", "--subject", "checkout-service"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
}

#[test]
fn token_issue_refuses_what_it_cannot_grant_naming_why() {
    for (args, says) in [
        (
            &["token", "issue", "--subject", "s"][..],
            "at least one --scope",
        ),
        (
            &["token", "issue", "--scope", "reports:write"][..],
            "--subject",
        ),
        (
            &["token", "issue", "--subject", "s", "--scope", "admin"][..],
            "unknown scope \"admin\"",
        ),
        (&["token", "revoke"][..], "--subject NAME or --family ID"),
        (
            &["token", "revoke", "--family", "x"][..],
            "expected a family id",
        ),
        (
            &["token", "rotate"][..],
            "expected `token issue` or `token revoke`",
        ),
    ] {
        let (mut command, _dir) = command(&[("JWT_SECRET", SECRET)]);
        let output = command.args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}
