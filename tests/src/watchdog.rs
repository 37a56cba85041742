//! [`Watchdog`]: stops a helper process (PostgreSQL, PgBouncer) and removes its directory
//! once this process is gone, however it ends (a panic, `SIGKILL`, a test harness that
//! exits without running destructors).

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A small shell process that waits for this process to end, then sends the watched
/// process a signal, gives it 10 s to exit, kills it, and removes a directory. Its loops
/// are bounded (a day at most) like every loop here. Dropped, it stops watching.
#[derive(Debug)]
pub struct Watchdog(Child);

impl Watchdog {
    /// Watches the process `pid`: stopped with `signal` (`INT`, `QUIT`, …) once this
    /// process is gone, then `remove` (if any) is deleted.
    pub fn spawn(pid: u32, signal: &str, remove: Option<&Path>) -> std::io::Result<Self> {
        Self::watching(std::process::id(), pid, signal, remove)
    }

    /// Watches `pid` until `parent` is gone.
    fn watching(
        parent: u32,
        pid: u32,
        signal: &str,
        remove: Option<&Path>,
    ) -> std::io::Result<Self> {
        let remove = remove
            .map(|dir| format!("rm -rf '{}'", dir.display()))
            .unwrap_or_default();
        let script = format!(
            "i=0; while kill -0 {parent} 2>/dev/null && [ $i -lt 172800 ]; do sleep 0.5; \
             i=$((i+1)); done; kill -{signal} {pid} 2>/dev/null; j=0; \
             while kill -0 {pid} 2>/dev/null && [ $j -lt 100 ]; do sleep 0.1; \
             j=$((j+1)); done; kill -KILL {pid} 2>/dev/null; {remove}"
        );
        let child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(Self(child))
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::poll;

    #[test]
    fn stops_the_process_and_removes_the_directory_once_the_parent_is_gone() {
        let dir = std::env::temp_dir().join(format!("watchdog-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut parent = Command::new("sleep").arg("0.3").spawn().unwrap();
        let mut watched = Command::new("sleep").arg("600").spawn().unwrap();
        let _watchdog = Watchdog::watching(parent.id(), watched.id(), "INT", Some(&dir)).unwrap();
        assert!(
            watched.try_wait().unwrap().is_none(),
            "stopped while the parent lives"
        );
        parent.wait().unwrap();
        let exited = poll::until(Duration::from_secs(10), Duration::from_millis(20), || {
            watched.try_wait().ok().flatten()
        });
        assert!(exited.is_some(), "the watched process outlived its parent");
        let removed = poll::until(Duration::from_secs(5), Duration::from_millis(20), || {
            (!dir.exists()).then_some(())
        });
        assert!(removed.is_some(), "{} is still there", dir.display());
    }
}
