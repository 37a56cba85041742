//! `cargo xtask bench`: how fast statusboard answers, measured against its limits in the
//! same run.
//!
//! 1. `GET /api/v1/health` on five servers, each started fresh and pinned to CPU 0 with
//!    wrk (one thread, an `Origin` header) on CPU 1: a bare hyper server and a bare
//!    dropshot server (`build-tools/baselines`), statusboard at its default settings
//!    (INFO, every request logged, CORS, metrics on), statusboard with metrics off, and
//!    statusboard with metrics off and no request log (`LOG_LEVEL=WARN`, as bare dropshot
//!    runs): what the request log line costs.
//!    The servers take turns over several rotations (the order shifting each time); each
//!    figure is the median over the rotations, and each ratio the median of the
//!    same-rotation ratios, since this shared machine's speed drifts between runs.
//! 2. The log pipelines: statusboard's writer against slog-async + slog-json.
//! 3. `/api/v1/ready` against pgbench (see [`database`]).
//! 4. `POST …/reports`, `GET /api/v1/components` and `GET /api/v1/summary` against
//!    pgbench running the same SQL (see [`board`]); the summary from memory against bare
//!    hyper answering the same bytes, `200` and `304` (see [`memory`]); another
//!    replica's lag behind a write (see [`replicas`]); and
//!    `GET /api/v1/uptime?days=90` on 200 components with a year of history (see
//!    [`uptime`]).
//! 5. `/api/v1/ready` and the board through PgBouncer in transaction pooling mode (see
//!    [`pgbouncer`]).
//! 6. Webhooks: 100 subscriptions, 1,000 changes at once, then a paced change stream:
//!    deliveries per second, commit-to-arrival delays (see [`webhooks`]).
//! 7. The live board with 1,000 and 10,000 subscribers: delivery delays and memory per
//!    subscriber (see [`live`]).
//!
//! Everything each server printed is under `target/release/bench/`. PostgreSQL runs
//! without durability as in the tests, unless `--durable` (commits to disk, as in
//! production: what write throughput is compared with).

mod board;
mod database;
mod live;
mod memory;
mod pgbouncer;
mod replicas;
mod servers;
mod uptime;
mod webhooks;
mod wrk;

use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use statusboard_tests::postgres::{Cluster, DataDir};

use servers::{Contender, Running};

/// Command-line options.
#[derive(Debug)]
pub struct Options {
    duration_s: u64,
    connections: u32,
    rotations: usize,
    /// `--only board|health|live|webhooks`: only that part.
    only: Option<Part>,
    /// `--durable`: PostgreSQL commits to disk (`fsync`, `synchronous_commit`), as in
    /// production; off by default, as in the tests.
    durable: bool,
}

/// A part of the bench that runs alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The board's endpoints against pgbench.
    Board,
    /// The live board's subscribers.
    Live,
    /// Webhook deliveries.
    Webhooks,
    /// `GET /api/v1/health` against the baselines, and the log pipelines.
    Health,
}

fn parse_options(args: &[&str]) -> Result<Options> {
    let mut options = Options {
        duration_s: 10,
        connections: 32,
        rotations: 5,
        only: None,
        durable: false,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        if *flag == "--durable" {
            options.durable = true;
            continue;
        }
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match *flag {
            "--duration" => options.duration_s = value.parse().context("--duration")?,
            "--connections" => options.connections = value.parse().context("--connections")?,
            "--rotations" => options.rotations = value.parse().context("--rotations")?,
            "--only" => {
                options.only = Some(match *value {
                    "board" => Part::Board,
                    "live" => Part::Live,
                    "webhooks" => Part::Webhooks,
                    "health" => Part::Health,
                    _ => bail!(
                        "--only {value}: the parts that run alone are `board`, `health`, \
                         `live` and `webhooks`"
                    ),
                })
            }
            _ => bail!("unknown option {flag}"),
        }
    }
    if options.rotations == 0 {
        bail!("--rotations must be at least 1");
    }
    Ok(options)
}

/// One contender's figures in one rotation.
#[derive(Debug, Clone, Copy)]
struct Sample {
    load: wrk::Load,
    idle_rss_mib: f64,
    peak_rss_mib: f64,
    first_ok_ms: f64,
}

pub fn run(args: &[&str]) -> Result<()> {
    let options = parse_options(args)?;
    for tool in ["wrk", "taskset", "pgbench"] {
        if Command::new(tool).arg("--version").output().is_err() {
            bail!("{tool} is not installed (Debian: apt-get install wrk util-linux postgresql)");
        }
    }
    let root = crate::workspace_root()?;
    let release = crate::target_dir(&root)?.join("release");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "--locked", "-p", "statusboard-server"])
        .args(["-p", "statusboard-baselines"])
        .current_dir(&root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --release failed");
    }
    let pin = std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    let out_dir = release.join("bench");
    std::fs::create_dir_all(&out_dir)?;

    let mut cluster = Cluster::start(DataDir::Temporary, None)?;
    if options.durable {
        cluster.set_durable(true)?;
    }
    if options.only == Some(Part::Live) {
        return live::measure(&cluster, &release, &out_dir, pin);
    }
    if options.only == Some(Part::Webhooks) {
        return webhooks::measure(&cluster, &release, &out_dir, &options);
    }
    let database_url = cluster.url("postgres");
    if options.only == Some(Part::Board) {
        let contender = Contender::statusboard("statusboard", &database_url, &[]);
        let mut server = Running::start(&release, &contender, &out_dir.join("ready.log"), false)?;
        server.wait_ready()?;
        board::compare(&server, &contender, &cluster, &release, &out_dir, &options)?;
        return server.stop();
    }
    let contenders = [
        Contender::baseline("bare hyper", "bare-hyper"),
        Contender::baseline("bare dropshot", "bare-dropshot"),
        Contender::statusboard("statusboard (default)", &database_url, &[]),
        Contender::statusboard(
            "statusboard, metrics off",
            &database_url,
            &[("METRICS_BIND_ADDRESS", "")],
        ),
        Contender {
            logs_requests: false,
            ..Contender::statusboard(
                "statusboard, metrics off, no request log",
                &database_url,
                &[("METRICS_BIND_ADDRESS", ""), ("LOG_LEVEL", "WARN")],
            )
        },
    ];

    // samples[rotation][contender]
    let mut samples: Vec<Vec<Sample>> = Vec::new();
    let (mut logged, mut completed) = (0, 0);
    for rotation in 0..options.rotations {
        let mut row = vec![None; contenders.len()];
        for turn in 0..contenders.len() {
            let index = (rotation + turn) % contenders.len();
            let contender = &contenders[index];
            let log_path = out_dir.join(format!("{}.log", contender.binary.replace('-', "_")));
            let mut server = Running::start(&release, contender, &log_path, pin)?;
            std::thread::sleep(Duration::from_millis(500));
            let idle_rss_mib = server.rss_mib()?;
            let url = format!("http://{}/api/v1/health", server.addr);
            let load = wrk::run(&url, options.connections, options.duration_s, pin)?;
            let peak_rss_mib = server.peak_rss_mib()?;
            server.stop()?;
            if contender.logs_requests {
                logged += server.logged_requests()?;
                completed += load.requests;
            }
            println!(
                "rotation {}: {:<26} {:>8.0} req/s  p50 {:.2} ms  p99 {:.2} ms",
                rotation + 1,
                contender.name,
                load.requests_per_second,
                load.p50_ms,
                load.p99_ms
            );
            row[index] = Some(Sample {
                load,
                idle_rss_mib,
                peak_rss_mib,
                first_ok_ms: server.first_ok.as_secs_f64() * 1e3,
            });
        }
        samples.push(row.into_iter().flatten().collect());
    }
    report(&contenders, &samples, &options);
    // wrk counts only completed responses; requests cut off when it stops are logged too.
    let verdict = if logged >= completed {
        "none lost"
    } else {
        "LINES LOST"
    };
    println!(
        "statusboard request log lines: {logged} for {completed} completed requests ({verdict})"
    );

    log_pipelines(&release, &out_dir, pin)?;
    if options.only == Some(Part::Health) {
        return Ok(());
    }

    let contender = Contender::statusboard("statusboard", &database_url, &[]);
    let mut server = Running::start(&release, &contender, &out_dir.join("ready.log"), false)?;
    database::compare(&server, &cluster, &options)?;
    board::compare(&server, &contender, &cluster, &release, &out_dir, &options)?;
    server.stop()?;
    pgbouncer::measure(&cluster, &release, &out_dir, &options)?;
    webhooks::measure(&cluster, &release, &out_dir, &options)?;
    live::measure(&cluster, &release, &out_dir, pin)
}

/// Prints the table: ratios first, then the absolute figures (medians over rotations).
fn report(contenders: &[Contender], samples: &[Vec<Sample>], options: &Options) {
    let column = |index: usize, value: fn(&Sample) -> f64| -> f64 {
        median(
            &mut samples
                .iter()
                .map(|row| value(&row[index]))
                .collect::<Vec<_>>(),
        )
    };
    let ratio = |index: usize, base: usize, value: fn(&Sample) -> f64| -> f64 {
        median(
            &mut samples
                .iter()
                .map(|row| value(&row[index]) / value(&row[base]))
                .collect::<Vec<_>>(),
        )
    };
    let rps = |s: &Sample| s.load.requests_per_second;
    println!(
        "\nGET /api/v1/health, {} rotations of {} s, {} connections; medians (ratios: median of \
         same-rotation ratios)",
        options.rotations, options.duration_s, options.connections
    );
    println!(
        "| server | × bare hyper | × bare dropshot | req/s | p50 ms | p99 ms | idle RSS MiB | \
         peak RSS MiB | first 200 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (index, contender) in contenders.iter().enumerate() {
        println!(
            "| {} | {:.2} | {:.2} | {:.0} | {:.2} | {:.2} | {:.1} | {:.1} | {:.1} |",
            contender.name,
            ratio(index, 0, rps),
            ratio(index, 1, rps),
            column(index, rps),
            column(index, |s| s.load.p50_ms),
            column(index, |s| s.load.p99_ms),
            column(index, |s| s.idle_rss_mib),
            column(index, |s| s.peak_rss_mib),
            column(index, |s| s.first_ok_ms),
        );
    }
    println!(
        "metrics on / metrics off: {:.2} (median of same-rotation ratios)",
        ratio(2, 3, rps)
    );
}

/// statusboard's log pipeline against slog-async (blocking, never dropping) + slog-json,
/// 400 000 request lines from two threads, pinned to CPU 0 like the server.
fn log_pipelines(release: &std::path::Path, out_dir: &std::path::Path, pin: bool) -> Result<()> {
    let binary = release.join("log-pipelines");
    let mut command = if pin {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(&binary);
        c
    } else {
        Command::new(&binary)
    };
    let output = command
        .args(["400000", "2"])
        .arg(out_dir.join("log-pipelines.out"))
        .output()
        .context("running log-pipelines")?;
    if !output.status.success() {
        bail!(
            "log-pipelines failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let rate = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse::<f64>().ok())
    };
    let ours = rate("statusboard").context("log-pipelines output")?;
    println!("\nlog pipelines, request lines per second:");
    for line in text.lines() {
        if let Some((name, value)) = line.split_once(' ')
            && let Ok(value) = value.parse::<f64>()
        {
            println!(
                "  {name:<32} {value:>10.0}  ({:.2} × statusboard's)",
                value / ours
            );
        }
    }
    Ok(())
}

/// The median (the upper one for an even count).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
