//! What the project's tools share: where the workspace they work on is.

use std::path::PathBuf;
use std::process::Command;

/// The root of the workspace that the current directory belongs to, found at run time
/// (`cargo locate-project --workspace`), so that a tool built in one checkout never works on
/// another's tree (two checkouts may share a target directory).
pub fn workspace_root() -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .output()
        .map_err(|e| format!("running cargo locate-project: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo locate-project failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let manifest = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    manifest
        .parent()
        .map(PathBuf::from)
        .ok_or_else(|| format!("{} has no parent directory", manifest.display()))
}
