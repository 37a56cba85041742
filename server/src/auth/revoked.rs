//! [`Revoked`]: the grants this replica knows to be revoked, kept in memory, so that
//! checking an access token costs no query.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

/// The revoked grants (token families), shared by the requests (which refuse their access
/// tokens) and the live board's hub (which learns revocations from the change log, and
/// loads the earlier ones when it starts). Cloning it is cheap.
#[derive(Debug, Clone, Default)]
pub struct Revoked(Arc<RwLock<HashSet<i64>>>);

impl Revoked {
    /// Records that `family` is revoked.
    pub fn insert(&self, family: i64) {
        if let Ok(mut families) = self.0.write() {
            families.insert(family);
        }
    }

    /// Records every family of `families` as revoked.
    pub fn extend(&self, families: impl IntoIterator<Item = i64>) {
        if let Ok(mut known) = self.0.write() {
            known.extend(families);
        }
    }

    /// Whether `family` is revoked.
    pub fn contains(&self, family: i64) -> bool {
        self.0
            .read()
            .is_ok_and(|families| families.contains(&family))
    }
}
