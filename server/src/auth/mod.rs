//! JWT building blocks: issuing and verifying access and refresh tokens, and a dropshot
//! extractor that admits only requests with a valid access token.
//!
//! Tokens are HS256-signed with `JWT_SECRET`. Access tokens live
//! `JWT_ACCESS_EXPIRE_MINUTES`, refresh tokens `JWT_REFRESH_EXPIRE_DAYS`; a `typ` claim
//! tells them apart, so a refresh token is never accepted where an access token is
//! expected (and the other way round). Verification allows 30 s of clock skew, accepts
//! HS256 only (`alg: none` and every other algorithm are refused), and requires `sub`,
//! `exp` and `iat`.
//!
//! To protect an endpoint, take [`BearerAuth`] as a parameter:
//!
//! ```ignore
//! async fn me(rqctx: RequestContext<ApiContext>, auth: BearerAuth)
//!     -> Result<HttpResponseOk<Me>, HttpError> {
//!     let user_id = &auth.claims().sub;
//!     // …
//! }
//! ```

mod extractor;
mod tokens;

pub use extractor::BearerAuth;
pub use tokens::{AuthError, Claims, JwtKeys, TokenType};
