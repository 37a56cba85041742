//! Keeping a token pair across restarts: [`TokenStore`], and [`FileTokenStore`], a JSON
//! file written atomically.
//!
//! A refresh token works once. A session built with
//! [`Session::with_stored_tokens`](crate::Session::with_stored_tokens) saves every pair it
//! rotates to before it uses it, so a service that restarts starts from its latest pair;
//! restarted from an older one, it would present a spent refresh token, and the server
//! would revoke the whole grant.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::types::TokenResponse;

/// Where a session keeps its token pair.
pub trait TokenStore: Send + Sync + 'static {
    /// Keeps `pair`, the session's new tokens, so that the next start uses them. Called
    /// after each refresh, before the session sends anything with the new pair; when it
    /// fails, the call that refreshed fails with [`Error::Custom`](crate::Error::Custom)
    /// saying so (the session keeps the new pair in memory: the old one is spent).
    fn save(&self, pair: &TokenResponse) -> std::io::Result<()>;
}

/// A token pair in a JSON file (`TokenResponse`, as `statusboard-server token issue`
/// prints it), replaced atomically on each save: written beside it, flushed to disk, then
/// renamed over it, so that a crash leaves the old pair or the new one, never half of one.
/// On Unix the file is readable by its owner only (`0600`).
///
/// ```no_run
/// use statusboard_client::{Client, FileTokenStore, Session};
///
/// # fn example(first_pair: statusboard_client::types::TokenResponse) -> Result<(), Box<dyn std::error::Error>> {
/// let store = FileTokenStore::new("/var/lib/checkout/statusboard-tokens.json");
/// // The first start has no file yet: it starts from the pair the operator granted.
/// let pair = store.load()?.unwrap_or(first_pair);
/// let session = Session::with_stored_tokens(&pair, store)?;
/// let client = Client::new("https://statusboard.example.com", session);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    path: PathBuf,
}

impl FileTokenStore {
    /// A store in the file at `path` (its directory must exist).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The pair the file holds; `None` when there is no file yet. An unreadable file, or
    /// one that holds no token pair, is an error naming the file.
    pub fn load(&self) -> std::io::Result<Option<TokenResponse>> {
        let text = match std::fs::read(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.context("reading", e)),
        };
        serde_json::from_slice(&text)
            .map(Some)
            .map_err(|e| self.context("parsing", std::io::Error::other(e)))
    }

    /// `error`, naming what was done to which file.
    fn context(&self, doing: &str, error: std::io::Error) -> std::io::Error {
        std::io::Error::new(
            error.kind(),
            format!("{doing} the token file {}: {error}", self.path.display()),
        )
    }

    fn write(&self, pair: &TokenResponse) -> std::io::Result<()> {
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(".new");
        let temporary = PathBuf::from(temporary);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary)?;
        file.write_all(&serde_json::to_vec_pretty(pair).map_err(std::io::Error::other)?)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &self.path)?;
        // The rename itself reaches the disk with the directory.
        if let Some(directory) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(directory)?.sync_all()?;
        }
        Ok(())
    }
}

impl TokenStore for FileTokenStore {
    fn save(&self, pair: &TokenResponse) -> std::io::Result<()> {
        self.write(pair).map_err(|e| self.context("writing", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(refresh: &str) -> TokenResponse {
        serde_json::from_value(serde_json::json!({
            "access_token": "a", "refresh_token": refresh, "token_type": "Bearer",
            "expires_in": 60, "scope": "reports:write"
        }))
        .unwrap()
    }

    #[test]
    fn a_saved_pair_is_loaded_and_replaced_whole() {
        let directory = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(directory.path().join("tokens.json"));
        assert!(store.load().unwrap().is_none());
        store.save(&pair("first")).unwrap();
        store.save(&pair("second")).unwrap();
        assert_eq!(store.load().unwrap().unwrap().refresh_token, "second");
        let names: Vec<_> = std::fs::read_dir(directory.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["tokens.json"], "no temporary file is left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_file_without_a_pair_is_an_error_naming_it() {
        let directory = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(directory.path().join("tokens.json"));
        std::fs::write(store.path(), "not json").unwrap();
        let error = store.load().unwrap_err().to_string();
        assert!(error.contains("tokens.json"), "{error}");
        let missing = FileTokenStore::new(directory.path().join("no/such/dir/tokens.json"));
        let error = missing.save(&pair("x")).unwrap_err().to_string();
        assert!(error.starts_with("writing the token file"), "{error}");
    }
}
