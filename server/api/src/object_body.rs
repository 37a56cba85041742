//! [`ObjectBody`]: a JSON request body that must be an object.
//!
//! Every request body of this API is a JSON object, and its schema says so. serde, though,
//! reads a struct from a JSON array too (its fields in order), so dropshot's `TypedBody`
//! alone takes `["major_outage", "down"]` as a status report. This extractor refuses any
//! body that is not an object before it is read as one.

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ExclusiveExtractor, ExtractorMetadata, HttpError, RequestContext,
    ServerContext, TypedBody, UntypedBody,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// A JSON body read as `T`, refused with `400` unless it is a JSON object. Documented as
/// `TypedBody<T>` is.
#[derive(Debug)]
pub struct ObjectBody<T: JsonSchema + DeserializeOwned + Send + Sync>(TypedBody<T>);

impl<T: JsonSchema + DeserializeOwned + Send + Sync> ObjectBody<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

/// Whether `body` (JSON text) is an object: its first character that is not JSON
/// whitespace opens one.
fn is_object(body: &[u8]) -> bool {
    body.iter()
        .find(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|first| *first == b'{')
}

#[async_trait]
impl<T: JsonSchema + DeserializeOwned + Send + Sync + 'static> ExclusiveExtractor
    for ObjectBody<T>
{
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
        request: hyper::Request<dropshot::Body>,
    ) -> Result<Self, HttpError> {
        let (parts, body) = request.into_parts();
        let read = UntypedBody::from_request(rqctx, hyper::Request::new(body)).await?;
        let bytes = read.as_bytes();
        if !is_object(bytes) {
            return Err(HttpError::for_bad_request(
                None,
                "unable to parse JSON body: the body must be a JSON object".to_owned(),
            ));
        }
        let body = dropshot::Body::from(bytes.to_vec());
        let request = hyper::Request::from_parts(parts, body);
        Ok(Self(TypedBody::from_request(rqctx, request).await?))
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        TypedBody::<T>::metadata(body_content_type)
    }
}

#[cfg(test)]
mod tests {
    use super::is_object;

    #[test]
    fn only_an_object_is_an_object() {
        assert!(is_object(br#"{"status":"operational"}"#));
        assert!(is_object(b" \r\n\t{}"));
        for not in [
            &br#"["major_outage","down"]"#[..],
            b"[null]",
            b"null",
            b"\"text\"",
            b"42",
            b"",
            b"   ",
        ] {
            assert!(!is_object(not), "{}", String::from_utf8_lossy(not));
        }
    }
}
