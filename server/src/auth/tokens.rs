//! Issuing and verifying tokens.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use statusboard_api::{ApiError, ErrorCode};

use crate::config::{Secret, Settings};

/// Clock skew tolerated when checking `exp`.
const LEEWAY: Duration = Duration::from_secs(30);

/// Who signs our tokens (`iss`): a token signed by another service, even with the same
/// secret, is refused (RFC 8725 §3.10).
pub const ISSUER: &str = "statusboard";

/// Whom our tokens are for (`aud`): this API alone.
pub const AUDIENCE: &str = "statusboard-api";

/// What a token is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    /// Authorises API requests; short-lived.
    Access,
    /// Only obtains new access tokens; long-lived.
    Refresh,
}

/// The claims a statusboard token carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The issuer: [`ISSUER`].
    pub iss: String,
    /// The audience: [`AUDIENCE`].
    pub aud: String,
    /// The subject: who the token was issued to.
    pub sub: String,
    /// Issued at, seconds since the Unix epoch.
    pub iat: u64,
    /// Expires at, seconds since the Unix epoch.
    pub exp: u64,
    /// Access or refresh.
    pub typ: TokenType,
    /// What the token allows: scopes, space-separated (see [`super::Scopes`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// The token's id; refresh tokens have one, recorded in PostgreSQL (see `grants`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// The grant (token family) the token belongs to, so that revoking the grant refuses
    /// its access tokens too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<i64>,
}

/// Why a token was refused. Every variant becomes `401`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization` header.
    #[error("missing Authorization header: expected `Authorization: Bearer <token>`")]
    MissingHeader,
    /// The header is not `Bearer <token>`.
    #[error("malformed Authorization header: expected `Authorization: Bearer <token>`")]
    MalformedHeader,
    /// The token has expired.
    #[error("the token has expired")]
    Expired,
    /// The token is of the other type.
    #[error("a {found:?} token cannot be used here: expected a {expected:?} token")]
    WrongType {
        /// The type this use needs.
        expected: TokenType,
        /// The type the token has.
        found: TokenType,
    },
    /// Bad signature, wrong algorithm, missing claims, not a JWT at all.
    #[error("invalid token")]
    Invalid,
    /// The token's grant was revoked (by the operator, or because a refresh token was
    /// used twice).
    #[error("the token's grant was revoked: ask the operator for a new token pair")]
    Revoked,
}

impl AuthError {
    /// The `WWW-Authenticate` challenge answering it (RFC 6750, section 3): a bare `Bearer`
    /// when no credentials came, with the error code when they did.
    pub fn challenge(&self) -> &'static str {
        match self {
            Self::MissingHeader => "Bearer",
            Self::MalformedHeader => "Bearer error=\"invalid_request\"",
            Self::Expired | Self::WrongType { .. } | Self::Invalid | Self::Revoked => {
                "Bearer error=\"invalid_token\""
            }
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        ApiError::new(ErrorCode::Unauthorized, error.to_string()).with_header(
            http::header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static(error.challenge()),
        )
    }
}

/// The signing keys and lifetimes. `Debug` never shows the key.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    access_lifetime: Duration,
    refresh_lifetime: Duration,
    /// How long a grant lives, however often it is refreshed.
    grant_lifetime: Duration,
    /// How long after a rotation the rotated refresh token still answers the same new pair.
    reuse_grace: Duration,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("key", &"[redacted]")
            .field("access_lifetime", &self.access_lifetime)
            .field("refresh_lifetime", &self.refresh_lifetime)
            .field("grant_lifetime", &self.grant_lifetime)
            .field("reuse_grace", &self.reuse_grace)
            .finish()
    }
}

impl JwtKeys {
    /// Keys from a secret and the two lifetimes.
    pub fn new(secret: &Secret, access_lifetime: Duration, refresh_lifetime: Duration) -> Self {
        let bytes = secret.expose().as_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            access_lifetime,
            refresh_lifetime,
            grant_lifetime: Duration::from_secs(90 * 86_400),
            reuse_grace: Duration::from_secs(10),
        }
    }

    /// These keys with a grant's absolute lifetime and the refresh token's reuse grace.
    pub fn with_grant_limits(mut self, grant_lifetime: Duration, reuse_grace: Duration) -> Self {
        self.grant_lifetime = grant_lifetime;
        self.reuse_grace = reuse_grace;
        self
    }

    /// How long a grant lives from its first pair, however often it is refreshed.
    pub fn grant_lifetime(&self) -> Duration {
        self.grant_lifetime
    }

    /// How long after a rotation the rotated refresh token still answers the same new
    /// pair (a response lost on the way), instead of revoking the grant.
    pub fn reuse_grace(&self) -> Duration {
        self.reuse_grace
    }

    /// Keys from `JWT_SECRET`, `JWT_ACCESS_EXPIRE_MINUTES` and `JWT_REFRESH_EXPIRE_DAYS`.
    pub fn from_settings(settings: &Settings) -> Self {
        Self::new(
            &settings.jwt_secret,
            Duration::from_secs(u64::from(settings.jwt_access_expire_minutes) * 60),
            Duration::from_secs(u64::from(settings.jwt_refresh_expire_days) * 86_400),
        )
        .with_grant_limits(
            Duration::from_secs(u64::from(settings.jwt_grant_max_days) * 86_400),
            Duration::from_secs(u64::from(settings.jwt_refresh_reuse_grace_seconds)),
        )
    }

    /// How long a token of `typ` lives.
    pub fn lifetime(&self, typ: TokenType) -> Duration {
        match typ {
            TokenType::Access => self.access_lifetime,
            TokenType::Refresh => self.refresh_lifetime,
        }
    }

    /// The claims of a token of `typ` for `subject`, valid from now for that type's
    /// lifetime.
    pub fn claims(&self, subject: &str, typ: TokenType) -> Claims {
        let iat = now();
        Claims::new(subject, iat, iat + self.lifetime(typ).as_secs(), typ)
    }

    /// Issues a token of `typ` for `subject`, valid from now for that type's lifetime.
    pub fn issue(&self, subject: &str, typ: TokenType) -> Result<String, AuthError> {
        self.sign(&self.claims(subject, typ))
    }

    /// Signs arbitrary claims (tests use it to make expired tokens).
    pub fn sign(&self, claims: &Claims) -> Result<String, AuthError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|_| AuthError::Invalid)
    }

    /// Verifies a token's signature, issuer, audience, expiry (with 30 s of leeway) and
    /// type.
    pub fn verify(&self, token: &str, expected: TokenType) -> Result<Claims, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY.as_secs();
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(
            |e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
                _ => AuthError::Invalid,
            },
        )?;
        if data.claims.typ != expected {
            return Err(AuthError::WrongType {
                expected,
                found: data.claims.typ,
            });
        }
        Ok(data.claims)
    }
}

impl Claims {
    /// Our issuer's and audience's claims for `sub`, issued at `iat`, expiring at `exp`
    /// (seconds since the Unix epoch).
    pub fn new(sub: &str, iat: u64, exp: u64, typ: TokenType) -> Self {
        Self {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: sub.to_owned(),
            iat,
            exp,
            typ,
            scope: String::new(),
            jti: None,
            fam: None,
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
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
}
