//! A throwaway PgBouncer in transaction pooling mode, in front of a test PostgreSQL: what
//! many deployments put between the server and the database.
//!
//! [`PgBouncer::start`] runs the machine's `pgbouncer` (Debian's package, 1.18 on Debian
//! 12) on a free loopback port with a configuration of its own in a temporary directory:
//! every database of the upstream server (a `*` entry), `trust` authentication,
//! `pool_mode = transaction` and `pool_size` server connections per database. As root it
//! runs as PostgreSQL's unprivileged user (it refuses root too). Like a [`Cluster`], it
//! has a watchdog that stops it once this process is gone, however it ends.
//!
//! [`Cluster`]: crate::postgres::Cluster

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::os::{free_loopback_port, send_signal};
use crate::poll;
use crate::postgres::{ClusterError, user};
use crate::watchdog::Watchdog;

/// Where Debian's package installs it.
const BINARY: &str = "/usr/sbin/pgbouncer";

/// A running PgBouncer owned by this process.
#[derive(Debug)]
pub struct PgBouncer {
    port: u16,
    dir: PathBuf,
    process: Option<Child>,
    watchdog: Option<Watchdog>,
}

impl PgBouncer {
    /// Whether `pgbouncer` is installed (`apt-get install pgbouncer`).
    pub fn installed() -> bool {
        Path::new(BINARY).exists()
    }

    /// Starts PgBouncer in transaction pooling mode in front of the PostgreSQL server on
    /// `127.0.0.1:upstream_port`, with `pool_size` server connections per database.
    pub fn start(upstream_port: u16, pool_size: u32) -> Result<Self, ClusterError> {
        if !Self::installed() {
            return Err(ClusterError::new(format!(
                "{BINARY} is missing: apt-get install pgbouncer"
            )));
        }
        let port = free_loopback_port()
            .map_err(|e| ClusterError::new(format!("finding a free port: {e}")))?;
        let dir = tempfile::Builder::new()
            .prefix("statusboard-pgbouncer-")
            .tempdir()
            .map_err(|e| ClusterError::new(format!("creating a temporary directory: {e}")))?
            .keep();
        let config = format!(
            "[databases]\n\
             * = host=127.0.0.1 port={upstream_port}\n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             auth_type = trust\n\
             auth_file = {dir}/userlist.txt\n\
             pool_mode = transaction\n\
             default_pool_size = {pool_size}\n\
             max_client_conn = 500\n\
             server_reset_query =\n\
             ignore_startup_parameters = extra_float_digits,options\n\
             logfile = {dir}/pgbouncer.log\n\
             pidfile = {dir}/pgbouncer.pid\n",
            dir = dir.display()
        );
        let write = |name: &str, contents: &str| {
            std::fs::write(dir.join(name), contents)
                .map_err(|e| ClusterError::new(format!("writing {name}: {e}")))
        };
        write("pgbouncer.ini", &config)?;
        write("userlist.txt", "\"postgres\" \"\"\n")?;
        let mut command = Command::new(BINARY);
        command.arg(dir.join("pgbouncer.ini"));
        if user::running_as_root() {
            use std::os::unix::process::CommandExt;
            let (uid, gid) = user::unprivileged()?;
            for entry in [
                dir.clone(),
                dir.join("pgbouncer.ini"),
                dir.join("userlist.txt"),
            ] {
                std::os::unix::fs::chown(&entry, Some(uid), Some(gid)).map_err(|e| {
                    ClusterError::new(format!("handing {} over: {e}", entry.display()))
                })?;
            }
            command.uid(uid).gid(gid);
        }
        let process = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| ClusterError::new(format!("starting pgbouncer: {e}")))?;
        let watchdog = Watchdog::spawn(process.id(), "INT", Some(&dir))
            .map_err(|e| ClusterError::new(format!("starting the cleanup watchdog: {e}")))?;
        let mut bouncer = Self {
            port,
            dir,
            process: Some(process),
            watchdog: Some(watchdog),
        };
        let listening = poll::until(Duration::from_secs(10), Duration::from_millis(20), || {
            TcpStream::connect(("127.0.0.1", port))
                .is_ok()
                .then_some(())
        });
        if listening.is_none() {
            let log =
                std::fs::read_to_string(bouncer.dir.join("pgbouncer.log")).unwrap_or_default();
            bouncer.stop();
            return Err(ClusterError::new(format!(
                "pgbouncer did not listen within 10 s; its log:\n{log}"
            )));
        }
        Ok(bouncer)
    }

    /// The port it listens on, on `127.0.0.1`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL for `database` through it, as the superuser `postgres`.
    pub fn url(&self, database: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
    }

    fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = send_signal(process.id(), "INT");
            let exited = poll::until(Duration::from_secs(5), Duration::from_millis(20), || {
                process.try_wait().ok().flatten()
            });
            if exited.is_none() {
                let _ = process.kill();
                let _ = process.wait();
            }
        }
        self.watchdog = None;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        self.stop();
    }
}
