//! [`PageQuery`]: the query of a list operation, with its `limit` bounded in the document.
//!
//! dropshot's `PaginationParams` documents `limit` as any `uint32` from 1: a client reading
//! the document may ask for 10,000 items a page (dropshot's own ceiling), and two such
//! requests would build hundreds of MB. The server never builds a page of more than
//! [`MAX_PAGE_ITEMS`]. Since 10.0.0 the document says so (`maximum: 1000`), and a larger
//! `limit` is refused with `400` naming it. The versions before keep dropshot's schema in
//! their documents, and their larger `limit` is served, as it always was, as a page of
//! [`MAX_PAGE_ITEMS`] (their twins build a `PageQuery` [`From`] dropshot's `Query`).

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ExtractorMetadata, HttpError, PaginationParams, Query,
    RequestContext, ServerContext, SharedExtractor,
};
use schemars::JsonSchema;
use schemars::r#gen::SchemaGenerator;
use schemars::schema::Schema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

/// The most items a page holds, whatever its `limit` asks for.
pub const MAX_PAGE_ITEMS: u32 = 1000;

/// The query of a list operation: dropshot's `PaginationParams` (a first page's scan
/// parameters, or a `page_token`, and a `limit`), whose `limit` is at most
/// [`MAX_PAGE_ITEMS`] (in the document, and refused with `400` above it).
#[derive(Debug)]
pub struct PageQuery<S, P>
where
    S: DeserializeOwned,
    P: DeserializeOwned + Serialize,
{
    params: PaginationParams<S, P>,
}

impl<S, P> PageQuery<S, P>
where
    S: DeserializeOwned,
    P: DeserializeOwned + Serialize,
{
    /// The pagination parameters.
    pub fn into_inner(self) -> PaginationParams<S, P> {
        self.params
    }
}

/// A query of a version before 10.0.0, whose document sets no maximum on `limit`.
impl<S, P> From<Query<PaginationParams<S, P>>> for PageQuery<S, P>
where
    S: DeserializeOwned + JsonSchema + Send + Sync,
    P: DeserializeOwned + Serialize + Send + Sync,
{
    fn from(query: Query<PaginationParams<S, P>>) -> Self {
        Self {
            params: query.into_inner(),
        }
    }
}

#[async_trait]
impl<S, P> SharedExtractor for PageQuery<S, P>
where
    S: DeserializeOwned + JsonSchema + Send + Sync + 'static,
    P: DeserializeOwned + Serialize + Send + Sync + 'static,
{
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
    ) -> Result<Self, HttpError> {
        let Bounded(params) = Query::<Bounded<S, P>>::from_request(rqctx)
            .await?
            .into_inner();
        // dropshot's own ceiling (10,000) is above ours, so this is the `limit` asked for
        // whenever it is above ours.
        let limit = rqctx.page_limit(&params)?.get();
        if limit > MAX_PAGE_ITEMS {
            return Err(HttpError::for_bad_request(
                None,
                format!("limit: a page holds at most {MAX_PAGE_ITEMS} items, not {limit}"),
            ));
        }
        Ok(Self { params })
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        Query::<Bounded<S, P>>::metadata(body_content_type)
    }
}

/// `PaginationParams` read as dropshot reads them, documented with `limit` at most
/// [`MAX_PAGE_ITEMS`].
struct Bounded<S, P>(PaginationParams<S, P>)
where
    S: DeserializeOwned,
    P: DeserializeOwned + Serialize;

impl<'de, S, P> Deserialize<'de> for Bounded<S, P>
where
    S: DeserializeOwned,
    P: DeserializeOwned + Serialize,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        PaginationParams::deserialize(deserializer).map(Self)
    }
}

impl<S, P> JsonSchema for Bounded<S, P>
where
    S: DeserializeOwned + JsonSchema,
    P: DeserializeOwned + Serialize,
{
    fn schema_name() -> String {
        "BoundedPaginationParams".to_owned()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = PaginationParams::<S, P>::json_schema(generator).into_object();
        let limit = schema
            .object
            .as_mut()
            .and_then(|object| object.properties.get_mut("limit"));
        if let Some(Schema::Object(limit)) = limit {
            limit.number().maximum = Some(f64::from(MAX_PAGE_ITEMS));
        }
        Schema::Object(schema)
    }
}

#[cfg(test)]
mod tests {
    use super::{Bounded, MAX_PAGE_ITEMS};
    use dropshot::EmptyScanParams;
    use schemars::r#gen::SchemaSettings;

    #[test]
    fn the_documented_limit_is_at_most_a_page() {
        let schema = SchemaSettings::openapi3()
            .into_generator()
            .into_root_schema_for::<Bounded<EmptyScanParams, String>>();
        let schema = serde_json::to_value(schema).expect("a schema serializes");
        let limit = &schema["properties"]["limit"];
        assert_eq!(limit["maximum"], f64::from(MAX_PAGE_ITEMS), "{schema}");
        assert_eq!(limit["minimum"], 1.0, "{schema}");
        assert_eq!(limit["format"], "uint32", "{schema}");
        assert!(
            schema.get("x-dropshot-pagination-param").is_some(),
            "dropshot's pagination marker is kept: {schema}"
        );
    }
}
