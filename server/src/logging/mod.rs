//! Structured logging with slog: one JSON object per line, or pretty text for a terminal.
//!
//! Records are formatted on the thread that logs them and appended to a buffer that one
//! background thread writes out in batches (see [`LineWriter`]). When the buffer is full, the
//! logging thread waits: under a burst, logging slows requests down a little rather than
//! silently dropping lines (slog-async's default would drop them). Nothing is ever
//! dropped, so there is no drop counter to report.
//!
//! Why our own writer and formatter rather than slog-async + slog-json: `cargo xtask bench`
//! measures both (`build-tools/baselines`, `log-pipelines`: 400 000 `request completed`
//! lines from two threads, pinned to one CPU like the server). On 2026-11-26: this module
//! 1.38 M lines/s; slog-async with `OverflowStrategy::Block` (so that nothing is dropped) +
//! slog-json, flushed per line so that a line reaches the output when logged, 0.54 M
//! (0.39×); unflushed 0.63 M (0.46×). The rule was to switch within 15 %; it is far outside.
//!
//! Keep the [`LogGuard`] alive for the life of the process: dropping it flushes every
//! line logged before.

mod json;
mod writer;

use slog::{Drain, Logger, o};

use crate::config::{LogFormat, LogLevel};
pub use json::JsonLines;
pub use writer::{LineWriter, LogGuard};

/// Builds the process logger writing to standard output.
pub fn init(level: LogLevel, format: LogFormat) -> (Logger, LogGuard) {
    init_with_output(level, format, std::io::stdout())
}

/// Builds a logger writing to `output` (standard output in the server; a buffer in tests).
pub fn init_with_output<W>(level: LogLevel, format: LogFormat, output: W) -> (Logger, LogGuard)
where
    W: std::io::Write + Send + 'static,
{
    let (writer, guard) = LineWriter::spawn(output);
    let root = o!("name" => "statusboard");
    let logger = match format {
        LogFormat::Json => {
            let drain = slog::LevelFilter::new(JsonLines::new(writer), level.0);
            Logger::root(drain.ignore_res(), root)
        }
        LogFormat::Pretty => {
            let decorator = slog_term::PlainSyncDecorator::new(writer);
            let drain = slog_term::FullFormat::new(decorator).build();
            let drain = slog::LevelFilter::new(drain, level.0);
            Logger::root(drain.ignore_res(), root)
        }
    };
    (logger, guard)
}

/// A logger that discards everything, for code paths that need one but have no output.
pub fn discard() -> Logger {
    Logger::root(slog::Discard, o!())
}

#[cfg(test)]
mod tests;
