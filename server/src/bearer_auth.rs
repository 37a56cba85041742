//! `BearerAuth`: the dropshot extractor for `Authorization: Bearer <access token>`,
//! verified with the server context's keys (see [`crate::auth`]).
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

use std::any::Any;

use dropshot::{
    ApiEndpointBodyContentType, ClientErrorStatusCode, ExtensionMode, ExtractorMetadata,
    HttpError, RequestContext, ServerContext, SharedExtractor,
};

use crate::auth::{AuthError, Claims, Scope, TokenType};
use crate::context::ApiContext;

/// The verified claims of the request's access token. An endpoint that takes it as a
/// parameter answers `401` (dropshot's JSON error body, `error_code: "Unauthorized"`,
/// `WWW-Authenticate: Bearer`) to any request without a valid access token.
#[derive(Debug)]
pub struct BearerAuth(Claims);

impl BearerAuth {
    /// The verified claims.
    pub fn claims(&self) -> &Claims {
        &self.0
    }

    /// `Ok` when the token carries `scope`; otherwise the `403` to answer
    /// (`error_code: "InsufficientScope"`, `WWW-Authenticate: Bearer
    /// error="insufficient_scope", scope="…"`, RFC 6750 section 3.1).
    pub fn require(&self, scope: Scope) -> Result<(), HttpError> {
        if self.0.scope.split_whitespace().any(|s| s == scope.as_str()) {
            return Ok(());
        }
        let mut error = HttpError::for_client_error(
            Some("InsufficientScope".to_owned()),
            ClientErrorStatusCode::FORBIDDEN,
            format!(
                "this operation needs a token with the scope {scope}; this one has {}",
                if self.0.scope.is_empty() {
                    "none"
                } else {
                    &self.0.scope
                }
            ),
        );
        let challenge = format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\"");
        if let Ok(value) = http::HeaderValue::from_str(&challenge) {
            error
                .headers_mut()
                .insert(http::header::WWW_AUTHENTICATE, value);
        }
        Err(error)
    }
}

/// The token of an `Authorization: Bearer <token>` header value.
fn bearer_token(header: Option<&http::HeaderValue>) -> Result<&str, AuthError> {
    let value = header.ok_or(AuthError::MissingHeader)?;
    let value = value.to_str().map_err(|_| AuthError::MalformedHeader)?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(AuthError::MalformedHeader)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(' ') {
        return Err(AuthError::MalformedHeader);
    }
    Ok(token)
}

#[async_trait::async_trait]
impl SharedExtractor for BearerAuth {
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
    ) -> Result<Self, HttpError> {
        let context = (rqctx.context() as &dyn Any)
            .downcast_ref::<ApiContext>()
            .ok_or_else(|| {
                HttpError::for_internal_error(
                    "BearerAuth needs the ApiContext server context".into(),
                )
            })?;
        let result = bearer_token(rqctx.request.headers().get(http::header::AUTHORIZATION))
            .and_then(|token| context.auth.verify(token, TokenType::Access));
        match result {
            Ok(claims) => Ok(Self(claims)),
            Err(e) => {
                // Extractors run before the handler's `respond`: add its headers here.
                let mut error = HttpError::from(e);
                context
                    .cors
                    .apply(rqctx.request.headers(), error.headers_mut());
                Err(error)
            }
        }
    }

    fn metadata(_body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        ExtractorMetadata {
            extension_mode: ExtensionMode::None,
            parameters: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_scope_is_a_403_naming_it() {
        let mut claims = Claims::new("svc", 0, 1, TokenType::Access);
        claims.scope = "reports:write".to_owned();
        let auth = BearerAuth(claims);
        assert!(auth.require(Scope::ReportsWrite).is_ok());
        let error = auth.require(Scope::ComponentsWrite).unwrap_err();
        assert_eq!(error.status_code.as_u16(), 403);
        assert_eq!(error.error_code.as_deref(), Some("InsufficientScope"));
        assert!(error.external_message.contains("components:write"));
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

    fn header(value: &'static str) -> http::HeaderValue {
        http::HeaderValue::from_static(value)
    }

    #[test]
    fn reads_the_bearer_token() {
        assert_eq!(
            bearer_token(Some(&header("Bearer abc.def.ghi"))),
            Ok("abc.def.ghi")
        );
        assert_eq!(bearer_token(Some(&header("bearer  abc"))), Ok("abc"));
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
        ] {
            assert_eq!(
                bearer_token(Some(&header(bad))),
                Err(AuthError::MalformedHeader),
                "{bad}"
            );
        }
        let not_ascii = http::HeaderValue::from_bytes(b"Bearer \xff").unwrap();
        assert_eq!(
            bearer_token(Some(&not_ascii)),
            Err(AuthError::MalformedHeader)
        );
    }
}
