//! The summary read from memory against its limit: a bare hyper server (`bare-hyper`,
//! `build-tools/baselines`) answering the same bytes from memory with the same `ETag`,
//! both for a `200` (the whole summary) and for a `304` (a revalidation naming the `ETag`).
//! Both servers run unpinned, as the board's comparisons do, taking turns.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use statusboard_server::probe;

use super::servers::{Contender, Running};
use super::{Options, median, wrk};

/// How many times each side runs, alternately.
const ROUNDS: usize = 3;

/// The summary's `ETag` and body as `server` answers them now.
fn summary(server: &Running) -> Result<(String, Vec<u8>)> {
    let request = format!(
        "GET /api/v1/summary HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr
    );
    let raw = probe::exchange(server.addr, request.as_bytes(), Duration::from_secs(5))?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("the summary's answer has no end of headers")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    if probe::status_code(&head) != 200 || head.to_ascii_lowercase().contains("chunked") {
        bail!("the summary answered, unexpectedly:\n{head}");
    }
    let etag = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("etag")
                .then(|| value.trim().to_owned())
        })
        .context("the summary carries no ETag")?;
    Ok((etag, raw[split + 4..].to_vec()))
}

/// Measures `GET /api/v1/summary` on `server` (`200` and `304`) against bare hyper
/// answering the same bytes; prints each round, the medians and the ratios.
pub fn compare(server: &Running, release: &Path, out_dir: &Path, options: &Options) -> Result<()> {
    let (etag, body) = summary(server)?;
    let body_path = out_dir.join("summary.json");
    std::fs::write(&body_path, &body)?;
    let mut baseline = Contender::baseline("bare hyper, the summary's bytes", "bare-hyper");
    baseline.env = vec![
        ("ANSWER_PATH", "/api/v1/summary".to_owned()),
        ("ANSWER_FILE", body_path.display().to_string()),
        ("ANSWER_ETAG", etag.clone()),
    ];
    let mut bare = Running::start(
        release,
        &baseline,
        &out_dir.join("bare_hyper_summary.log"),
        false,
    )?;
    let revalidate = out_dir.join("if-none-match.lua");
    std::fs::write(
        &revalidate,
        format!("wrk.headers[\"If-None-Match\"] = '{etag}'\n"),
    )?;
    let mut measured = Vec::new();
    for (case, script) in [("200", None), ("304", Some(revalidate.as_path()))] {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        let mut ratios = Vec::new();
        for _ in 0..ROUNDS {
            let mut rates = [0.0; 2];
            for (index, running) in [server, &bare].into_iter().enumerate() {
                let url = format!("http://{}/api/v1/summary", running.addr);
                let load =
                    wrk::run_script(&url, script, options.connections, options.duration_s, false)?;
                let who = ["statusboard", "bare hyper"][index];
                println!(
                    "GET /api/v1/summary ({case}, {} bytes), {who}: {:.0} req/s, p50 {:.2} ms, \
                     p99 {:.2} ms",
                    if case == "200" { body.len() } else { 0 },
                    load.requests_per_second,
                    load.p50_ms,
                    load.p99_ms
                );
                rates[index] = load.requests_per_second;
                [&mut ours, &mut theirs][index].push(load);
            }
            ratios.push(rates[0] / rates[1]);
        }
        measured.push((case, ours, theirs, median(&mut ratios)));
    }
    bare.stop()?;
    println!("\nGET /api/v1/summary from memory against bare hyper answering the same bytes:");
    println!("| answer | statusboard req/s | p99 ms | bare hyper req/s | p99 ms | × bare hyper |");
    println!("|---|---|---|---|---|---|");
    for (case, ours, theirs, ratio) in measured {
        let rate = |loads: &[wrk::Load]| {
            median(
                &mut loads
                    .iter()
                    .map(|l| l.requests_per_second)
                    .collect::<Vec<_>>(),
            )
        };
        let p99 =
            |loads: &[wrk::Load]| median(&mut loads.iter().map(|l| l.p99_ms).collect::<Vec<_>>());
        println!(
            "| {case} | {:.0} | {:.2} | {:.0} | {:.2} | {ratio:.2} |",
            rate(&ours),
            p99(&ours),
            rate(&theirs),
            p99(&theirs)
        );
    }
    Ok(())
}
