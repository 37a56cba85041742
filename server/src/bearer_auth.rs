//! Checking the access token of an operation that needs one: [`authorize`].
//!
//! An operation declares that it needs a token, and which scope, by taking
//! [`statusboard_api::Bearer`] as a parameter (the document then shows the
//! `Authorization` header and the scope). Its handler calls [`authorize`] first, inside
//! `respond`, so that the `401`/`403` carries the same headers as any other answer, and
//! hands the [`Actor`] it gets to the write, which cannot run without one:
//!
//! ```text
//! async fn delete_component(rqctx: RequestContext<ApiContext>, auth: Bearer<ComponentsWrite>, …)
//!     -> Answer<HttpResponseDeleted> {
//!     respond(&rqctx, async {
//!         let actor = authorize(rqctx.context(), &auth)?;
//!         components::delete(&rqctx.context().database, &slug, &actor).await?;
//!         Ok(HttpResponseDeleted())
//!     }).await
//! }
//! ```

use std::marker::PhantomData;

use statusboard_api::{ApiError, Bearer, ErrorCode, RequiredScope, Scope};

use crate::auth::{AuthError, TokenType};
use crate::context::ApiContext;

/// Who is writing, proved: the subject of a verified access token that carries the scope
/// `S`. Only [`authorize`] makes one from a request, and every write to the board takes
/// one, so a handler that skips the check does not compile. The subject is what the
/// change log records as who made the change.
#[derive(Debug)]
pub struct Actor<S> {
    subject: String,
    scope: PhantomData<S>,
}

impl<S: RequiredScope> Actor<S> {
    /// A write the server makes itself, under a fixed name (`github`, `scheduler`), and
    /// tests; never one a request asks for (a request's writer comes from [`authorize`]).
    pub fn internal(subject: &'static str) -> Self {
        Self {
            subject: subject.to_owned(),
            scope: PhantomData,
        }
    }

    /// The token's subject: who made the change.
    pub fn subject(&self) -> &str {
        &self.subject
    }
}

/// The writer of the request, when its access token is valid, its grant not revoked, and
/// it carries the operation's scope. Otherwise the error to answer: `401` (`error_code: "Unauthorized"`,
/// `WWW-Authenticate: Bearer`, with `error="invalid_request"` or `"invalid_token"` when a
/// header came, RFC 6750) or `403` (see `insufficient_scope`).
pub fn authorize<S: RequiredScope>(
    context: &ApiContext,
    bearer: &Bearer<S>,
) -> Result<Actor<S>, ApiError> {
    let token = bearer_token(bearer.header())?;
    let claims = context.auth.verify(token, TokenType::Access)?;
    if claims
        .fam
        .is_some_and(|family| context.hub.revoked().contains(family))
    {
        return Err(AuthError::Revoked.into());
    }
    if claims
        .scope
        .split_whitespace()
        .any(|s| s == S::SCOPE.as_str())
    {
        Ok(Actor {
            subject: claims.sub,
            scope: PhantomData,
        })
    } else {
        Err(insufficient_scope(S::SCOPE, &claims.scope))
    }
}

/// The `403` for a token with the scopes `granted` but not `scope`
/// (`error_code: "InsufficientScope"`, `WWW-Authenticate: Bearer
/// error="insufficient_scope", scope="…"`, RFC 6750 section 3.1).
fn insufficient_scope(scope: Scope, granted: &str) -> ApiError {
    let mut error = ApiError::new(
        ErrorCode::InsufficientScope,
        format!(
            "this operation needs a token with the scope {scope}; this one has {}",
            if granted.is_empty() { "none" } else { granted }
        ),
    );
    let challenge = format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\"");
    if let Ok(value) = http::HeaderValue::from_str(&challenge) {
        error
            .headers_mut()
            .insert(http::header::WWW_AUTHENTICATE, value);
    }
    error
}

/// The token of an `Authorization: Bearer <token>` header value.
fn bearer_token(header: Option<&str>) -> Result<&str, AuthError> {
    let value = header.ok_or(AuthError::MissingHeader)?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(AuthError::MalformedHeader)?;
    let token = token.trim();
    // RFC 6750's b64token: visible ASCII only.
    let visible = token.bytes().all(|b| b.is_ascii_graphic());
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || !visible {
        return Err(AuthError::MalformedHeader);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_scope_is_a_403_naming_it() {
        let error = insufficient_scope(Scope::ComponentsWrite, "reports:write");
        assert_eq!(error.status().as_u16(), 403);
        assert_eq!(error.error_code, ErrorCode::InsufficientScope);
        assert!(error.message.contains("components:write"));
        assert!(error.message.ends_with("this one has reports:write"));
        let challenge = error
            .header(http::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok());
        assert_eq!(
            challenge,
            Some("Bearer error=\"insufficient_scope\", scope=\"components:write\"")
        );
    }

    #[test]
    fn reads_the_bearer_token() {
        assert_eq!(bearer_token(Some("Bearer abc.def.ghi")), Ok("abc.def.ghi"));
        assert_eq!(bearer_token(Some("bearer  abc")), Ok("abc"));
    }

    #[test]
    fn refuses_malformed_headers() {
        assert_eq!(bearer_token(None), Err(AuthError::MissingHeader));
        for bad in [
            "",
            "Bearer",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "Token abc",
            "Bearer a b",
            "Bearer \u{fffd}",
        ] {
            assert_eq!(
                bearer_token(Some(bad)),
                Err(AuthError::MalformedHeader),
                "{bad}"
            );
        }
    }
}
