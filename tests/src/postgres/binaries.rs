//! Where `initdb` and `postgres` come from, in this order:
//!
//! 1. `STATUSBOARD_POSTGRES_BIN`: a directory holding them (or `download`, to use the
//!    pinned build below even when the machine has PostgreSQL);
//! 2. the `initdb` on `PATH` (following symbolic links to the directory of the install);
//! 3. the newest `/usr/lib/postgresql/<version>/bin` (Debian, Ubuntu);
//! 4. the pinned build of [`super::download`], fetched and cached on first use.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::{ClusterError, download};

/// The variable that names the directory (or `download`).
pub const ENV: &str = "STATUSBOARD_POSTGRES_BIN";

/// The programs the harness runs.
const PROGRAMS: [&str; 2] = ["initdb", "postgres"];

/// The directory of the PostgreSQL server binaries to use.
pub fn locate() -> Result<PathBuf, ClusterError> {
    match std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        Some(value) if value == "download" => download::bin_dir(),
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if complete(&dir) {
                Ok(dir)
            } else {
                Err(ClusterError(format!(
                    "{ENV}={}: no initdb and postgres there",
                    dir.display()
                )))
            }
        }
        None => match installed() {
            Some(dir) => Ok(dir),
            None => download::bin_dir(),
        },
    }
}

/// The binaries for the cluster in `data_dir`: [`locate`]'s, unless the cluster was made
/// by another major version (its `PG_VERSION`), which those cannot run: then that
/// version's, installed (`/usr/lib/postgresql/<major>/bin`) or the pinned build when it is
/// that version; else an error saying what to do.
pub fn locate_for(data_dir: &Path) -> Result<PathBuf, ClusterError> {
    let preferred = locate()?;
    let Ok(text) = std::fs::read_to_string(data_dir.join("PG_VERSION")) else {
        return Ok(preferred);
    };
    let wanted = text.trim().to_owned();
    if major_of(&preferred).as_deref() == Some(wanted.as_str()) {
        return Ok(preferred);
    }
    let installed = Path::new("/usr/lib/postgresql").join(&wanted).join("bin");
    if complete(&installed) {
        return Ok(installed);
    }
    if download::VERSION.split('.').next() == Some(wanted.as_str()) {
        return download::bin_dir();
    }
    Err(ClusterError(format!(
        "the cluster in {} was made by PostgreSQL {wanted}, and {} is PostgreSQL {}: install \
         PostgreSQL {wanted} (Debian: apt-get install postgresql-{wanted}) or remove {} to \
         start a fresh cluster",
        data_dir.display(),
        preferred.display(),
        major_of(&preferred).unwrap_or_else(|| "of another version".to_owned()),
        data_dir.display(),
    )))
}

/// The major version of the PostgreSQL in `bin_dir` (`postgres --version`).
fn major_of(bin_dir: &Path) -> Option<String> {
    let output = std::process::Command::new(bin_dir.join("postgres"))
        .arg("--version")
        .output()
        .ok()?;
    // "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let version = text.split_whitespace().nth(2)?;
    version.split('.').next().map(str::to_owned)
}

/// The machine's own PostgreSQL: on `PATH`, else the newest `/usr/lib/postgresql/*/bin`.
pub fn installed() -> Option<PathBuf> {
    installed_in(std::env::var_os("PATH"), Path::new("/usr/lib/postgresql"))
}

fn complete(dir: &Path) -> bool {
    PROGRAMS.iter().all(|p| dir.join(p).is_file())
}

/// [`installed`] with the `PATH` value and the versioned install root given.
fn installed_in(path: Option<OsString>, versions_root: &Path) -> Option<PathBuf> {
    let on_path = path.and_then(|path| {
        std::env::split_paths(&path).find_map(|dir| {
            let initdb = std::fs::canonicalize(dir.join("initdb")).ok()?;
            let real_dir = initdb.parent()?.to_path_buf();
            complete(&real_dir).then_some(real_dir)
        })
    });
    on_path.or_else(|| {
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(versions_root)
            .ok()?
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let version = entry.file_name().to_str()?.parse().ok()?;
                let bin = entry.path().join("bin");
                complete(&bin).then_some((version, bin))
            })
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_install(bin: &Path) {
        std::fs::create_dir_all(bin).unwrap();
        for program in PROGRAMS {
            std::fs::write(bin.join(program), "").unwrap();
        }
    }

    #[test]
    fn finds_nothing_without_an_install() {
        let empty = tempfile::tempdir().unwrap();
        let path = Some(empty.path().as_os_str().to_owned());
        assert_eq!(installed_in(path, &empty.path().join("missing")), None);
    }

    #[test]
    fn prefers_path_following_links_then_the_newest_version() {
        let root = tempfile::tempdir().unwrap();
        let versions = root.path().join("lib");
        fake_install(&versions.join("13/bin"));
        fake_install(&versions.join("16/bin"));
        assert_eq!(installed_in(None, &versions), Some(versions.join("16/bin")));

        // A PATH entry holding only a link to initdb (as /usr/local/bin may) leads to
        // the directory with all the programs.
        let real = root.path().join("real/bin");
        fake_install(&real);
        let links = root.path().join("links");
        std::fs::create_dir_all(&links).unwrap();
        std::os::unix::fs::symlink(real.join("initdb"), links.join("initdb")).unwrap();
        let path = Some(links.as_os_str().to_owned());
        let found = installed_in(path, &versions).unwrap();
        assert_eq!(found, std::fs::canonicalize(&real).unwrap());
    }

    /// A kept cluster made by another major version is run by that version's binaries,
    /// or refused with what to do, never handed to binaries that cannot read it.
    #[test]
    fn a_cluster_of_another_major_version_gets_its_own_binaries_or_a_clear_error() {
        let Ok(preferred) = locate() else {
            return; // no PostgreSQL here: nothing to compare with
        };
        let Some(major) = major_of(&preferred) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(locate_for(dir.path()).unwrap(), preferred, "a new cluster");
        std::fs::write(dir.path().join("PG_VERSION"), format!("{major}\n")).unwrap();
        assert_eq!(
            locate_for(dir.path()).unwrap(),
            preferred,
            "the same version"
        );
        std::fs::write(dir.path().join("PG_VERSION"), "99\n").unwrap();
        let error = locate_for(dir.path()).unwrap_err().to_string();
        assert!(error.contains("PostgreSQL 99"), "{error}");
        assert!(error.contains("apt-get install postgresql-99"), "{error}");
        assert!(!error.contains('\n'), "{error}");
    }
}
