//! The `Allow` header of every path: what a `405 Method Not Allowed` answer lists.
//!
//! Filled once at startup by [`crate::routes`] (which knows every path and method) and kept
//! in the server context, keyed by the operation id of each `405` endpoint (because a
//! request's path (`/api/v1/components/db`) is not its path template
//! (`/api/v1/components/{slug}`), while its endpoint's operation id is known) and the API
//! version (a later version may serve more methods on a path).

use std::collections::HashMap;

use http::HeaderValue;
use semver::Version;

/// The `Allow` header value of every `405` endpoint, by its operation id and version.
#[derive(Clone, Debug, Default)]
pub struct AllowedMethods(HashMap<(String, Version), HeaderValue>);

impl AllowedMethods {
    /// Records that the `405` endpoint `operation_id` answers with `allow` in `version`.
    pub fn insert(&mut self, operation_id: String, version: Version, allow: HeaderValue) {
        self.0.insert((operation_id, version), allow);
    }

    /// The `Allow` header for the `405` endpoint `operation_id` in `version`.
    pub fn get(&self, operation_id: &str, version: &Version) -> Option<&HeaderValue> {
        self.0.get(&(operation_id.to_owned(), version.clone()))
    }
}
