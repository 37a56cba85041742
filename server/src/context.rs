//! What every request handler can reach: the server context.

use crate::config::Settings;
use crate::cors::Cors;

/// The dropshot server context, shared by all requests.
#[derive(Debug)]
pub struct ApiContext {
    /// The CORS policy built from `CORS_ORIGINS`.
    pub cors: Cors,
}

impl ApiContext {
    /// Builds the context from validated settings. Nothing here connects anywhere.
    pub fn new(settings: &Settings) -> Self {
        Self {
            cors: Cors::new(settings.cors_origins_list()),
        }
    }
}
