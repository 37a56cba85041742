//! [`Slug`]: a component's name in paths, valid because it was parsed.

use crate::error::{ApiError, ErrorCode, echo};

/// A component's slug: lower-case letters, digits and `-`, starting with a letter or
/// digit, at most [`Slug::MAX`] characters (`^[a-z0-9][a-z0-9-]{0,62}$`). The only way to
/// get one is [`Slug::parse`], so a function that takes a `Slug` never checks it again.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slug(String);

/// Why a text is not a slug; answered as `400 InvalidInput`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "slug {shown} is invalid: expected lower-case letters, digits and `-`, starting with a \
     letter or digit, at most {max} characters",
    max = Slug::MAX
)]
pub struct InvalidSlug {
    /// The text, quoted and cut short (it is echoed to whoever sent it).
    shown: String,
}

impl Slug {
    /// The longest slug.
    pub const MAX: usize = 63;

    /// `text` as a slug, if it is one.
    pub fn parse(text: &str) -> Result<Slug, InvalidSlug> {
        let mut chars = text.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if first_ok && rest_ok && text.len() <= Self::MAX {
            Ok(Slug(text.to_owned()))
        } else {
            Err(InvalidSlug { shown: echo(text) })
        }
    }

    /// The slug's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<InvalidSlug> for ApiError {
    fn from(error: InvalidSlug) -> Self {
        ApiError::new(ErrorCode::InvalidInput, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_slugs_and_only_slugs() {
        for good in ["db", "0", "checkout-api", &"a".repeat(63)] {
            assert_eq!(Slug::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "-db", "DB", "db_1", "dé", &"a".repeat(64), "a/b"] {
            let err = Slug::parse(bad).unwrap_err().to_string();
            assert!(err.starts_with("slug"), "{bad}: {err}");
        }
    }

    #[test]
    fn echoes_a_short_prefix_of_what_it_refuses() {
        let long = "x".repeat(10_000);
        let message = Slug::parse(&long).unwrap_err().to_string();
        assert!(message.len() < 300, "{message}");
        assert!(message.contains('…'));
    }
}
