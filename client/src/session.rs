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
//! * [`Session::with_stored_tokens`]: the same, saving every new pair to a
//!   [`TokenStore`] (such as a [`FileTokenStore`](crate::FileTokenStore)) before using it,
//!   so that a service that restarts goes on from its latest pair.
//!
//! When the refresh itself is refused, the call answers the refresh's error, not the
//! `401`: `400` with `error_code` `InvalidGrant` when the grant is spent, revoked or too
//! old (ask the operator for a new pair: `statusboard-server token issue`). When the
//! refresh cannot get through (the connection fails, a `5xx`), the call answers that
//! transient failure and the session keeps its refresh token for the next call.
//!
//! `Debug` never shows a token.

use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use tokio::sync::Mutex;

use crate::tokens::TokenStore;
use crate::types::{RefreshRequest, TokenResponse};

/// Who the client calls as: its tokens, shared by its clones.
///
/// * [`Session::anonymous`]: no token; reading the board needs none.
/// * [`Session::with_token`]: an access token, sent with every call.
/// * [`Session::with_tokens`]: a token pair; a `401` is answered by refreshing the pair
///   once (concurrent calls refresh once between them) and sending the call again.
/// * [`Session::with_stored_tokens`]: the same, saving every new pair to a
///   [`TokenStore`] before using it, so that a restart goes on from the latest pair.
///
/// When the grant is gone, a call answers the refresh's `400` with `error_code`
/// `InvalidGrant` (ask the operator for a new pair), not the `401`; when the refresh cannot
/// get through, the transient failure, and the session keeps its refresh token. `Debug`
/// never shows a token.
#[derive(Clone, Default)]
pub struct Session {
    tokens: Option<Arc<Mutex<Tokens>>>,
}

/// The current tokens.
struct Tokens {
    /// `Bearer <access token>`, marked sensitive (reqwest keeps it out of its logs).
    authorization: HeaderValue,
    refresh_token: Option<String>,
    /// Where each new pair is saved.
    store: Option<Arc<dyn TokenStore>>,
    /// Why saving the last new pair failed, until the call that refreshed reports it.
    unsaved: Option<String>,
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
        Self::new(access_token, None, None)
    }

    /// A token pair: the access token is sent with every request, and refreshed with
    /// the refresh token when an answer is `401` (see [`Session`]).
    pub fn with_tokens(pair: &TokenResponse) -> Result<Self, InvalidToken> {
        Self::new(&pair.access_token, Some(pair.refresh_token.clone()), None)
    }

    /// A token pair, as [`with_tokens`](Self::with_tokens), whose every new pair is saved
    /// to `store` before the session uses it (see [`TokenStore`]). Start it from the pair
    /// the store holds, or, the first time, from the one the operator granted.
    pub fn with_stored_tokens(
        pair: &TokenResponse,
        store: impl TokenStore,
    ) -> Result<Self, InvalidToken> {
        let store: Arc<dyn TokenStore> = Arc::new(store);
        Self::new(
            &pair.access_token,
            Some(pair.refresh_token.clone()),
            Some(store),
        )
    }

    fn new(
        access_token: &str,
        refresh_token: Option<String>,
        store: Option<Arc<dyn TokenStore>>,
    ) -> Result<Self, InvalidToken> {
        Ok(Self {
            tokens: Some(Arc::new(Mutex::new(Tokens {
                authorization: authorization(access_token)?,
                refresh_token,
                store,
                unsaved: None,
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

    /// After a `401` to a request sent with `rejected`: what to do, refreshing the pair
    /// unless another call already has (see [`Refresh`]).
    async fn refresh(
        &self,
        http: &reqwest::Client,
        baseurl: &str,
        api_version: &'static str,
        rejected: &HeaderValue,
    ) -> Refresh {
        let Some(tokens) = &self.tokens else {
            return Refresh::Nothing;
        };
        let mut tokens = tokens.lock().await;
        if tokens.authorization != rejected {
            return Refresh::Send(tokens.authorization.clone());
        }
        let Some(refresh_token) = tokens.refresh_token.take() else {
            return Refresh::Nothing;
        };
        let answer = http
            .post(format!("{baseurl}/api/v1/auth/refresh"))
            .header("api-version", api_version)
            .json(&RefreshRequest {
                refresh_token: refresh_token.clone(),
            })
            .send()
            .await;
        let answer = match answer {
            Ok(answer) if answer.status().is_success() => answer,
            Ok(refused) => {
                // A 4xx: the refresh token grants nothing more. Anything else may pass later.
                if !refused.status().is_client_error() {
                    tokens.refresh_token = Some(refresh_token);
                }
                return Refresh::Answer(refused);
            }
            Err(e) => {
                tokens.refresh_token = Some(refresh_token);
                return Refresh::Failed(e);
            }
        };
        let pair = match answer.json::<TokenResponse>().await {
            Ok(pair) => pair,
            Err(e) => {
                // Cut off: the server may have rotated; within its grace period the same
                // refresh token answers the same pair again.
                tokens.refresh_token = Some(refresh_token);
                return Refresh::Failed(e);
            }
        };
        let Ok(value) = authorization(&pair.access_token) else {
            return Refresh::Nothing;
        };
        tokens.authorization = value.clone();
        tokens.refresh_token = Some(pair.refresh_token.clone());
        if let Some(store) = &tokens.store
            && let Err(e) = store.save(&pair)
        {
            tokens.unsaved = Some(format!(
                "the token pair was refreshed, but saving the new pair failed ({e}); the \
                 request was not sent again. The session goes on with the new pair, but a \
                 restart from the store would present a spent refresh token"
            ));
            return Refresh::Unsaved;
        }
        Refresh::Send(value)
    }

    /// Why the last refresh's new pair could not be saved, once (the call that refreshed
    /// fails with it).
    pub(crate) async fn take_unsaved(&self) -> Option<String> {
        self.tokens.as_ref()?.lock().await.unsaved.take()
    }
}

/// What follows a `401`.
enum Refresh {
    /// Send the request again with this `Authorization`.
    Send(HeaderValue),
    /// Answer the call with the refresh's own answer: its `400 InvalidGrant`, or a `5xx`.
    Answer(reqwest::Response),
    /// The refresh did not get through: answer the call with that failure.
    Failed(reqwest::Error),
    /// The new pair could not be saved: answer the `401`, and report it (the `post` hook).
    Unsaved,
    /// Nothing to refresh with: answer the `401`.
    Nothing,
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
    match session.refresh(http, baseurl, api_version, &rejected).await {
        Refresh::Send(value) => {
            again.headers_mut().insert(AUTHORIZATION, value);
            http.execute(again).await
        }
        Refresh::Answer(answer) => Ok(answer),
        Refresh::Failed(error) => Err(error),
        Refresh::Unsaved | Refresh::Nothing => Ok(response),
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
