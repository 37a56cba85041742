//! Why the settings could not be built.

/// A setting that is missing or invalid. The message names the variable, shows the bad
/// value (never a secret's) and says what is expected, in one line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    /// A required variable is not set.
    #[error(
        "{name} is not set: it is required. Set it in the environment \
         (export {name}=\"$(openssl rand -hex 32)\") or in a .env file in the working directory"
    )]
    Missing {
        /// The variable.
        name: &'static str,
    },

    /// A required secret is set to the empty string.
    #[error("{name} is set but empty: expected a non-empty secret")]
    EmptySecret {
        /// The variable.
        name: &'static str,
    },

    /// A secret is too short to be a key.
    #[error(
        "{name} is too short ({length} bytes): an HS256 key must have at least {minimum} bytes \
         (RFC 7518, section 3.2); generate one with `openssl rand -hex 32`"
    )]
    ShortSecret {
        /// The variable.
        name: &'static str,
        /// How long it is (never what it is).
        length: usize,
        /// How long it must be at least.
        minimum: usize,
    },

    /// A variable has a value of the wrong form.
    #[error("{name}={value:?} is invalid: expected {expected}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value (redacted where it could hold a secret).
        value: String,
        /// What it should look like.
        expected: &'static str,
    },

    /// The `.env` file exists but cannot be read or parsed.
    #[error("{path}: {problem}: expected lines of the form NAME=value")]
    DotEnv {
        /// The file.
        path: String,
        /// What is wrong with it (never its content).
        problem: String,
    },
}

impl SettingsError {
    /// The variable the error is about, if it is about one.
    pub fn variable(&self) -> Option<&'static str> {
        match self {
            Self::Missing { name }
            | Self::EmptySecret { name }
            | Self::ShortSecret { name, .. }
            | Self::Invalid { name, .. } => Some(name),
            Self::DotEnv { .. } => None,
        }
    }
}
