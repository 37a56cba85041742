//! Extractors whose failure the handler answers: [`Deferred`] (for path, query and
//! header parameters) and [`DeferredBody`] (for a request body).
//!
//! When one of dropshot's extractors fails (a malformed body, a query parameter of the
//! wrong type), dropshot answers the `400` itself, before the handler runs, so the answer
//! lacks what the server adds to every other one: CORS headers above all, without which
//! a browser hides the `400`'s message from the page that needs it. Wrapped in these, the
//! extractor's result reaches the handler, which unwraps it with
//! [`get`](Deferred::get)`?` inside its usual answer path. The document is the same as
//! with the bare extractor.

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ExclusiveExtractor, ExtractorMetadata, HttpError, RequestContext,
    ServerContext, SharedExtractor,
};

/// A shared extractor `X` (`Path`, `Query`, `Header`) whose failure the handler answers.
#[derive(Debug)]
pub struct Deferred<X>(Result<X, HttpError>);

impl<X> Deferred<X> {
    /// The extracted value, or the `400` to answer.
    pub fn get(self) -> Result<X, HttpError> {
        self.0
    }

    /// The extracted value turned into another (as an earlier version's twin hands its
    /// parameters on), or the same `400`.
    pub fn map<Y>(self, f: impl FnOnce(X) -> Y) -> Deferred<Y> {
        Deferred(self.0.map(f))
    }

    /// The extracted value turned into another by a check that may refuse it (as an
    /// earlier version's twin parses what its document left unchecked), or the `400`.
    pub fn and_then<Y>(self, f: impl FnOnce(X) -> Result<Y, HttpError>) -> Deferred<Y> {
        Deferred(self.0.and_then(f))
    }
}

#[async_trait]
impl<X: SharedExtractor + 'static> SharedExtractor for Deferred<X> {
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
    ) -> Result<Self, HttpError> {
        Ok(Self(X::from_request(rqctx).await))
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        X::metadata(body_content_type)
    }
}

/// A body extractor `X` ([`ObjectBody`](crate::ObjectBody), `UntypedBody`, a WebSocket
/// upgrade) whose failure the handler answers.
#[derive(Debug)]
pub struct DeferredBody<X>(Result<X, HttpError>);

impl<X> DeferredBody<X> {
    /// The extracted body, or the `400` to answer.
    pub fn get(self) -> Result<X, HttpError> {
        self.0
    }
}

#[async_trait]
impl<X: ExclusiveExtractor + 'static> ExclusiveExtractor for DeferredBody<X> {
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
        request: hyper::Request<dropshot::Body>,
    ) -> Result<Self, HttpError> {
        Ok(Self(X::from_request(rqctx, request).await))
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        X::metadata(body_content_type)
    }
}
