//! How far behind another replica's board is: a second server on the same database, one
//! WebSocket subscriber on it, and [`WRITES`] reports posted one at a time to the first.
//! A replica's hub applies a change to its board in memory before it publishes it, so
//! the subscriber's arrival is when the second replica's board has the change. Two
//! figures per write: from just before the `POST` (commit, notification, the log's read,
//! applying, the subscriber's own read: an upper bound of commit to applied), and beyond
//! the `POST`'s answer (which comes once the writer's own replica has applied it).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use tokio_tungstenite::tungstenite::Message;

use super::servers::{Contender, Running};
use super::{board, median};

/// How many reports are posted.
const WRITES: usize = 200;

/// Posts [`WRITES`] reports to `server` and reads them on a second replica; prints the
/// lags' p50 and p99.
pub fn measure(
    server: &Running,
    contender: &Contender,
    release: &Path,
    out_dir: &Path,
) -> Result<()> {
    let second = Running::start(release, contender, &out_dir.join("replica.log"), false)?;
    second.wait_ready()?;
    let token = board::access_token(release, contender)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut whole, mut beyond) = runtime.block_on(lags(server, &second, &token))?;
    let mut second = second;
    second.stop()?;
    let p = |values: &mut Vec<f64>, q: f64| {
        values.sort_by(f64::total_cmp);
        values[((values.len() - 1) as f64 * q).round() as usize]
    };
    println!(
        "\nanother replica's board, {WRITES} reports posted one at a time: from the POST to \
         applied there p50 {:.2} ms, p99 {:.2} ms; after the writer's answer p50 {:.2} ms, \
         p99 {:.2} ms",
        median(&mut whole.clone()),
        p(&mut whole, 0.99),
        median(&mut beyond.clone()),
        p(&mut beyond, 0.99),
    );
    Ok(())
}

/// Each write's lag, ms: from before its `POST`, and beyond its answer (0 if before).
async fn lags(writer: &Running, reader: &Running, token: &str) -> Result<(Vec<f64>, Vec<f64>)> {
    let url = format!("ws://{}/api/v1/events", reader.addr);
    let (mut socket, _) = tokio_tungstenite::connect_async(&url).await?;
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) if text.contains("\"caught_up\"") => break,
            Some(Ok(_)) => {}
            other => bail!("the subscriber closed before caught_up: {other:?}"),
        }
    }
    let http = reqwest::Client::new();
    let (mut whole, mut beyond) = (Vec::new(), Vec::new());
    for n in 0..WRITES {
        let message = format!("replica lag {n}");
        let posted = Instant::now();
        let answer = http
            .post(format!(
                "http://{}/api/v1/components/c1/reports",
                writer.addr
            ))
            .bearer_auth(token)
            .json(&serde_json::json!({ "status": "operational", "message": message }))
            .send()
            .await?;
        let answered = Instant::now();
        if !answer.status().is_success() {
            bail!("POST …/reports: {}", answer.status());
        }
        let arrived = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(Ok(frame)) = socket.next().await {
                if let Message::Text(text) = frame
                    && text.contains(&message)
                {
                    return Some(Instant::now());
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .context("the other replica's subscriber did not get the report within 10 s")?;
        whole.push(arrived.duration_since(posted).as_secs_f64() * 1e3);
        beyond.push(arrived.saturating_duration_since(answered).as_secs_f64() * 1e3);
    }
    Ok((whole, beyond))
}
