//! `cargo xtask openapi generate|check`: keep `openapi/statusboard.json` equal to what
//! the API trait produces.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The command that brings the document up to date.
pub const FIX_COMMAND: &str = "cargo xtask openapi generate";

/// Where the checked-in document lives.
pub fn document_path() -> PathBuf {
    crate::workspace_root()
        .join("openapi")
        .join("statusboard.json")
}

/// Writes the document the code produces to `path`.
pub fn generate(path: &Path) -> Result<()> {
    let wanted = statusboard_server::openapi::document();
    if std::fs::read_to_string(path).is_ok_and(|current| current == wanted) {
        println!("{} is up to date", path.display());
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, &wanted).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// How the document on disk compares with the one the code produces.
#[derive(Debug, PartialEq, Eq)]
pub enum Drift {
    /// Byte for byte the same.
    UpToDate,
    /// The file does not exist.
    Missing,
    /// The file differs; a unified diff from the file to what the code produces.
    Differs(String),
}

/// Compares the document at `path` with the one the code produces.
pub fn check(path: &Path) -> Result<Drift> {
    let wanted = statusboard_server::openapi::document();
    let current = match std::fs::read_to_string(path) {
        Ok(current) => current,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Drift::Missing),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if current == wanted {
        return Ok(Drift::UpToDate);
    }
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(&current, &wanted)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{name} (checked in)"),
            &format!("{name} (generated from the code)"),
        )
        .to_string();
    Ok(Drift::Differs(diff))
}

/// `cargo xtask openapi check`: prints the diff and the fix, and fails, on drift.
pub fn check_command(path: &Path) -> Result<()> {
    match check(path)? {
        Drift::UpToDate => {
            println!("{} is up to date", path.display());
            Ok(())
        }
        Drift::Missing => {
            bail!(
                "{} does not exist. Run `{FIX_COMMAND}` and commit the file.",
                path.display()
            )
        }
        Drift::Differs(diff) => {
            println!("{diff}");
            bail!(
                "{} is out of date with the API trait (diff above). Run `{FIX_COMMAND}` and \
                 commit the result.",
                path.display()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_document_is_up_to_date() {
        assert_eq!(
            check(&document_path()).unwrap(),
            Drift::UpToDate,
            "run `{FIX_COMMAND}`"
        );
    }

    #[test]
    fn a_hand_edit_is_reported_as_a_diff_and_generate_repairs_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("statusboard.json");
        assert_eq!(check(&path).unwrap(), Drift::Missing);

        generate(&path).unwrap();
        assert_eq!(check(&path).unwrap(), Drift::UpToDate);

        let edited = std::fs::read_to_string(&path).unwrap().replacen(
            "\"title\": \"Statusboard API\"",
            "\"title\": \"Hand-edited API\"",
            1,
        );
        std::fs::write(&path, edited).unwrap();
        let Drift::Differs(diff) = check(&path).unwrap() else {
            panic!("drift not seen")
        };
        assert!(
            diff.contains("-    \"title\": \"Hand-edited API\""),
            "{diff}"
        );
        assert!(
            diff.contains("+    \"title\": \"Statusboard API\""),
            "{diff}"
        );
        assert!(
            check_command(&path)
                .unwrap_err()
                .to_string()
                .contains(FIX_COMMAND)
        );

        generate(&path).unwrap();
        assert_eq!(check(&path).unwrap(), Drift::UpToDate);
        assert!(check_command(&path).is_ok());
    }
}
