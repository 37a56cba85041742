//! Who the client calls as: [`Session`], the client's tokens.
//!
//! Operations that change the board need an access token (the document names the scope
//! each one needs on its `Authorization` parameter). Rather than passing it to every
//! call, give it to the client once:
//!
//! * [`Session::anonymous`]: no token; reading the board needs none.
//! * [`Session::with_token`]: an access token, sent with every request.
//! * [`Session::with_tokens`]: a token pair from `statusboard-server token issue` (or
//!   an earlier refresh). When an answer is `401`, the client exchanges the refresh token
//!   for a new pair (`POST /api/v1/auth/refresh`) once, and sends the request again with
//!   the new access token. Concurrent calls that meet the same expired token refresh it
//!   once between them: a refresh token works only once, and presenting it twice would
//!   revoke the whole grant.
//!
//! `Debug` never shows a token.

use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use tokio::sync::Mutex;

use crate::types::{RefreshRequest, TokenResponse};

/// The client's tokens, shared by its clones; see the module docs.
#[derive(Clone, Default)]
pub struct Session {
    tokens: Option<Arc<Mutex<Tokens>>>,
}

/// The current tokens.
struct Tokens {
    /// `Bearer <access token>`, marked sensitive (reqwest keeps it out of its logs).
    authorization: HeaderValue,
    refresh_token: Option<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tokens = self.tokens.as_ref().map(|_| "[redacted]");
        f.debug_struct("Session").field("tokens", &tokens).finish()
    }
}

/// A token that cannot go in an HTTP header (it has characters a token never has).
#[derive(Debug, thiserror::Error)]
#[error("the access token cannot be sent in an Authorization header")]
pub struct InvalidToken;

impl Session {
    /// No token: for reading the board.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// An access token, sent as `Authorization: Bearer …` with every request. When it
    /// expires, answers are `401`.
    pub fn with_token(access_token: &str) -> Result<Self, InvalidToken> {
        Self::new(access_token, None)
    }

    /// A token pair: the access token is sent with every request, and refreshed with
    /// the refresh token when an answer is `401` (see the module docs).
    pub fn with_tokens(pair: &TokenResponse) -> Result<Self, InvalidToken> {
        Self::new(&pair.access_token, Some(pair.refresh_token.clone()))
    }

    fn new(access_token: &str, refresh_token: Option<String>) -> Result<Self, InvalidToken> {
        Ok(Self {
            tokens: Some(Arc::new(Mutex::new(Tokens {
                authorization: authorization(access_token)?,
                refresh_token,
            }))),
        })
    }

    /// The `Authorization` value to send now, if any.
    pub(crate) async fn authorization(&self) -> Option<HeaderValue> {
        let tokens = self.tokens.as_ref()?;
        Some(tokens.lock().await.authorization.clone())
    }

    /// Whether a `401` can be answered by refreshing.
    pub(crate) async fn can_refresh(&self) -> bool {
        match &self.tokens {
            Some(tokens) => tokens.lock().await.refresh_token.is_some(),
            None => false,
        }
    }

    /// After a `401` to a request sent with `rejected`: the `Authorization` value to send
    /// it again with, refreshing the pair unless another call already has. `None` when
    /// there is no refresh token or the refresh failed (the refresh token is then
    /// dropped: a spent or revoked one would only fail again).
    pub(crate) async fn refreshed(
        &self,
        http: &reqwest::Client,
        baseurl: &str,
        api_version: &'static str,
        rejected: &HeaderValue,
    ) -> Option<HeaderValue> {
        let mut tokens = self.tokens.as_ref()?.lock().await;
        if tokens.authorization != rejected {
            return Some(tokens.authorization.clone());
        }
        let refresh_token = tokens.refresh_token.take()?;
        let pair = http
            .post(format!("{baseurl}/api/v1/auth/refresh"))
            .header("api-version", api_version)
            .json(&RefreshRequest { refresh_token })
            .send()
            .await
            .ok()?
            .error_for_status()
            .ok()?
            .json::<TokenResponse>()
            .await
            .ok()?;
        tokens.authorization = authorization(&pair.access_token).ok()?;
        tokens.refresh_token = Some(pair.refresh_token);
        Some(tokens.authorization.clone())
    }
}

/// `Bearer <token>`, marked sensitive.
fn authorization(access_token: &str) -> Result<HeaderValue, InvalidToken> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {access_token}")).map_err(|_| InvalidToken)?;
    value.set_sensitive(true);
    Ok(value)
}

/// Sends `request` with the session's token (unless the caller set `Authorization`
/// itself), and, after a `401`, once more with a refreshed one.
pub(crate) async fn execute(
    session: &Session,
    http: &reqwest::Client,
    baseurl: &str,
    api_version: &'static str,
    mut request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    let ours = match session.authorization().await {
        Some(value) if !request.headers().contains_key(AUTHORIZATION) => {
            request.headers_mut().insert(AUTHORIZATION, value.clone());
            Some(value)
        }
        _ => None,
    };
    let again = match &ours {
        Some(_) if session.can_refresh().await => request.try_clone(),
        _ => None,
    };
    let response = http.execute(request).await?;
    if response.status() != reqwest::StatusCode::UNAUTHORIZED {
        return Ok(response);
    }
    let (Some(rejected), Some(mut again)) = (ours, again) else {
        return Ok(response);
    };
    match session
        .refreshed(http, baseurl, api_version, &rejected)
        .await
    {
        Some(value) => {
            again.headers_mut().insert(AUTHORIZATION, value);
            http.execute(again).await
        }
        None => Ok(response),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_token() {
        let session = Session::with_token("secret.token.value").unwrap();
        assert_eq!(
            format!("{session:?}"),
            "Session { tokens: Some(\"[redacted]\") }"
        );
        assert!(Session::with_token("bad\ntoken").is_err());
    }
}
