//! [`Limits`]: the bounds of the board's fields, checked on the server.

use super::*;

/// The bounds of the board's fields, checked on the server.
#[derive(Debug)]
pub enum Limits {}

impl Limits {
    /// The longest name.
    pub const NAME_MAX: usize = 200;
    /// The longest group name.
    pub const GROUP_MAX: usize = 100;
    /// The longest description or message.
    pub const TEXT_MAX: usize = 2000;
    /// The longest `Idempotency-Key`.
    pub const IDEMPOTENCY_KEY_MAX: usize = 255;

    /// The first field of `update` out of bounds, named.
    pub fn component(update: &ComponentUpdate) -> Result<(), String> {
        Self::name("name", &update.name, Self::NAME_MAX)?;
        Self::text("description", &update.description)?;
        match &update.group {
            Some(group) => Self::name("group", group, Self::GROUP_MAX),
            None => Ok(()),
        }
    }

    /// `text`, the field `field`, has 1 to `max` characters, none of them NUL.
    pub fn name(field: &str, text: &str, max: usize) -> Result<(), String> {
        let length = text.chars().count();
        if length == 0 || length > max {
            return Err(format!(
                "{field} must have 1 to {max} characters (it has {length})"
            ));
        }
        Self::storable(field, text)
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
        Self::text_up_to(field, text, Self::TEXT_MAX)
    }

    /// `text`, the field `field`, has at most `max` characters, none of them NUL.
    pub fn text_up_to(field: &str, text: &str, max: usize) -> Result<(), String> {
        let length = text.chars().count();
        if length > max {
            return Err(format!(
                "{field} must have at most {max} characters (it has {length})"
            ));
        }
        Self::storable(field, text)
    }

    /// PostgreSQL's text cannot hold the NUL character (U+0000).
    pub fn storable(field: &str, text: &str) -> Result<(), String> {
        if text.contains('\0') {
            return Err(format!(
                "{field} must not contain the NUL character (U+0000)"
            ));
        }
        Ok(())
    }
}
