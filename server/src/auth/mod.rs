//! JWT building blocks: issuing and verifying access and refresh tokens. An operation's
//! handler checks the request's access token with `crate::bearer_auth::authorize`.
//!
//! Tokens are HS256-signed with `JWT_SECRET`. Access tokens live
//! `JWT_ACCESS_EXPIRE_MINUTES`, refresh tokens `JWT_REFRESH_EXPIRE_DAYS`; a `typ` claim
//! tells them apart, so a refresh token is never accepted where an access token is
//! expected (and the other way round). Verification allows 30 s of clock skew, accepts
//! HS256 only (`alg: none` and every other algorithm are refused), and requires `sub`,
//! `exp` and `iat`.

mod revoked;
mod scopes;
mod tokens;

pub use revoked::Revoked;
pub use scopes::{Scope, Scopes};
pub use tokens::{AUDIENCE, AuthError, Claims, ISSUER, JwtKeys, TokenType};
