//! [`Limits`]: the bounds of the board's fields, checked on the server.

use super::*;

/// The bounds of the board's fields, checked on the server.
#[derive(Debug)]
pub enum Limits {}

impl Limits {
    /// The longest name.
    pub const NAME_MAX: usize = 200;
    /// The longest description or message.
    pub const TEXT_MAX: usize = 2000;
    /// The longest `Idempotency-Key`.
    pub const IDEMPOTENCY_KEY_MAX: usize = 255;

    /// The first field of `update` out of bounds, named.
    pub fn component(update: &ComponentUpdate) -> Result<(), String> {
        let name = update.name.chars().count();
        if name == 0 || name > Self::NAME_MAX {
            return Err(format!(
                "name must have 1 to {} characters (it has {name})",
                Self::NAME_MAX
            ));
        }
        Self::storable("name", &update.name)?;
        Self::text("description", &update.description)
    }

    /// The first field of `report` out of bounds, named.
    pub fn report(report: &NewStatusReport) -> Result<(), String> {
        Self::text("message", &report.message)
    }

    /// Whether `key` is a usable `Idempotency-Key`.
    pub fn idempotency_key(key: &str) -> Result<(), String> {
        let length = key.chars().count();
        if length == 0 || length > Self::IDEMPOTENCY_KEY_MAX {
            return Err(format!(
                "Idempotency-Key must have 1 to {} characters (it has {length})",
                Self::IDEMPOTENCY_KEY_MAX
            ));
        }
        Ok(())
    }

    fn text(field: &str, text: &str) -> Result<(), String> {
        let length = text.chars().count();
        if length > Self::TEXT_MAX {
            return Err(format!(
                "{field} must have at most {} characters (it has {length})",
                Self::TEXT_MAX
            ));
        }
        Self::storable(field, text)
    }

    /// PostgreSQL's text cannot hold the NUL character (U+0000).
    fn storable(field: &str, text: &str) -> Result<(), String> {
        if text.contains('\0') {
            return Err(format!(
                "{field} must not contain the NUL character (U+0000)"
            ));
        }
        Ok(())
    }
}
