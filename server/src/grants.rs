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
//!   who must ask the operator for a new grant. Within a few seconds of its rotation
//!   ([`JwtKeys::reuse_grace`]) it answers the same new pair instead (the response was
//!   lost on the way: the "reuse interval" of the big identity providers). A family lives
//!   [`JwtKeys::grant_lifetime`] from its first pair, however often it is refreshed.
//! * [`revoke`] revokes families, by subject or by id (`statusboard-server token revoke`).
//!
//! Access tokens carry their family (`fam`). A revocation is a change in the log
//! (`grant_revoked`, sent to no live subscriber), so every replica learns it within
//! seconds and refuses the family's access tokens (see [`crate::auth::Revoked`]).

use statusboard_api::{ApiError, ErrorCode, TokenKind, TokenResponse};

use crate::auth::{AuthError, Claims, JwtKeys, Scopes, TokenType};
use crate::changes::{self, Kind};
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
    /// The refresh token's family is older than the grants' lifetime.
    #[error("the grant is older than JWT_GRANT_MAX_DAYS: ask the operator for a new pair")]
    TooOld,
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
    let issued = connection
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
    pair(keys, subject, &scope, &issued)
}

/// A refresh token as recorded: its id, family, and times (seconds since the epoch), from
/// which its pair is signed, the same each time.
struct Issued {
    id: i64,
    family: i64,
    issued_at: u64,
    expires_at: u64,
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
    let grace = i64::try_from(keys.reuse_grace().as_secs()).unwrap_or(i64::MAX);
    let lifetime = i64::try_from(keys.grant_lifetime().as_secs()).unwrap_or(i64::MAX);
    /// What the transaction found, committed either way.
    enum Found {
        Pair {
            subject: String,
            scope: String,
            issued: Issued,
        },
        Failed(GrantError),
    }
    let mut connection = database.connection().await?;
    let found = connection
        .transaction(async |tx| {
            let row = tx
                .query_opt(
                    "SELECT f.id, f.subject, f.scope, f.revoked_at IS NOT NULL, \
                            t.used_at IS NOT NULL, \
                            f.created_at < now() - $2::bigint * interval '1 second', \
                            t.used_at >= now() - $3::bigint * interval '1 second' \
                     FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id \
                     WHERE t.id = $1 FOR UPDATE",
                    &[&id, &lifetime, &grace],
                )
                .await?;
            let Some(row) = row else {
                return Ok::<_, DatabaseError>(Found::Failed(GrantError::Unknown));
            };
            let (family, subject, scope): (i64, String, String) =
                (row.get(0), row.get(1), row.get(2));
            if row.get::<_, bool>(3) {
                return Ok(Found::Failed(GrantError::Revoked));
            }
            if row.get::<_, bool>(5) {
                return Ok(Found::Failed(GrantError::TooOld));
            }
            if row.get::<_, bool>(4) {
                // Used: within the grace, and if its successor is not used yet, the same
                // new pair again; otherwise a second use, which revokes the family.
                if row.get::<_, Option<bool>>(6) == Some(true)
                    && let Some(successor) = successor(tx, family, id).await?
                {
                    return Ok(Found::Pair {
                        subject,
                        scope,
                        issued: successor,
                    });
                }
                revoke_family(tx, family, "grants").await?;
                return Ok(Found::Failed(GrantError::Reused));
            }
            tx.execute(
                "UPDATE refresh_tokens SET used_at = now() WHERE id = $1",
                &[&id],
            )
            .await?;
            let issued = new_refresh_token(tx, family, keys).await?;
            Ok(Found::Pair {
                subject,
                scope,
                issued,
            })
        })
        .await?;
    match found {
        Found::Pair {
            subject,
            scope,
            issued,
        } => pair(keys, &subject, &scope, &issued),
        Found::Failed(error) => Err(error),
    }
}

/// The refresh token that replaced `id` in `family`, if it is not used yet.
async fn successor(
    tx: &Transaction<'_>,
    family: i64,
    id: i64,
) -> Result<Option<Issued>, DatabaseError> {
    let row = tx
        .query_opt(
            "SELECT id, family_id, extract(epoch FROM issued_at)::bigint, \
                    extract(epoch FROM expires_at)::bigint, used_at IS NULL \
             FROM refresh_tokens WHERE family_id = $1 AND id > $2 ORDER BY id LIMIT 1",
            &[&family, &id],
        )
        .await?;
    Ok(row
        .filter(|row| row.get::<_, bool>(4))
        .map(|row| issued_from(&row)))
}

/// Records a new refresh token of `family`, expiring after the refresh lifetime or with
/// the family, whichever comes first.
async fn new_refresh_token(
    tx: &Transaction<'_>,
    family: i64,
    keys: &JwtKeys,
) -> Result<Issued, DatabaseError> {
    let seconds = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    let lifetime = seconds(keys.lifetime(TokenType::Refresh));
    let grant = seconds(keys.grant_lifetime());
    let row = tx
        .query_one(
            "INSERT INTO refresh_tokens (family_id, issued_at, expires_at) \
             SELECT $1, now(), least(now() + $2::bigint * interval '1 second', \
                                     f.created_at + $3::bigint * interval '1 second') \
             FROM token_families f WHERE f.id = $1 \
             RETURNING id, family_id, extract(epoch FROM issued_at)::bigint, \
                       extract(epoch FROM expires_at)::bigint",
            &[&family, &lifetime, &grant],
        )
        .await?;
    Ok(issued_from(&row))
}

fn issued_from(row: &tokio_postgres::Row) -> Issued {
    let seconds = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or_default();
    Issued {
        id: row.get(0),
        family: row.get(1),
        issued_at: seconds(2),
        expires_at: seconds(3),
    }
}

/// Signs the pair of the refresh token `issued`: an access token with `scope` issued at
/// the same time, and the refresh token. The same `issued` signs the same pair.
fn pair(
    keys: &JwtKeys,
    subject: &str,
    scope: &str,
    issued: &Issued,
) -> Result<TokenResponse, GrantError> {
    let access_lifetime = keys.lifetime(TokenType::Access).as_secs();
    let access = Claims {
        scope: scope.to_owned(),
        fam: Some(issued.family),
        ..Claims::new(
            subject,
            issued.issued_at,
            issued.issued_at + access_lifetime,
            TokenType::Access,
        )
    };
    let refresh = Claims {
        scope: scope.to_owned(),
        jti: Some(issued.id.to_string()),
        fam: Some(issued.family),
        ..Claims::new(
            subject,
            issued.issued_at,
            issued.expires_at,
            TokenType::Refresh,
        )
    };
    Ok(TokenResponse {
        access_token: keys.sign(&access)?,
        refresh_token: keys.sign(&refresh)?,
        token_type: TokenKind::Bearer,
        expires_in: access.exp - access.iat,
        scope: scope.to_owned(),
    })
}

/// Which grants [`revoke`] revokes.
#[derive(Debug, Clone)]
pub enum Grants {
    /// Every grant of a subject.
    OfSubject(String),
    /// One grant, by its family id.
    Family(i64),
}

/// A grant that [`revoke`] revoked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RevokedGrant {
    /// Its family id (the `fam` of its tokens).
    pub family: i64,
    /// Who it was issued to.
    pub subject: String,
    /// What it allowed.
    pub scope: String,
}

/// Revokes the grants `which` names that are not revoked yet, for `by` (who asked: the
/// change log's subject); answers them. Every replica refuses their access tokens within
/// seconds.
pub async fn revoke(
    database: &Database,
    which: &Grants,
    by: &str,
) -> Result<Vec<RevokedGrant>, GrantError> {
    let mut connection = database.connection().await?;
    let revoked = connection
        .transaction(async |tx| {
            let rows = match which {
                Grants::OfSubject(subject) => {
                    tx.query(
                        "SELECT id, subject, scope FROM token_families \
                         WHERE subject = $1 AND revoked_at IS NULL ORDER BY id FOR UPDATE",
                        &[subject],
                    )
                    .await?
                }
                Grants::Family(family) => {
                    tx.query(
                        "SELECT id, subject, scope FROM token_families \
                         WHERE id = $1 AND revoked_at IS NULL FOR UPDATE",
                        &[family],
                    )
                    .await?
                }
            };
            let mut revoked = Vec::new();
            for row in rows {
                let grant = RevokedGrant {
                    family: row.get(0),
                    subject: row.get(1),
                    scope: row.get(2),
                };
                revoke_family(tx, grant.family, by).await?;
                revoked.push(grant);
            }
            Ok::<_, DatabaseError>(revoked)
        })
        .await?;
    Ok(revoked)
}

/// Marks `family` revoked and appends the change (`grant_revoked`, `{"family": id}`) that
/// tells every replica, in the transaction `tx`.
async fn revoke_family(tx: &Transaction<'_>, family: i64, by: &str) -> Result<(), DatabaseError> {
    tx.execute(
        "UPDATE token_families SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
        &[&family],
    )
    .await?;
    let data = serde_json::json!({ "family": family }).to_string();
    let kind = Kind::GrantRevoked.as_str();
    tx.query_typed(
        changes::APPEND_SQL,
        &[
            (&kind, tokio_postgres::types::Type::TEXT),
            (&by, tokio_postgres::types::Type::TEXT),
            (&data, tokio_postgres::types::Type::TEXT),
        ],
    )
    .await?;
    Ok(())
}
