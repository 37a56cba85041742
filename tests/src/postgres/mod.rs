//! Throwaway PostgreSQL clusters, from the machine's PostgreSQL install or, when it has
//! none, from a pinned build fetched once (see [`binaries`] and [`download`]).
//!
//! [`Cluster::start`] runs `initdb` and `postgres` on a free loopback port, in a
//! temporary directory (or a kept one, for `cargo xtask dev`). The server listens on
//! `127.0.0.1` only, trusts local connections, and runs without durability (`fsync=off`):
//! it is for tests and development, never for data that matters.
//!
//! * PostgreSQL refuses to run as root. When the effective user is root, `initdb` and
//!   `postgres` run as an unprivileged user (see [`user`]), and the data directory is
//!   handed to that user.
//! * Every cluster has a watchdog: a small shell process that waits for the process that
//!   started the cluster to end, however it ends (tests finishing, a panic, a kill), then
//!   stops PostgreSQL and removes a temporary data directory. Nothing is left running.

pub mod binaries;
pub mod download;
pub mod user;

use std::net::{TcpListener, TcpStream};

use crate::os::{free_loopback_port, send_signal};
use crate::poll;
use crate::watchdog::Watchdog;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long PostgreSQL may take to accept connections after starting.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a cluster could not be started or stopped.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ClusterError(String);

impl ClusterError {
    /// An error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

fn error(message: impl Into<String>) -> ClusterError {
    ClusterError(message.into())
}

/// Where the cluster's data lives.
#[derive(Debug, Clone)]
pub enum DataDir {
    /// A new temporary directory, removed when the cluster is dropped or its starter exits.
    Temporary,
    /// A directory kept across runs: initialised on first use, reused afterwards.
    Kept(PathBuf),
}

/// A running PostgreSQL server owned by this process.
#[derive(Debug)]
pub struct Cluster {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    /// The temporary directory holding `data_dir`, if it is temporary.
    temp_root: Option<PathBuf>,
    port: u16,
    run_as: Option<(u32, u32)>,
    postgres: Option<Child>,
    watchdog: Option<Watchdog>,
    /// Whether commits reach the disk (`fsync`, `synchronous_commit`); off by default.
    durable: bool,
}

impl Cluster {
    /// Initialises (if needed) and starts a cluster on `port` (a free one when `None`).
    pub fn start(data: DataDir, port: Option<u16>) -> Result<Self, ClusterError> {
        let bin_dir = match &data {
            DataDir::Kept(dir) => binaries::locate_for(dir)?,
            DataDir::Temporary => binaries::locate()?,
        };
        let run_as = if user::running_as_root() {
            Some(user::unprivileged()?)
        } else {
            None
        };
        let (data_dir, temp_root) = match data {
            DataDir::Temporary => {
                // Kept past this value's life: the cluster's drop, or its watchdog when
                // the process dies first, removes it.
                let root = tempfile::Builder::new()
                    .prefix("statusboard-pg-")
                    .tempdir()
                    .map_err(|e| error(format!("creating a temporary directory: {e}")))?
                    .keep();
                (root.join("data"), Some(root))
            }
            DataDir::Kept(dir) => (dir, None),
        };
        let port = match port {
            Some(port) => {
                if TcpListener::bind(("127.0.0.1", port)).is_err() {
                    return Err(error(format!(
                        "port {port} on 127.0.0.1 is already in use: stop what listens there \
                         or choose another port"
                    )));
                }
                port
            }
            None => {
                free_loopback_port().map_err(|e| error(format!("finding a free port: {e}")))?
            }
        };
        let mut cluster = Self {
            bin_dir,
            data_dir,
            temp_root,
            port,
            run_as,
            postgres: None,
            watchdog: None,
            durable: false,
        };
        cluster.init()?;
        cluster.start_postgres()?;
        Ok(cluster)
    }

    /// The port PostgreSQL listens on, on `127.0.0.1`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A connection URL for `database` as the superuser `postgres`.
    pub fn url(&self, database: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Stops PostgreSQL (fast shutdown) and waits for it to exit. The data is kept, so
    /// [`Cluster::restart`] brings the same cluster back.
    pub fn stop(&mut self) -> Result<(), ClusterError> {
        let Some(mut postgres) = self.postgres.take() else {
            return Ok(());
        };
        let _ = send_signal(postgres.id(), "INT");
        let exited = poll::until(START_TIMEOUT, Duration::from_millis(20), || {
            postgres.try_wait().ok().flatten()
        });
        if exited.is_none() {
            let _ = postgres.kill();
            let _ = postgres.wait();
        }
        self.watchdog = None;
        Ok(())
    }

    /// Turns TLS on with this certificate and key (PEM) and accepts only TLS connections
    /// from then on (`hostssl` lines only in `pg_hba.conf`), then restarts PostgreSQL.
    pub fn require_tls(
        &mut self,
        certificate_pem: &str,
        key_pem: &str,
    ) -> Result<(), ClusterError> {
        use std::os::unix::fs::PermissionsExt;
        let write = |name: &str, contents: &str, mode: u32| {
            let path = self.data_dir.join(name);
            std::fs::write(&path, contents)
                .and_then(|()| {
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                })
                .map_err(|e| error(format!("writing {}: {e}", path.display())))?;
            if let Some((uid, gid)) = self.run_as {
                std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                    .map_err(|e| error(format!("handing {} to postgres: {e}", path.display())))?;
            }
            Ok(())
        };
        write("server.crt", certificate_pem, 0o600)?;
        write("server.key", key_pem, 0o600)?;
        write(
            "pg_hba.conf",
            "# TLS only: no plaintext line.\nhostssl all all 127.0.0.1/32 trust\n",
            0o600,
        )?;
        let conf = self.data_dir.join("postgresql.conf");
        let mut settings = std::fs::read_to_string(&conf)
            .map_err(|e| error(format!("reading {}: {e}", conf.display())))?;
        settings
            .push_str("\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        std::fs::write(&conf, settings)
            .map_err(|e| error(format!("writing {}: {e}", conf.display())))?;
        self.restart()
    }

    /// Restarts PostgreSQL with commits that reach the disk (`durable`: `fsync`,
    /// `synchronous_commit` and `full_page_writes` on, as in production) or without (the
    /// default, for tests), on the same port and data.
    pub fn set_durable(&mut self, durable: bool) -> Result<(), ClusterError> {
        self.durable = durable;
        self.restart()
    }

    /// Starts PostgreSQL again after [`Cluster::stop`], on the same port.
    pub fn restart(&mut self) -> Result<(), ClusterError> {
        self.stop()?;
        self.start_postgres()
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        if let Some((uid, gid)) = self.run_as {
            use std::os::unix::process::CommandExt;
            command.uid(uid).gid(gid);
        }
        command.stdin(Stdio::null());
        command
    }

    fn init(&self) -> Result<(), ClusterError> {
        if self.data_dir.join("PG_VERSION").exists() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.data_dir)
            .map_err(|e| error(format!("creating {}: {e}", self.data_dir.display())))?;
        if let Some((uid, gid)) = self.run_as {
            check_reachable(&self.data_dir)?;
            for dir in self.temp_root.iter().chain([&self.data_dir]) {
                std::os::unix::fs::chown(dir, Some(uid), Some(gid))
                    .map_err(|e| error(format!("handing {} to postgres: {e}", dir.display())))?;
            }
        }
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(&self.data_dir)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ])
            .args(["--locale=C"])
            .output()
            .map_err(|e| error(format!("running initdb: {e}")))?;
        if !output.status.success() {
            return Err(error(format!(
                "initdb failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        Ok(())
    }

    fn start_postgres(&mut self) -> Result<(), ClusterError> {
        let log_path = self.data_dir.join("postgres.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| error(format!("opening {}: {e}", log_path.display())))?;
        let log_err = log.try_clone().map_err(|e| error(e.to_string()))?;
        // A kept cluster's log holds earlier runs: only what this run writes counts.
        let earlier_runs = log.metadata().map_or(0, |m| m.len());
        let postgres = self
            .command("postgres")
            .arg("-D")
            .arg(&self.data_dir)
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-k")
            .arg(&self.data_dir)
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(if self.durable {
                &[
                    "-c",
                    "fsync=on",
                    "-c",
                    "synchronous_commit=on",
                    "-c",
                    "full_page_writes=on",
                ][..]
            } else {
                // Each test's `CREATE DATABASE` writes the whole template (~8 MB) to the
                // WAL: a small `max_wal_size` checkpoints (cheap without fsync) and
                // recycles it, instead of letting a test run grow ~1 GB of WAL on disk.
                &[
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_wal_size=64MB",
                    "-c",
                    "min_wal_size=32MB",
                ][..]
            })
            .args(["-c", "max_connections=300"])
            .args(["-c", "shared_buffers=32MB"])
            .args(self.statement_statistics())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| error(format!("starting postgres: {e}")))?;
        let pid = postgres.id();
        self.postgres = Some(postgres);
        let watchdog = Watchdog::spawn(pid, "QUIT", self.temp_root.as_deref())
            .map_err(|e| error(format!("starting the cleanup watchdog: {e}")))?;
        self.watchdog = Some(watchdog);
        self.wait_until_ready(&log_path, earlier_runs)
    }

    /// `pg_stat_statements` loaded at start when this install has it (Debian's `postgresql`
    /// and the fetched build do), so that a test can count the statements a server runs
    /// (`CREATE EXTENSION pg_stat_statements` in the database it counts).
    fn statement_statistics(&self) -> Vec<&'static str> {
        // Debian's layout, then the fetched build's.
        let libraries = ["../lib", "../lib/postgresql"];
        let installed = libraries.iter().any(|dir| {
            self.bin_dir
                .join(dir)
                .join("pg_stat_statements.so")
                .exists()
        });
        if installed {
            vec!["-c", "shared_preload_libraries=pg_stat_statements"]
        } else {
            Vec::new()
        }
    }

    /// Waits until PostgreSQL says it accepts connections and its port does (no
    /// `pg_isready`: the fetched build has none).
    /// `log_path`'s first `skip` bytes are earlier runs'.
    fn wait_until_ready(&mut self, log_path: &Path, skip: u64) -> Result<(), ClusterError> {
        let port = self.port;
        let postgres = &mut self.postgres;
        let outcome = poll::until(START_TIMEOUT, Duration::from_millis(20), || {
            let said_ready = std::fs::read(log_path).is_ok_and(|log| {
                let this_run = log.get(usize::try_from(skip).unwrap_or(0)..).unwrap_or(&[]);
                String::from_utf8_lossy(this_run).contains("ready to accept connections")
            });
            if said_ready && TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Ok(()));
            }
            let exited = postgres.as_mut().and_then(|p| p.try_wait().ok().flatten());
            exited.map(Err)
        });
        let log = || std::fs::read_to_string(log_path).unwrap_or_default();
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err(status)) => Err(error(format!("postgres exited with {status}: {}", log()))),
            None => Err(error(format!(
                "postgres did not accept connections within {} s; its log:\n{}",
                START_TIMEOUT.as_secs(),
                log()
            ))),
        }
    }

    /// Creates `database` unless it exists (no `createdb`: the fetched build has none).
    pub fn create_database(&self, database: &str) -> Result<(), ClusterError> {
        let url = self.url("postgres");
        let statement = format!("CREATE DATABASE \"{}\"", database.replace('"', "\"\""));
        // A runtime of its own, on a thread of its own: callers may be async or not.
        std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .map_err(|e| e.to_string())?;
                tokio::spawn(connection);
                match client.batch_execute(&statement).await {
                    Ok(()) => Ok(()),
                    Err(e)
                        if e.code()
                            == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) =>
                    {
                        Ok(())
                    }
                    Err(e) => Err(error_text(&e)),
                }
            })
        })
        .join()
        .map_err(|_| error("creating the database: the thread panicked"))?
        .map_err(|e| error(format!("creating database {database}: {e}")))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop();
        if let Some(root) = &self.temp_root {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}

/// What PostgreSQL said, with its SQLSTATE, rather than the driver's bare "db error";
/// the driver's text for errors that did not come from the server.
pub fn error_text(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// The first directory above `dir` that other users cannot search, if any. As root,
/// PostgreSQL runs as an unprivileged user, which must be able to reach its data directory.
pub fn unreachable_ancestor(dir: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    // As PostgreSQL will be given it: symbolic links are not resolved, since the kernel
    // walks the path as written.
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    dir.ancestors().skip(1).find_map(|ancestor| {
        let mode = std::fs::metadata(ancestor)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o755);
        (mode & 0o001 == 0).then(|| ancestor.to_path_buf())
    })
}

fn check_reachable(data_dir: &Path) -> Result<(), ClusterError> {
    match unreachable_ancestor(data_dir) {
        None => Ok(()),
        Some(ancestor) => Err(error(format!(
            "running as root, PostgreSQL runs as an unprivileged user, which cannot reach \
             {}: {} is not searchable by other users. Use a data directory it can reach",
            data_dir.display(),
            ancestor.display()
        ))),
    }
}
