//! Who PostgreSQL runs as. It refuses to run as root: when we are root, it runs as the
//! `postgres` system user (Debian's package creates it) or, on a machine without one (a
//! fetched PostgreSQL), as `nobody`.

use super::ClusterError;

/// Whether this process runs as root (effective uid 0).
pub fn running_as_root() -> bool {
    // The effective uid, without unsafe code: /proc/self/status lists "Uid: real effective …".
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
            .unwrap_or(false)
    })
}

/// The uid and gid PostgreSQL runs as when we are root.
pub fn unprivileged() -> Result<(u32, u32), ClusterError> {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let find = |name: &str| {
        passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&name) && fields.len() > 3)
                .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
                .flatten()
        })
    };
    find("postgres").or_else(|| find("nobody")).ok_or_else(|| {
        ClusterError(
            "running as root, and PostgreSQL refuses to run as root: create a `postgres` \
             system user or run as another user"
                .to_owned(),
        )
    })
}
