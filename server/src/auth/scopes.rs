//! What a token allows: OAuth 2.0 scopes, written space-separated in the `scope` claim
//! and in token responses (RFC 6749, section 3.3).

use std::collections::BTreeSet;
use std::fmt;

pub use statusboard_api::Scope;

/// A set of scopes; `Display` writes them space-separated, in a fixed order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    /// Parses a space-separated list; an unknown name is an error naming it and the known
    /// ones.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split_whitespace()
            .map(|name| {
                Scope::parse(name).ok_or_else(|| {
                    let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                    format!("unknown scope {name:?}: expected {}", known.join(" or "))
                })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether `scope` is among them.
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&names.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_and_write_space_separated_in_a_fixed_order() {
        let scopes = Scopes::parse("reports:write  components:write").unwrap();
        assert!(scopes.contains(Scope::ReportsWrite));
        assert!(scopes.contains(Scope::ComponentsWrite));
        assert_eq!(scopes.to_string(), "components:write reports:write");
        assert_eq!(Scopes::parse(""), Ok(Scopes::default()));
    }

    #[test]
    fn an_unknown_scope_is_named() {
        let err = Scopes::parse("reports:write admin").unwrap_err();
        assert!(err.contains("\"admin\""), "{err}");
        assert!(err.contains("components:write or reports:write"), "{err}");
    }
}
