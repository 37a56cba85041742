//! Token grants: a token pair for a subject and its scopes, and the rotation of refresh
//! tokens (OAuth 2.0 Security Best Current Practice, section 4.14).
//!
//! Access tokens are stateless: their signature, claims and expiry are all there is to
//! check. Each refresh token belongs to a *family*, the chain of refresh tokens that one
//! grant started, kept in PostgreSQL (`token_families`, `refresh_tokens`):
//!
//! * [`issue`] starts a family and answers its first pair (`statusboard-server token
//!   issue`);
//! * [`refresh`] takes the family's current refresh token, marks it used and answers a new
//!   pair. A refresh token works once: presented again, it revokes its whole family, so a
//!   stolen refresh token stops working for the thief and for the rightful holder alike,
//!   who must ask the operator for a new grant.

use statusboard_api::{ApiError, ErrorCode, TokenKind, TokenResponse};

use crate::auth::{AuthError, Claims, JwtKeys, Scopes, TokenType};
use crate::database::{Database, DatabaseError, Transaction};

/// Why no pair was granted.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// The refresh token is not a valid refresh token of ours (signature, expiry, type).
    #[error(transparent)]
    Token(#[from] AuthError),
    /// The refresh token was used before: its family is now revoked.
    #[error("the refresh token was already used: every token of its grant is revoked")]
    Reused,
    /// The refresh token's family was revoked earlier.
    #[error("the refresh token's grant was revoked")]
    Revoked,
    /// The refresh token is unknown here (its record is gone).
    #[error("unknown refresh token")]
    Unknown,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

/// `400 InvalidGrant` (OAuth 2.0's `invalid_grant`) for a refresh token that grants
/// nothing; the database's errors as usual.
impl From<GrantError> for ApiError {
    fn from(error: GrantError) -> Self {
        match error {
            GrantError::Database(e) => e.into(),
            other => ApiError::new(ErrorCode::InvalidGrant, other.to_string()),
        }
    }
}

/// Starts a family for `subject` with `scopes` and answers its first pair.
pub async fn issue(
    database: &Database,
    keys: &JwtKeys,
    subject: &str,
    scopes: &Scopes,
) -> Result<TokenResponse, GrantError> {
    let scope = scopes.to_string();
    let mut connection = database.connection().await?;
    let refresh_id = connection
        .transaction(async |tx| {
            let family: i64 = tx
                .query_one(
                    "INSERT INTO token_families (subject, scope) VALUES ($1, $2) RETURNING id",
                    &[&subject, &scope],
                )
                .await?
                .get(0);
            new_refresh_token(tx, family, keys).await
        })
        .await?;
    pair(keys, subject, &scope, refresh_id)
}

/// Exchanges the family's current refresh token for a new pair; see the module docs.
pub async fn refresh(
    database: &Database,
    keys: &JwtKeys,
    refresh_token: &str,
) -> Result<TokenResponse, GrantError> {
    let claims = keys.verify(refresh_token, TokenType::Refresh)?;
    let id: i64 = claims
        .jti
        .as_deref()
        .and_then(|jti| jti.parse().ok())
        .ok_or(GrantError::Token(AuthError::Invalid))?;
    /// What the transaction found, committed either way.
    enum Found {
        Rotated {
            subject: String,
            scope: String,
            refresh_id: i64,
        },
        Reused,
        Revoked,
        Unknown,
    }
    let mut connection = database.connection().await?;
    let found = connection
        .transaction(async |tx| {
            let row = tx
                .query_opt(
                    "SELECT f.id, f.subject, f.scope, f.revoked_at IS NOT NULL, \
                            t.used_at IS NOT NULL \
                     FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id \
                     WHERE t.id = $1 FOR UPDATE",
                    &[&id],
                )
                .await?;
            let Some(row) = row else {
                return Ok::<_, DatabaseError>(Found::Unknown);
            };
            let family: i64 = row.get(0);
            if row.get::<_, bool>(3) {
                return Ok(Found::Revoked);
            }
            if row.get::<_, bool>(4) {
                tx.execute(
                    "UPDATE token_families SET revoked_at = now() WHERE id = $1",
                    &[&family],
                )
                .await?;
                return Ok(Found::Reused);
            }
            tx.execute(
                "UPDATE refresh_tokens SET used_at = now() WHERE id = $1",
                &[&id],
            )
            .await?;
            Ok(Found::Rotated {
                subject: row.get(1),
                scope: row.get(2),
                refresh_id: new_refresh_token(tx, family, keys).await?,
            })
        })
        .await?;
    match found {
        Found::Rotated {
            subject,
            scope,
            refresh_id,
        } => pair(keys, &subject, &scope, refresh_id),
        Found::Reused => Err(GrantError::Reused),
        Found::Revoked => Err(GrantError::Revoked),
        Found::Unknown => Err(GrantError::Unknown),
    }
}

/// Records a new refresh token of `family`; its id.
async fn new_refresh_token(
    tx: &Transaction<'_>,
    family: i64,
    keys: &JwtKeys,
) -> Result<i64, DatabaseError> {
    let lifetime = i64::try_from(keys.lifetime(TokenType::Refresh).as_secs()).unwrap_or(i64::MAX);
    let row = tx
        .query_one(
            "INSERT INTO refresh_tokens (family_id, expires_at) \
             VALUES ($1, now() + $2::bigint * interval '1 second') RETURNING id",
            &[&family, &lifetime],
        )
        .await?;
    Ok(row.get(0))
}

/// Signs the pair: an access token with `scope`, the refresh token `refresh_id`.
fn pair(
    keys: &JwtKeys,
    subject: &str,
    scope: &str,
    refresh_id: i64,
) -> Result<TokenResponse, GrantError> {
    let access = Claims {
        scope: scope.to_owned(),
        ..keys.claims(subject, TokenType::Access)
    };
    let refresh = Claims {
        scope: scope.to_owned(),
        jti: Some(refresh_id.to_string()),
        ..keys.claims(subject, TokenType::Refresh)
    };
    Ok(TokenResponse {
        access_token: keys.sign(&access)?,
        refresh_token: keys.sign(&refresh)?,
        token_type: TokenKind::Bearer,
        expires_in: access.exp - access.iat,
        scope: scope.to_owned(),
    })
}
