//! What every endpoint answers: [`Answer`], its success or its error, either one with the
//! headers the server adds (CORS, `Retry-After`, `WWW-Authenticate`, …).
//!
//! Dropshot sends a handler's error without headers. So a handler answers its error
//! through the success path, as an [`Answered`] holding the error: the document still
//! shows the success type as the success and the error type (`ApiError`) for `4XX`/`5XX`,
//! and the error goes out with the same headers as any answer.

use dropshot::{ApiEndpointResponse, Body, HttpError, HttpResponse};
use http::{HeaderMap, Response, StatusCode};
use serde::Serialize;

use crate::error::ApiError;
use crate::system::NotReady;

/// An endpoint's result: always `Ok` from the server's handlers, whose errors are inside
/// the [`Answered`]; the error type is what the document shows for `4XX` and `5XX`.
pub type Answer<T, E = ApiError> = Result<Answered<T, E>, E>;

/// The result of an operation as the versions before `ERROR_CODES` (5.0.0) describe it:
/// the same answer, with dropshot's `Error` schema for `4XX` and `5XX`.
pub type LegacyAnswer<T> = Result<Answered<T>, dropshot::HttpError>;

/// The `101 Switching Protocols` of a WebSocket upgrade, which dropshot names but does
/// not export (it is the success of [`dropshot::WebsocketEndpointResult`]).
pub type SwitchingToWebsocket = <dropshot::WebsocketEndpointResult as Outcome>::Success;

/// The success type of a `Result`, to name [`SwitchingToWebsocket`].
#[doc(hidden)]
pub trait Outcome {
    /// The `T` of `Result<T, E>`.
    type Success;
}

impl<T, E> Outcome for Result<T, E> {
    type Success = T;
}

/// An error type that an [`Answered`] can send: a JSON body, a status, headers.
pub trait ErrorBody: Serialize {
    /// The status it is answered with.
    fn status(&self) -> StatusCode;
    /// Its own headers, to send.
    fn headers_mut(&mut self) -> &mut HeaderMap;
    /// Records the id of the request it answers.
    fn set_request_id(&mut self, id: &str);
}

impl ErrorBody for ApiError {
    fn status(&self) -> StatusCode {
        ApiError::status(self).as_status()
    }
    fn headers_mut(&mut self) -> &mut HeaderMap {
        ApiError::headers_mut(self)
    }
    fn set_request_id(&mut self, id: &str) {
        id.clone_into(&mut self.request_id);
    }
}

impl ErrorBody for NotReady {
    fn status(&self) -> StatusCode {
        dropshot::HttpResponseError::status_code(self).as_status()
    }
    fn headers_mut(&mut self) -> &mut HeaderMap {
        NotReady::headers_mut(self)
    }
    fn set_request_id(&mut self, id: &str) {
        id.clone_into(&mut self.request_id);
    }
}

/// A handler's success `T` or error `E`, with the headers to send with either.
#[derive(Debug)]
pub struct Answered<T, E = ApiError> {
    result: Result<T, E>,
    headers: HeaderMap,
    /// A success the client already holds: sent as `304 Not Modified`, with the headers
    /// and no body (see [`Answered::not_modified`]).
    not_modified: bool,
}

impl<T: HttpResponse, E: ErrorBody> Answered<T, E> {
    /// The answer for `result`, with no extra headers yet.
    pub fn new(result: Result<T, E>) -> Self {
        Self {
            result,
            headers: HeaderMap::new(),
            not_modified: false,
        }
    }

    /// Sends a success as `304 Not Modified` (no body), for a conditional request whose
    /// validator matches: the document keeps describing the `200`, which every client that
    /// sends no `If-None-Match` gets.
    pub fn not_modified(&mut self) {
        self.not_modified = self.result.is_ok();
    }

    /// The success or the error it holds.
    pub fn result(&self) -> &Result<T, E> {
        &self.result
    }

    /// The status it goes out with.
    pub fn status(&self) -> StatusCode {
        match &self.result {
            Ok(_) if self.not_modified => StatusCode::NOT_MODIFIED,
            Ok(success) => success.status_code(),
            Err(error) => error.status(),
        }
    }

    /// This answer with its result turned by `f`, its headers kept.
    pub fn map_result<U, F>(self, f: impl FnOnce(Result<T, E>) -> Result<U, F>) -> Answered<U, F> {
        Answered {
            result: f(self.result),
            headers: self.headers,
            not_modified: self.not_modified,
        }
    }

    /// The headers sent with it, besides the success's or the error's own.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }
}

impl<T, E> HttpResponse for Answered<T, E>
where
    T: HttpResponse + Send + Sync + 'static,
    E: ErrorBody + Send + Sync + 'static,
{
    fn to_result(self) -> Result<Response<Body>, HttpError> {
        let mut response = match self.result {
            Ok(_) if self.not_modified => Response::builder()
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())?,
            Ok(success) => success.to_result()?,
            Err(mut error) => {
                let body = serde_json::to_vec(&error)
                    .map_err(|e| HttpError::for_internal_error(e.to_string()))?;
                let mut response = Response::builder()
                    .status(error.status())
                    .header(http::header::CONTENT_TYPE, dropshot::CONTENT_TYPE_JSON)
                    .body(Body::from(body))?;
                append(response.headers_mut(), error.headers_mut());
                response
            }
        };
        append(response.headers_mut(), &self.headers);
        Ok(response)
    }

    fn response_metadata() -> ApiEndpointResponse {
        T::response_metadata()
    }

    fn status_code(&self) -> StatusCode {
        self.status()
    }
}

/// `answer` as an older version of its operation describes it: its success through `f`
/// (dropping what the older version lacks), its error as that version's error type.
pub fn earlier<T, U, E, F>(answer: Answer<T, E>, f: impl FnOnce(T) -> U) -> Answer<U, F>
where
    E: Into<F>,
{
    match answer {
        Ok(Answered {
            result,
            headers,
            not_modified,
        }) => Ok(Answered {
            result: result.map(f).map_err(Into::into),
            headers,
            not_modified,
        }),
        Err(error) => Err(error.into()),
    }
}

/// Adds every value of `from` to `to`, beside the values `to` has (two `Vary` lines stay
/// two).
fn append(to: &mut HeaderMap, from: &HeaderMap) {
    for (name, value) in from {
        to.append(name.clone(), value.clone());
    }
}
