//! Answers that are not JSON ([`Rendered`]: an SVG badge, an Atom feed), and answers that
//! caches may keep and revalidate ([`Cacheable`]: `ETag`, `Cache-Control`, `304`).
//!
//! Dropshot describes a body that is not JSON as `*/*` with any schema; the operation's
//! description and its response's say what it is. Generated clients get the bytes
//! (progenitor's `ByteStream`, openapi-fetch's `parseAs: "text"`).

use std::marker::PhantomData;

use dropshot::{
    ApiEndpointResponse, Body, HttpError, HttpResponse, HttpResponseHeaders, HttpResponseOk,
};
use http::header::{self, HeaderMap};
use http::{Response, StatusCode};
use schemars::JsonSchema;
use serde::Serialize;

/// What a [`Rendered`] body is.
pub trait MediaType: Send + Sync + 'static {
    /// Its `Content-Type`.
    const CONTENT_TYPE: &'static str;
    /// What the document says the `200` answers.
    const DESCRIPTION: &'static str;
}

/// An SVG image.
#[derive(Debug)]
pub enum Svg {}

impl MediaType for Svg {
    const CONTENT_TYPE: &'static str = "image/svg+xml; charset=utf-8";
    const DESCRIPTION: &'static str = "An SVG image (`image/svg+xml`)";
}

/// An Atom feed (RFC 4287).
#[derive(Debug)]
pub enum Atom {}

impl MediaType for Atom {
    const CONTENT_TYPE: &'static str = "application/atom+xml; charset=utf-8";
    const DESCRIPTION: &'static str = "An Atom feed (`application/atom+xml`, RFC 4287)";
}

/// A `200` whose body is the text of a [`MediaType`].
#[derive(Debug)]
pub struct Rendered<M> {
    text: String,
    media: PhantomData<M>,
}

impl<M: MediaType> Rendered<M> {
    /// The answer `text`.
    pub fn new(text: String) -> Self {
        Self {
            text,
            media: PhantomData,
        }
    }

    /// Its body.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl<M: MediaType> HttpResponse for Rendered<M> {
    fn to_result(self) -> Result<Response<Body>, HttpError> {
        Ok(Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, M::CONTENT_TYPE)
            .body(Body::from(self.text))?)
    }

    fn response_metadata() -> ApiEndpointResponse {
        ApiEndpointResponse {
            schema: None,
            headers: Vec::new(),
            success: Some(StatusCode::OK),
            description: Some(M::DESCRIPTION.to_owned()),
        }
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::OK
    }
}

/// A success `T` that caches may keep: sent with its validator (`ETag`) and
/// `Cache-Control`, or, when the request already holds it (`If-None-Match`), `304 Not
/// Modified` with those headers and no body.
#[derive(Debug)]
pub struct Cacheable<T> {
    fresh: Option<T>,
    headers: HeaderMap,
}

impl<T> Cacheable<T> {
    /// `answer`, sent with `headers` (its `ETag` and `Cache-Control`).
    pub fn fresh(answer: T, headers: HeaderMap) -> Self {
        Self {
            fresh: Some(answer),
            headers,
        }
    }

    /// `304 Not Modified` with `headers`.
    pub fn not_modified(headers: HeaderMap) -> Self {
        Self {
            fresh: None,
            headers,
        }
    }

    /// The answer, unless it is a `304`.
    pub fn fresh_answer(&self) -> Option<&T> {
        self.fresh.as_ref()
    }
}

impl<T: HttpResponse + Send + Sync + 'static> HttpResponse for Cacheable<T> {
    fn to_result(self) -> Result<Response<Body>, HttpError> {
        let mut response = match self.fresh {
            Some(answer) => answer.to_result()?,
            None => Response::builder()
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())?,
        };
        response.headers_mut().extend(self.headers);
        Ok(response)
    }

    fn response_metadata() -> ApiEndpointResponse {
        let mut metadata = T::response_metadata();
        metadata.headers.extend(
            <HttpResponseHeaders<HttpResponseOk<()>, CacheHeaders>>::response_metadata().headers,
        );
        metadata
    }

    fn status_code(&self) -> StatusCode {
        match &self.fresh {
            Some(answer) => answer.status_code(),
            None => StatusCode::NOT_MODIFIED,
        }
    }
}

/// A JSON answer that caches may keep.
pub type CacheableJson<T> = Cacheable<HttpResponseOk<T>>;

/// The headers a [`Cacheable`] answer carries, as the document describes them.
#[derive(Serialize, JsonSchema)]
#[allow(dead_code)] // Only its schema is used.
struct CacheHeaders {
    /// The answer's validator: send it back in `If-None-Match` to get `304 Not Modified`
    /// while the answer has not changed.
    #[serde(rename = "ETag")]
    etag: String,
    /// How long caches may keep the answer.
    #[serde(rename = "Cache-Control")]
    cache_control: String,
}
