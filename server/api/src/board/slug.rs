//! [`Slug`]: a component's name in paths, valid because it was parsed.
//!
//! The documents (11.0.0 on) describe it once, as the schema `Slug` with its pattern, which
//! every `{slug}` path parameter refers to: generated clients get one `Slug` type that
//! checks a slug before it is sent.

use schemars::JsonSchema;
use schemars::r#gen::SchemaGenerator;
use schemars::schema::{InstanceType, Metadata, Schema, SchemaObject, StringValidation};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode, echo};

/// A component's slug: lower-case letters, digits and `-`, starting with a letter or
/// digit, at most [`Slug::MAX`] characters ([`Slug::PATTERN`]). The only way to get one is
/// [`Slug::parse`] (which deserializing calls), so a function that takes a `Slug` never
/// checks it again.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
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

    /// The slugs, as a regular expression (the schema's `pattern`).
    pub const PATTERN: &str = "^[a-z0-9][a-z0-9-]{0,62}$";

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

impl TryFrom<String> for Slug {
    type Error = InvalidSlug;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Slug::parse(&text)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> Self {
        slug.0
    }
}

/// One schema, `Slug`, that every use refers to: a string with the pattern and length.
impl JsonSchema for Slug {
    fn schema_name() -> String {
        "Slug".to_owned()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        Schema::Object(SchemaObject {
            metadata: Some(Box::new(Metadata {
                description: Some(
                    "A component's slug, its identity in paths: lower-case letters, digits \
                     and `-`, starting with a letter or digit, at most 63 characters."
                        .to_owned(),
                ),
                ..Metadata::default()
            })),
            instance_type: Some(InstanceType::String.into()),
            string: Some(Box::new(StringValidation {
                max_length: Some(Slug::MAX as u32),
                min_length: Some(1),
                pattern: Some(Slug::PATTERN.to_owned()),
            })),
            ..SchemaObject::default()
        })
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
    fn deserializes_through_parse_and_serializes_as_its_text() {
        let slug: Slug = serde_json::from_str("\"checkout-api\"").unwrap();
        assert_eq!(serde_json::to_string(&slug).unwrap(), "\"checkout-api\"");
        let refused = serde_json::from_str::<Slug>("\"Checkout\"").unwrap_err();
        assert!(
            refused
                .to_string()
                .starts_with("slug \"Checkout\" is invalid"),
            "{refused}"
        );
    }

    #[test]
    fn the_schema_states_the_rule_that_parse_applies() {
        let schema = schemars::schema_for!(Slug);
        let schema = serde_json::to_value(schema).unwrap();
        assert_eq!(schema["pattern"], Slug::PATTERN, "{schema}");
        assert_eq!(schema["maxLength"], Slug::MAX, "{schema}");
        let pattern = regress::Regex::new(Slug::PATTERN).unwrap();
        let long = "a".repeat(Slug::MAX + 1);
        for text in ["db", "0-a", "-db", "DB", "db_1", "", long.as_str(), "dé"] {
            assert_eq!(
                pattern.find(text).is_some(),
                Slug::parse(text).is_ok(),
                "the pattern and parse disagree on {text:?}"
            );
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
