//! `LOG_LEVEL` and `LOG_FORMAT`.

use super::SettingsError;

/// The least severe level that is logged. Accepts Python's level names in any case
/// (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`) and slog's (`trace`, `warn`, `crit`…).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogLevel(pub slog::Level);

impl LogLevel {
    pub(super) fn parse(name: &'static str, raw: &str) -> Result<Self, SettingsError> {
        let level = match raw.trim().to_ascii_lowercase().as_str() {
            "trace" | "trce" | "notset" => slog::Level::Trace,
            "debug" | "debg" => slog::Level::Debug,
            "info" => slog::Level::Info,
            "warn" | "warning" => slog::Level::Warning,
            "error" | "erro" => slog::Level::Error,
            "critical" | "crit" | "fatal" => slog::Level::Critical,
            _ => {
                return Err(SettingsError::Invalid {
                    name,
                    value: raw.to_owned(),
                    expected: "one of TRACE, DEBUG, INFO, WARNING (or WARN), ERROR, \
                               CRITICAL (or CRIT), in any case",
                });
            }
        };
        Ok(Self(level))
    }
}

/// How log records are written to standard output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line, for log collectors.
    Json,
    /// Human-readable, coloured when standard output is a terminal.
    Pretty,
}

impl LogFormat {
    pub(super) fn parse(name: &'static str, raw: &str) -> Result<Self, SettingsError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Self::Json),
            "pretty" => Ok(Self::Pretty),
            _ => Err(SettingsError::Invalid {
                name,
                value: raw.to_owned(),
                expected: "json or pretty",
            }),
        }
    }
}
