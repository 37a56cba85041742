//! The `Idempotency-Key` request header (IETF httpapi draft), read alone by
//! [`IdempotencyKey`].

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ExtractorMetadata, Header, HttpError, RequestContext,
    ServerContext, SharedExtractor,
};
use schemars::JsonSchema;
use serde::Deserialize;

/// The `Idempotency-Key` request header, as the document declares it.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct IdempotencyKeyHeader {
    /// A key the client chose for this report (1 to 255 characters), e.g. a UUID. The same
    /// key from the same token subject within 24 hours answers the first report again
    /// and records nothing; with a different report it is `422`. Send a new key for each
    /// new report and the same key when retrying one.
    #[serde(rename = "Idempotency-Key")]
    #[schemars(length(min = 1, max = 255))]
    pub idempotency_key: Option<String>,
}

/// The request's `Idempotency-Key`, read from that one header: dropshot's `Header`
/// extractor reads every header of the request as text and refuses the request when any
/// of them is not (a proxy's `X-Forwarded-User: José`), which is none of this operation's
/// business. Declared in the document exactly as `Header<IdempotencyKeyHeader>` is; a
/// key that is not visible ASCII is the handler's `400`.
#[derive(Debug)]
pub struct IdempotencyKey(Result<Option<String>, HttpError>);

impl IdempotencyKey {
    /// The key, if the request has one, or the `400` to answer.
    pub fn get(self) -> Result<Option<String>, HttpError> {
        self.0
    }
}

#[async_trait]
impl SharedExtractor for IdempotencyKey {
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
    ) -> Result<Self, HttpError> {
        let key = rqctx.request.headers().get("idempotency-key").map(|value| {
            value.to_str().map(str::to_owned).map_err(|_| {
                HttpError::for_bad_request(
                    None,
                    "Idempotency-Key must be visible ASCII (a UUID, for example)".to_owned(),
                )
            })
        });
        Ok(Self(key.transpose()))
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <Header<IdempotencyKeyHeader> as SharedExtractor>::metadata(body_content_type)
    }
}
