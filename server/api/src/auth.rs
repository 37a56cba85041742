//! What the API says about tokens: the [`Scope`]s an operation can need, the [`Bearer`]
//! extractor that declares and reads `Authorization: Bearer …`, and the token pair that
//! `POST /api/v1/auth/refresh` answers.
//!
//! Dropshot 0.18 writes no `securitySchemes`, so an operation that needs a token declares
//! the `Authorization` header as an (optional) parameter whose description names the
//! scope; Redoc, openapi-typescript and progenitor all show it. It is optional in the
//! document so that generated clients let a caller set the token once, as a default
//! header, rather than on every call; without it the server answers `401`.

use std::marker::PhantomData;

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ExtractorMetadata, Header, HttpError, RequestContext,
    ServerContext, SharedExtractor,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One permission a token can carry (OAuth 2.0 scopes, RFC 6749 section 3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Create, update and delete components.
    ComponentsWrite,
    /// Record status reports.
    ReportsWrite,
    /// Open and update incidents; announce and update scheduled maintenance.
    IncidentsWrite,
    /// Make, read, rotate and delete webhook subscriptions, and see and retry their
    /// deliveries.
    WebhooksWrite,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Self; 4] = [
        Self::ComponentsWrite,
        Self::ReportsWrite,
        Self::IncidentsWrite,
        Self::WebhooksWrite,
    ];

    /// Its name: `components:write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ComponentsWrite => "components:write",
            Self::ReportsWrite => "reports:write",
            Self::IncidentsWrite => "incidents:write",
            Self::WebhooksWrite => "webhooks:write",
        }
    }

    /// The scope called `name`, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scope an operation needs, as a type: the parameter of [`Bearer`].
pub trait RequiredScope: Send + Sync + 'static {
    /// The scope.
    const SCOPE: Scope;
}

/// [`Scope::ComponentsWrite`] as a type.
#[derive(Debug)]
pub enum ComponentsWrite {}

impl RequiredScope for ComponentsWrite {
    const SCOPE: Scope = Scope::ComponentsWrite;
}

/// [`Scope::ReportsWrite`] as a type.
#[derive(Debug)]
pub enum ReportsWrite {}

impl RequiredScope for ReportsWrite {
    const SCOPE: Scope = Scope::ReportsWrite;
}

/// [`Scope::IncidentsWrite`] as a type.
#[derive(Debug)]
pub enum IncidentsWrite {}

impl RequiredScope for IncidentsWrite {
    const SCOPE: Scope = Scope::IncidentsWrite;
}

/// [`Scope::WebhooksWrite`] as a type.
#[derive(Debug)]
pub enum WebhooksWrite {}

impl RequiredScope for WebhooksWrite {
    const SCOPE: Scope = Scope::WebhooksWrite;
}

/// The `Authorization` header of an operation that needs an access token with the scope
/// `S`. Extracting it never fails: the server checks the token (and answers `401` or
/// `403`) inside the handler, so that those answers carry the same headers as any other.
pub struct Bearer<S> {
    header: Option<String>,
    scope: PhantomData<S>,
}

impl<S: RequiredScope> Bearer<S> {
    /// The header's value (`Bearer <token>`), when the request has one.
    pub fn header(&self) -> Option<&str> {
        self.header.as_deref()
    }

    /// The scope the operation needs.
    pub fn scope(&self) -> Scope {
        S::SCOPE
    }
}

impl<S> std::fmt::Debug for Bearer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let header = self.header.as_ref().map(|_| "[redacted]");
        f.debug_struct("Bearer").field("header", &header).finish()
    }
}

/// The header as the document declares it (its description is replaced per scope).
#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)]
struct AuthorizationHeader {
    #[serde(rename = "Authorization")]
    authorization: Option<String>,
}

#[async_trait]
impl<S: RequiredScope> SharedExtractor for Bearer<S> {
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
    ) -> Result<Self, HttpError> {
        let header = rqctx
            .request
            .headers()
            .get(http::header::AUTHORIZATION)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        Ok(Self {
            header,
            scope: PhantomData,
        })
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        let mut metadata =
            <Header<AuthorizationHeader> as SharedExtractor>::metadata(body_content_type);
        for parameter in &mut metadata.parameters {
            parameter.description = Some(format!(
                "`Bearer <access token>`: a token with the scope `{}` (`statusboard-server \
                 token issue`). Required by the server (`401` without it, `403` without the \
                 scope); optional here so that clients can set it once for every request.",
                S::SCOPE
            ));
        }
        metadata
    }
}

/// A refresh token to exchange for a new token pair.
#[derive(Clone, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct RefreshRequest {
    /// The refresh token of the latest pair. It works once.
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh_token", &"[redacted]")
            .finish()
    }
}

/// A token pair, in OAuth 2.0's token-response shape (RFC 6749, section 5.1). `Debug`
/// never shows the tokens.
#[derive(Clone, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct TokenResponse {
    /// The access token, for `Authorization: Bearer …`.
    pub access_token: String,
    /// The refresh token, for a new pair once the access token expires. It works once:
    /// presented again, it revokes every token of its grant.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: TokenKind,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// What the tokens allow, space-separated (`components:write reports:write`).
    pub scope: String,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("refresh_token", &"[redacted]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish()
    }
}

/// How to present the access token.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum TokenKind {
    /// `Authorization: Bearer <access token>` (RFC 6750).
    Bearer,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_tokens() {
        let pair = TokenResponse {
            access_token: "secret-access".to_owned(),
            refresh_token: "secret-refresh".to_owned(),
            token_type: TokenKind::Bearer,
            expires_in: 60,
            scope: "reports:write".to_owned(),
        };
        let shown = format!(
            "{pair:?} {:?}",
            RefreshRequest {
                refresh_token: "secret-refresh".to_owned()
            }
        );
        assert!(!shown.contains("secret"), "{shown}");
        assert_eq!(serde_json::to_value(&pair).unwrap()["token_type"], "Bearer");
    }

    #[test]
    fn scopes_round_trip_by_name() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("admin"), None);
    }
}
