//! Formatting slog records as JSON lines.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use slog::{KV, Key, OwnedKVList, Record, Serializer};

use super::LineWriter;

/// A slog drain writing each record as one JSON object on one line:
/// `{"ts":…,"level":"INFO","msg":…,<record's and logger's key-values>}`.
#[derive(Debug)]
pub struct JsonLines {
    writer: LineWriter,
}

impl JsonLines {
    /// A drain sending its lines to `writer`.
    pub fn new(writer: LineWriter) -> Self {
        Self { writer }
    }
}

impl slog::Drain for JsonLines {
    type Ok = ();
    type Err = slog::Never;

    fn log(&self, record: &Record<'_>, values: &OwnedKVList) -> Result<(), slog::Never> {
        // Each thread formats into a line buffer of its own, kept between records, so a
        // line costs no allocation once the buffers have grown.
        thread_local! {
            static LINE: RefCell<JsonObject> = RefCell::new(JsonObject {
                out: String::with_capacity(512),
                scratch: String::new(),
            });
        }
        LINE.with_borrow_mut(|line| {
            line.out.clear();
            format_line(line, record, values);
            self.writer.append(line.out.as_bytes());
        });
        Ok(())
    }
}

fn format_line(line: &mut JsonObject, record: &Record<'_>, values: &OwnedKVList) {
    line.out.push_str("{\"ts\":\"");
    push_timestamp(&mut line.out, SystemTime::now());
    line.out.push_str("\",\"level\":\"");
    line.out.push_str(record.level().as_str());
    line.out.push_str("\",\"msg\":");
    match record.msg().as_str() {
        Some(msg) => push_json_string(&mut line.out, msg),
        None => {
            line.scratch.clear();
            let _ = line.scratch.write_fmt(*record.msg());
            let JsonObject { out, scratch } = line;
            push_json_string(out, scratch);
        }
    }
    let _ = record.kv().serialize(record, line);
    let _ = values.serialize(record, line);
    line.out.push_str("}\n");
}

/// Appends `now` as RFC 3339 in UTC with microseconds (`2026-11-26T10:36:52.123456Z`). The
/// part up to the seconds is formatted once per second per thread.
fn push_timestamp(out: &mut String, now: SystemTime) {
    thread_local! {
        static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    SECOND.with_borrow_mut(|(cached, prefix)| {
        if *cached != seconds {
            *cached = seconds;
            prefix.clear();
            let at =
                chrono::DateTime::<chrono::Utc>::from(UNIX_EPOCH + Duration::from_secs(seconds));
            let _ = write!(prefix, "{}", at.format("%Y-%m-%dT%H:%M:%S"));
        }
        out.push_str(prefix);
    });
    let _ = write!(out, ".{:06}Z", since_epoch.subsec_micros());
}

struct JsonObject {
    out: String,
    scratch: String,
}

impl JsonObject {
    fn key(&mut self, key: Key) {
        self.out.push(',');
        push_json_string(&mut self.out, key.as_ref());
        self.out.push(':');
    }

    fn raw(&mut self, key: Key, value: impl fmt::Display) -> slog::Result {
        self.key(key);
        let _ = write!(self.out, "{value}");
        Ok(())
    }
}

impl Serializer for JsonObject {
    fn emit_arguments(&mut self, key: Key, value: &fmt::Arguments<'_>) -> slog::Result {
        self.key(key);
        match value.as_str() {
            Some(s) => push_json_string(&mut self.out, s),
            None => {
                self.scratch.clear();
                let _ = self.scratch.write_fmt(*value);
                push_json_string(&mut self.out, &self.scratch);
            }
        }
        Ok(())
    }

    fn emit_str(&mut self, key: Key, value: &str) -> slog::Result {
        self.key(key);
        push_json_string(&mut self.out, value);
        Ok(())
    }

    fn emit_bool(&mut self, key: Key, value: bool) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_u8(&mut self, key: Key, value: u8) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_u16(&mut self, key: Key, value: u16) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_u32(&mut self, key: Key, value: u32) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_u64(&mut self, key: Key, value: u64) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_usize(&mut self, key: Key, value: usize) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_u128(&mut self, key: Key, value: u128) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_i128(&mut self, key: Key, value: i128) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_i8(&mut self, key: Key, value: i8) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_i16(&mut self, key: Key, value: i16) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_i32(&mut self, key: Key, value: i32) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_i64(&mut self, key: Key, value: i64) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_isize(&mut self, key: Key, value: isize) -> slog::Result {
        self.raw(key, value)
    }
    fn emit_f64(&mut self, key: Key, value: f64) -> slog::Result {
        if value.is_finite() {
            self.raw(key, value)
        } else {
            self.raw(key, "null")
        }
    }
    fn emit_f32(&mut self, key: Key, value: f32) -> slog::Result {
        self.emit_f64(key, f64::from(value))
    }
    fn emit_unit(&mut self, key: Key) -> slog::Result {
        self.raw(key, "null")
    }
    fn emit_none(&mut self, key: Key) -> slog::Result {
        self.raw(key, "null")
    }
}

/// Appends `s` as a JSON string literal: runs of characters that need no escaping are
/// copied whole.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut run = 0;
    for (at, byte) in s.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run..at]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escaped);
        }
        run = at + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}
