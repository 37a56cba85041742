//! Checking the access token of an operation that needs one: [`authorize`].
//!
//! An operation declares that it needs a token, and which scope, by taking
//! [`statusboard_api::Bearer`] as a parameter (the document then shows the
//! `Authorization` header and the scope). Its handler calls [`authorize`] first, inside
//! `respond`, so that the `401`/`403` carries the same headers as any other answer:
//!
//! ```ignore
//! async fn put_component(rqctx: RequestContext<ApiContext>, auth: Bearer<ComponentsWrite>, …)
//!     -> Result<ComponentSaved, HttpError> {
//!     respond(&rqctx, async {
//!         let claims = authorize(rqctx.context(), &auth)?;
//!         // … claims.sub is who asked
//!     }).await
//! }
//! ```

use dropshot::{ClientErrorStatusCode, HttpError};
use statusboard_api::{Bearer, RequiredScope, Scope};

use crate::auth::{AuthError, Claims, TokenType};
use crate::context::ApiContext;

/// The verified claims of the request's access token, when it carries the operation's
/// scope. Otherwise the error to answer: `401` (`error_code: "Unauthorized"`,
/// `WWW-Authenticate: Bearer`, with `error="invalid_request"` or `"invalid_token"` when a
/// header came, RFC 6750) or `403` (see [`insufficient_scope`]).
pub fn authorize<S: RequiredScope>(
    context: &ApiContext,
    bearer: &Bearer<S>,
) -> Result<Claims, HttpError> {
    let token = bearer_token(bearer.header())?;
    let claims = context.auth.verify(token, TokenType::Access)?;
    if claims
        .scope
        .split_whitespace()
        .any(|s| s == S::SCOPE.as_str())
    {
        Ok(claims)
    } else {
        Err(insufficient_scope(S::SCOPE, &claims.scope))
    }
}

/// The `403` for a token with the scopes `granted` but not `scope`
/// (`error_code: "InsufficientScope"`, `WWW-Authenticate: Bearer
/// error="insufficient_scope", scope="…"`, RFC 6750 section 3.1).
fn insufficient_scope(scope: Scope, granted: &str) -> HttpError {
    let mut error = HttpError::for_client_error(
        Some("InsufficientScope".to_owned()),
        ClientErrorStatusCode::FORBIDDEN,
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
        assert_eq!(error.status_code.as_u16(), 403);
        assert_eq!(error.error_code.as_deref(), Some("InsufficientScope"));
        assert!(error.external_message.contains("components:write"));
        assert!(
            error
                .external_message
                .ends_with("this one has reports:write")
        );
        let challenge = error
            .headers
            .as_deref()
            .and_then(|h| h.get(http::header::WWW_AUTHENTICATE))
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
