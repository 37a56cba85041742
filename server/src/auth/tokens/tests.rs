//! Signing and verifying tokens: lifetimes, types, algorithms, claims.

use super::*;

fn keys() -> JwtKeys {
    JwtKeys::new(
        &Secret::new("k3y"),
        Duration::from_secs(60),
        Duration::from_secs(3600),
    )
}

#[test]
fn an_issued_access_token_verifies_with_its_claims() {
    let token = keys().issue("user-1", TokenType::Access).unwrap();
    let claims = keys().verify(&token, TokenType::Access).unwrap();
    assert_eq!(claims.sub, "user-1");
    assert_eq!(claims.typ, TokenType::Access);
    assert_eq!(claims.exp - claims.iat, 60);
    let refresh = keys().issue("user-1", TokenType::Refresh).unwrap();
    let claims = keys().verify(&refresh, TokenType::Refresh).unwrap();
    assert_eq!(claims.exp - claims.iat, 3600);
}

#[test]
fn lifetimes_come_from_the_settings() {
    let mut settings = Settings::for_tests(
        crate::config::DatabaseUrl::parse("DATABASE_URL", "postgres://u@h/d").unwrap(),
    );
    settings.jwt_access_expire_minutes = 5;
    settings.jwt_refresh_expire_days = 2;
    let keys = JwtKeys::from_settings(&settings);
    let access = keys.verify(
        &keys.issue("u", TokenType::Access).unwrap(),
        TokenType::Access,
    );
    assert_eq!(access.map(|c| c.exp - c.iat), Ok(300));
    let refresh = keys.verify(
        &keys.issue("u", TokenType::Refresh).unwrap(),
        TokenType::Refresh,
    );
    assert_eq!(refresh.map(|c| c.exp - c.iat), Ok(2 * 86_400));
}

#[test]
fn a_refresh_token_is_not_an_access_token_nor_the_reverse() {
    let refresh = keys().issue("u", TokenType::Refresh).unwrap();
    assert_eq!(
        keys().verify(&refresh, TokenType::Access),
        Err(AuthError::WrongType {
            expected: TokenType::Access,
            found: TokenType::Refresh
        })
    );
    let access = keys().issue("u", TokenType::Access).unwrap();
    assert!(matches!(
        keys().verify(&access, TokenType::Refresh),
        Err(AuthError::WrongType { .. })
    ));
}

#[test]
fn expiry_is_enforced_with_a_small_leeway() {
    let t = now();
    let within_leeway = Claims::new("u", t - 100, t - 10, TokenType::Access);
    assert!(
        keys()
            .verify(&keys().sign(&within_leeway).unwrap(), TokenType::Access)
            .is_ok()
    );
    let expired = Claims {
        exp: t - 120,
        ..within_leeway
    };
    assert_eq!(
        keys().verify(&keys().sign(&expired).unwrap(), TokenType::Access),
        Err(AuthError::Expired)
    );
}

#[test]
fn another_key_signature_is_refused() {
    let other = JwtKeys::new(
        &Secret::new("other"),
        Duration::from_secs(60),
        Duration::ZERO,
    );
    let forged = other.issue("admin", TokenType::Access).unwrap();
    assert_eq!(
        keys().verify(&forged, TokenType::Access),
        Err(AuthError::Invalid)
    );
    let mut tampered = keys().issue("u", TokenType::Access).unwrap();
    tampered.pop();
    assert_eq!(
        keys().verify(&tampered, TokenType::Access),
        Err(AuthError::Invalid)
    );
}

/// A token that another service signed with the same secret is refused.
#[test]
fn another_issuer_or_audience_is_refused() {
    let t = now();
    let ours = Claims::new("u", t, t + 60, TokenType::Access);
    for theirs in [
        Claims {
            iss: "billing".into(),
            ..ours.clone()
        },
        Claims {
            aud: "billing-api".into(),
            ..ours.clone()
        },
    ] {
        let token = keys().sign(&theirs).unwrap();
        assert_eq!(
            keys().verify(&token, TokenType::Access),
            Err(AuthError::Invalid),
            "{theirs:?}"
        );
    }
    let token = keys().sign(&ours).unwrap();
    assert!(keys().verify(&token, TokenType::Access).is_ok());
}

#[test]
fn alg_none_is_refused() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let t = now();
    let payload = b64.encode(format!(
        r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","sub":"admin","iat":{t},"exp":{},"typ":"access"}}"#,
        t + 600
    ));
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        assert_eq!(
            keys().verify(&token, TokenType::Access),
            Err(AuthError::Invalid)
        );
    }
}

#[test]
fn garbage_is_refused() {
    for token in ["", "abc", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9.e30.xx"] {
        assert_eq!(
            keys().verify(token, TokenType::Access),
            Err(AuthError::Invalid),
            "{token}"
        );
    }
}

#[test]
fn debug_never_shows_the_key() {
    let keys = JwtKeys::new(&Secret::new("sup3r-s3cret"), Duration::ZERO, Duration::ZERO);
    assert!(!format!("{keys:?}").contains("sup3r-s3cret"));
}
