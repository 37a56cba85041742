use std::sync::{Arc, Mutex};

use slog::{debug, info, o, warn};

use super::*;

/// With lines of about 150 bytes, four threads of this many overflow the 8 MiB buffer.
const LINES_PER_THREAD: usize = 20_000;

/// An output that tests can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<serde_json::Value> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

#[test]
fn json_lines_carry_level_message_and_values() {
    let out = Captured::default();
    let (log, guard) = init_with_output(LogLevel(slog::Level::Info), LogFormat::Json, out.clone());
    let log = log.new(o!("component" => "test"));
    info!(log, "hello \"world\"\n"; "status" => 200u16, "path" => "/a\\b", "ok" => true);
    guard.flush();
    let lines = out.lines();
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["msg"], "hello \"world\"\n");
    assert_eq!(line["status"], 200);
    assert_eq!(line["path"], "/a\\b");
    assert_eq!(line["ok"], true);
    assert_eq!(line["component"], "test");
    assert_eq!(line["name"], "statusboard");
    assert!(line["ts"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn records_below_the_level_are_not_written() {
    let out = Captured::default();
    let (log, guard) =
        init_with_output(LogLevel(slog::Level::Warning), LogFormat::Json, out.clone());
    debug!(log, "debug");
    info!(log, "info");
    warn!(log, "warn");
    guard.flush();
    let messages: Vec<_> = out.lines().iter().map(|l| l["msg"].clone()).collect();
    assert_eq!(messages, ["warn"]);
}

#[test]
fn lines_from_many_threads_are_all_written() {
    let out = Captured::default();
    let (log, guard) = init_with_output(LogLevel(slog::Level::Info), LogFormat::Json, out.clone());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                for i in 0..LINES_PER_THREAD {
                    info!(log, "burst"; "thread" => t, "i" => i);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    guard.flush();
    assert_eq!(out.lines().len(), 4 * LINES_PER_THREAD);
}

#[test]
fn pretty_format_writes_readable_text() {
    let out = Captured::default();
    let (log, guard) =
        init_with_output(LogLevel(slog::Level::Info), LogFormat::Pretty, out.clone());
    info!(log, "listening"; "port" => 8000);
    guard.flush();
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("INFO") && text.contains("listening") && text.contains("port: 8000"),
        "{text}"
    );
}

#[test]
fn every_string_round_trips_and_the_timestamp_is_rfc3339_utc_now() {
    let out = Captured::default();
    let (log, guard) = init_with_output(LogLevel(slog::Level::Info), LogFormat::Json, out.clone());
    let nasty = "ctl \u{1}\u{1f} quote \" backslash \\ tab \t é ✓ 🦀 end";
    let formatted = format!("{nasty} {}", 42);
    info!(log, "{}", formatted; "plain" => nasty, "again" => "no escapes at all");
    guard.flush();
    let line = &out.lines()[0];
    assert_eq!(line["msg"], format!("{nasty} 42"));
    assert_eq!(line["plain"], nasty);
    assert_eq!(line["again"], "no escapes at all");
    let ts = line["ts"].as_str().unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(ts).unwrap();
    let age = chrono::Utc::now().signed_duration_since(at);
    assert!(
        age >= chrono::Duration::zero() && age < chrono::Duration::seconds(5),
        "{ts}"
    );
    assert_eq!(ts.len(), "2026-11-26T10:36:52.123456Z".len(), "{ts}");
}
