//! Who PostgreSQL runs as. It refuses to run as root: when we are root, it runs as the
//! `postgres` system user (Debian's package creates it) or, on a machine without one (a
//! fetched PostgreSQL), as `nobody`.

use nix::unistd::{User, geteuid};

use super::ClusterError;

/// Whether this process runs as root (effective uid 0).
pub fn running_as_root() -> bool {
    geteuid().is_root()
}

/// The uid and gid PostgreSQL runs as when we are root.
pub fn unprivileged() -> Result<(u32, u32), ClusterError> {
    ["postgres", "nobody"]
        .into_iter()
        .find_map(|name| User::from_name(name).ok().flatten())
        .map(|user| (user.uid.as_raw(), user.gid.as_raw()))
        .ok_or_else(|| {
            ClusterError(
                "running as root, and PostgreSQL refuses to run as root: create a `postgres` \
                 system user or run as another user"
                    .to_owned(),
            )
        })
}
