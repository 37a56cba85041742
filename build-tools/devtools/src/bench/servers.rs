//! The servers the bench loads: statusboard's release binary in two configurations and the
//! baselines of `build-tools/baselines`, each started fresh, pinned to CPU 0.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use statusboard_server::probe;
use statusboard_tests::os::{free_loopback_port, memory_mib, send_signal};
use statusboard_tests::poll;

use super::wrk::ORIGIN;

/// One server to measure.
#[derive(Debug, Clone)]
pub struct Contender {
    /// How the report names it.
    pub name: &'static str,
    /// The release binary, in cargo's `release/` output directory.
    pub binary: &'static str,
    /// Its environment besides `BIND_ADDRESS`.
    pub env: Vec<(&'static str, String)>,
    /// Whether it logs a `request completed` line per request (the bench counts them).
    pub logs_requests: bool,
}

impl Contender {
    /// statusboard at its default settings (INFO, JSON logs, CORS, metrics on), with
    /// `extra` on top.
    pub fn statusboard(
        name: &'static str,
        database_url: &str,
        extra: &[(&'static str, &str)],
    ) -> Self {
        let mut env = vec![
            (
                "JWT_SECRET",
                "bench-secret-not-for-production-0123456789".to_owned(),
            ),
            ("LOG_LEVEL", "INFO".to_owned()),
            ("LOG_FORMAT", "json".to_owned()),
            ("CORS_ORIGINS", ORIGIN.to_owned()),
            ("DATABASE_URL", database_url.to_owned()),
        ];
        env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        Self {
            name,
            binary: "statusboard-server",
            env,
            logs_requests: true,
        }
    }

    /// A baseline program of `build-tools/baselines`.
    pub fn baseline(name: &'static str, binary: &'static str) -> Self {
        Self {
            name,
            binary,
            env: Vec::new(),
            logs_requests: false,
        }
    }
}

/// A contender running.
#[derive(Debug)]
pub struct Running {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// From spawning it to its first `200` on `/api/v1/health`.
    pub first_ok: Duration,
    /// Its standard output (the request log, for statusboard).
    pub log_path: PathBuf,
}

impl Running {
    /// Starts `contender` (pinned to CPU 0 when `pin`), its output to `log_path`, and waits
    /// for its first `200` (polling every millisecond, at most 10 s).
    pub fn start(
        release: &Path,
        contender: &Contender,
        log_path: &Path,
        pin: bool,
    ) -> Result<Self> {
        let binary = release.join(contender.binary);
        let addr = SocketAddr::from(([127, 0, 0, 1], free_loopback_port()?));
        let metrics = SocketAddr::from(([127, 0, 0, 1], free_loopback_port()?));
        let mut command = if pin {
            let mut c = Command::new("taskset");
            c.args(["-c", "0"]).arg(&binary);
            c
        } else {
            Command::new(&binary)
        };
        command
            .env_clear()
            .env("BIND_ADDRESS", addr.to_string())
            .env("METRICS_BIND_ADDRESS", metrics.to_string());
        for (name, value) in &contender.env {
            command.env(name, value);
        }
        // Truncating the previous run's log (hundreds of MB) takes a while: not part of
        // the start-up time.
        command
            .stdout(std::fs::File::create(log_path)?)
            .stderr(std::fs::File::create(log_path.with_extension("stderr"))?);
        let started = Instant::now();
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut running = Self {
            child,
            addr,
            first_ok: Duration::ZERO,
            log_path: log_path.to_owned(),
        };
        let answered = poll::until(Duration::from_secs(10), Duration::from_millis(1), || {
            probe::get(addr, "/api/v1/health", Duration::from_secs(1))
                .is_ok_and(|(status, _)| status == 200)
                .then(|| started.elapsed())
        });
        if let Some(first_ok) = answered {
            running.first_ok = first_ok;
            return Ok(running);
        }
        running.stop()?;
        bail!(
            "{} did not answer within 10 s (output: {})",
            contender.name,
            log_path.display()
        )
    }

    /// Waits until `/api/v1/ready` answers `200` (its migrations applied), at most 10 s.
    pub fn wait_ready(&self) -> Result<()> {
        let ready = poll::until(Duration::from_secs(10), Duration::from_millis(1), || {
            probe::get(self.addr, "/api/v1/ready", Duration::from_secs(1))
                .is_ok_and(|(status, _)| status == 200)
                .then_some(())
        });
        ready.context("/api/v1/ready did not answer 200 within 10 s")
    }

    /// The process id (with taskset, the child execs the server in place).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, MiB.
    pub fn rss_mib(&self) -> Result<f64> {
        Ok(memory_mib(self.pid(), "VmRSS:")?)
    }

    /// Peak resident memory, MiB.
    pub fn peak_rss_mib(&self) -> Result<f64> {
        Ok(memory_mib(self.pid(), "VmHWM:")?)
    }

    /// Lets the server move to both CPUs (the database comparison runs unpinned).
    pub fn unpin(&self) -> Result<()> {
        Command::new("taskset")
            .args(["-a", "-p", "-c", "0,1"])
            .arg(self.pid().to_string())
            .stdout(Stdio::null())
            .status()?;
        Ok(())
    }

    /// Stops it with SIGTERM and waits. The baselines do not handle the signal; statusboard
    /// must exit 0.
    pub fn stop(&mut self) -> Result<()> {
        send_signal(self.child.id(), "TERM")?;
        let status = self.child.wait()?;
        if status.code().is_some_and(|code| code != 0) {
            bail!("the server exited with {status}");
        }
        Ok(())
    }

    /// How many `request completed` lines it logged.
    pub fn logged_requests(&self) -> Result<u64> {
        Ok(std::fs::read_to_string(&self.log_path)?
            .lines()
            .filter(|l| l.contains("\"request completed\""))
            .count() as u64)
    }
}
