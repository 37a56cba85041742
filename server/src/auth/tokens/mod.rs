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
mod tests;
