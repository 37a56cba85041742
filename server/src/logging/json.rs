//! Formatting slog records as JSON lines.

use std::fmt::{self, Write as _};

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
        self.writer.append(&format_line(record, values));
        Ok(())
    }
}

/// One record as a JSON object followed by a newline.
fn format_line(record: &Record<'_>, values: &OwnedKVList) -> Vec<u8> {
    let mut line = JsonObject {
        out: String::with_capacity(256),
        scratch: String::new(),
    };
    line.out.push_str("{\"ts\":\"");
    line.out
        .push_str(&chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    line.out.push_str("\",\"level\":\"");
    line.out.push_str(record.level().as_str());
    line.out.push_str("\",\"msg\":");
    match record.msg().as_str() {
        Some(msg) => push_json_string(&mut line.out, msg),
        None => push_json_string(&mut line.out, &record.msg().to_string()),
    }
    // Record values first (they are the most specific), then the logger's.
    let _ = record.kv().serialize(record, &mut line);
    let _ = values.serialize(record, &mut line);
    line.out.push_str("}\n");
    line.out.into_bytes()
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

/// Appends `s` as a JSON string literal.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
