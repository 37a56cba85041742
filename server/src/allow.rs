//! The `Allow` header of every path: what a `405 Method Not Allowed` answer lists.
//!
//! Filled once at startup by [`crate::routes`] (which knows every path and method) and kept
//! in the server context, keyed by the operation id of each `405` endpoint, because a
//! request's path (`/api/v1/components/db`) is not its path template
//! (`/api/v1/components/{slug}`), while its endpoint's operation id is known.

use std::collections::HashMap;

use http::HeaderValue;

/// The `Allow` header value of every `405` endpoint, by its operation id.
#[derive(Clone, Debug, Default)]
pub struct AllowedMethods(HashMap<String, HeaderValue>);

impl AllowedMethods {
    /// Records that the `405` endpoint `operation_id` answers with `allow`.
    pub fn insert(&mut self, operation_id: String, allow: HeaderValue) {
        self.0.insert(operation_id, allow);
    }

    /// The `Allow` header for the `405` endpoint `operation_id`.
    pub fn get(&self, operation_id: &str) -> Option<&HeaderValue> {
        self.0.get(operation_id)
    }
}
