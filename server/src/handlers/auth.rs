//! The `auth` endpoints: refreshing a token pair.

use dropshot::{HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext, TypedBody};
use statusboard_api::{DeferredBody, RefreshRequest, TokenResponse};

use crate::context::ApiContext;
use crate::grants;
use crate::respond::respond;

/// `POST /api/v1/auth/refresh`: a new pair for the family's current refresh token.
pub async fn refresh(
    rqctx: RequestContext<ApiContext>,
    body: DeferredBody<TypedBody<RefreshRequest>>,
) -> Result<HttpResponseHeaders<HttpResponseOk<TokenResponse>>, HttpError> {
    respond(&rqctx, async {
        let context = rqctx.context();
        let request = body.get()?.into_inner();
        let pair =
            grants::refresh(&context.database, &context.auth, &request.refresh_token).await?;
        Ok(HttpResponseHeaders::new_unnamed(HttpResponseOk(pair)))
    })
    .await
}
