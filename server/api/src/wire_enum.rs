//! [`wire_enum!`]: an enum of names as the API spells them (`snake_case`), with every
//! value listed (`ALL`), its name (`as_str`), the value of a name (`parse`), and a
//! deserializer whose error names what the value is and lists the known ones (serde's own
//! names neither).

/// Declares `pub enum $name` whose values are spelled as given, e.g.
///
/// ```ignore
/// wire_enum! {
///     /// How bad an incident is.
///     Impact ("impact") {
///         /// No effect on users.
///         None = "none",
///         /// Some users are affected.
///         Minor = "minor",
///     }
/// }
/// ```
///
/// `"impact"` is what an unknown name is called in the error: `impact "huge" is unknown:
/// expected one of none, minor`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident ($what:literal) {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, serde::Serialize, schemars::JsonSchema, PartialEq, Eq, Hash)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order of the document.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// Its name on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )+
                }
            }

            /// The value called `name`, if there is one.
            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.as_str() == name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Read by name; an unknown name is an error that says what it is and lists the
        /// known ones.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = <String as serde::Deserialize>::deserialize(deserializer)?;
                Self::parse(&name).ok_or_else(|| {
                    let known: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!(
                        "{} {name:?} is unknown: expected one of {}",
                        $what,
                        known.join(", ")
                    ))
                })
            }
        }
    };
}

pub(crate) use wire_enum;
