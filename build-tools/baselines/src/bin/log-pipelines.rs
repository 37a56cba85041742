//! statusboard's log pipeline (formatted on the logging thread, batched by one writer
//! thread, never dropping) against slog-async with `OverflowStrategy::Block` plus
//! slog-json, on the record a request leaves: dropshot's `request completed` line with its
//! per-request context.
//!
//! `log-pipelines <records> <threads> <output file>` logs `records` lines from `threads`
//! threads through each pipeline in turn, to the file, and prints
//! `<pipeline> <records per second>` for each, the time including the final flush.

use std::sync::Arc;
use std::time::Instant;

use slog::{Drain, Logger, info, o};
use statusboard_server::config::{LogFormat, LogLevel};

/// Logs `records` request lines from `threads` threads; returns records per second.
fn drive(log: &Logger, records: usize, threads: usize, done: impl FnOnce()) -> f64 {
    let started = Instant::now();
    let per_thread = records / threads;
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let log = log.clone();
            scope.spawn(move || {
                for i in 0..per_thread {
                    let request_log = log.new(o!(
                        "local_addr" => "127.0.0.1:8000",
                        "remote_addr" => "127.0.0.1:51234",
                        "req_id" => format!("{thread:08x}-0000-4000-8000-{i:012x}"),
                        "method" => "GET",
                        "uri" => "/api/v1/health",
                    ));
                    info!(request_log, "request completed";
                        "latency_us" => 57 + i % 100, "response_code" => 200);
                }
            });
        }
    });
    done();
    (per_thread * threads) as f64 / started.elapsed().as_secs_f64()
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [records, threads, path] = args.as_slice() else {
        anyhow::bail!("usage: log-pipelines <records> <threads> <output file>");
    };
    let (records, threads): (usize, usize) = (records.parse()?, threads.parse()?);
    let open = || std::fs::File::create(path);

    let level = LogLevel(slog::Level::Info);
    let (ours, guard) =
        statusboard_server::logging::init_with_output(level, LogFormat::Json, open()?);
    let rate = drive(&ours, records, threads, move || drop(guard));
    println!("statusboard {rate:.0}");

    // slog-json writes each record in several pieces: buffer them, and flush after each
    // record so that a line reaches the output when it is logged, as ours does (within
    // 2 ms); `unflushed` shows the cost of that promise.
    for (name, flush) in [
        ("slog-async+slog-json", true),
        ("slog-async+slog-json-unflushed", false),
    ] {
        let json = slog_json::Json::new(std::io::BufWriter::new(open()?))
            .add_default_keys()
            .set_flush(flush)
            .build()
            .fuse();
        let (drain, guard) = slog_async::Async::new(json)
            .chan_size(8192)
            .overflow_strategy(slog_async::OverflowStrategy::Block)
            .build_with_guard();
        let theirs = Logger::root(Arc::new(drain.fuse()), o!("name" => "statusboard"));
        let rate = drive(&theirs, records, threads, move || drop(guard));
        println!("{name} {rate:.0}");
    }
    Ok(())
}
