//! [`CapturedLog`]: a server's log lines kept in memory, for a test to read.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use slog::{Drain, Key, OwnedKVList, Record, Serializer, o};

/// Every line logged through [`CapturedLog::logger`], as `message key=value …`.
#[derive(Clone, Debug, Default)]
pub struct CapturedLog(Arc<Mutex<Vec<String>>>);

impl CapturedLog {
    /// A logger whose lines this keeps.
    pub fn logger(&self) -> slog::Logger {
        slog::Logger::root(self.clone().fuse(), o!())
    }

    /// The lines logged so far.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().map(|lines| lines.clone()).unwrap_or_default()
    }
}

impl Drain for CapturedLog {
    type Ok = ();
    type Err = slog::Never;

    fn log(&self, record: &Record<'_>, values: &OwnedKVList) -> Result<(), slog::Never> {
        let mut line = Line(record.msg().to_string());
        let _ = slog::KV::serialize(&record.kv(), record, &mut line);
        let _ = slog::KV::serialize(values, record, &mut line);
        if let Ok(mut lines) = self.0.lock() {
            lines.push(line.0);
        }
        Ok(())
    }
}

/// One line being written.
struct Line(String);

impl Serializer for Line {
    fn emit_arguments(&mut self, key: Key, value: &std::fmt::Arguments<'_>) -> slog::Result {
        let _ = write!(self.0, " {key}={value}");
        Ok(())
    }
}
