//! [`SlugPath`]: the path of one component, `/api/v1/components/{slug}…`, its slug parsed.

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ExtractorMetadata, HttpError, Path, RequestContext, ServerContext,
    SharedExtractor,
};
use schemars::JsonSchema;
use serde::Deserialize;

use super::{ComponentPath, Slug};
use crate::error::ApiError;

/// The path of one component, its slug parsed. The documents (11.0.0 on) describe `{slug}`
/// as the `Slug` schema. A path whose slug is not one is refused by [`Slug::parse`] with
/// `400 InvalidInput`, as every version before refuses it (dropshot's own refusal would
/// say `InvalidRequest`).
#[derive(Debug)]
pub struct SlugPath {
    slug: Slug,
}

impl SlugPath {
    /// The component's slug.
    pub fn into_slug(self) -> Slug {
        self.slug
    }
}

/// What the documents say the path holds (dropshot's `Path` wants it deserializable too).
#[derive(Deserialize, JsonSchema)]
#[expect(
    dead_code,
    reason = "it only documents the path; `from_request` reads the slug"
)]
struct SlugParameters {
    /// The component's slug.
    slug: Slug,
}

#[async_trait]
impl SharedExtractor for SlugPath {
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
    ) -> Result<Self, HttpError> {
        Path::<ComponentPath>::from_request(rqctx)
            .await
            .and_then(Self::try_from)
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        Path::<SlugParameters>::metadata(body_content_type)
    }
}

/// The path as the versions before 11.0.0 document it (a plain string), parsed: how every
/// version reads it (their twins hand it on as a `SlugPath`).
impl TryFrom<Path<ComponentPath>> for SlugPath {
    type Error = HttpError;

    fn try_from(path: Path<ComponentPath>) -> Result<Self, Self::Error> {
        let slug = path.into_inner().slug().map_err(ApiError::from)?;
        Ok(Self { slug })
    }
}
