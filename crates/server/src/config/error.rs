//! Errors from loading and checking a server configuration.
//!
//! Every error that comes from a place in a file names that file and line, so an operator
//! can fix a typo without guessing. Values are never echoed: a configuration may hold
//! private keys or tokens, and error texts end up in logs.

use thiserror::Error;

/// Why a configuration could not be loaded or was refused.
///
/// The `Display` text is what `arca server` prints; tests and the CLI rely on its shape
/// (`file:line: ...`).
#[derive(Debug, Error)]
pub enum ConfigError {
    /// A configuration file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `Config::load` was called without any path.
    #[error("no configuration files given")]
    NoPaths,
    /// The text is not valid HCL or JSON.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// File name as given.
        file: String,
        /// One-based line.
        line: usize,
        /// One-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// A key that neither Arca nor Vault knows in this place (most often a typo).
    #[error("{file}:{line}: unknown key \"{key}\"{}", in_section(.section))]
    UnknownKey {
        /// File name as given.
        file: String,
        /// One-based line of the key.
        line: usize,
        /// The key as written.
        key: String,
        /// Where it was found, e.g. `listener "tcp"`; empty at the top level.
        section: String,
    },
    /// A value of the wrong type or form.
    #[error("{file}:{line}: invalid value for \"{key}\"{}: {message}", in_section(.section))]
    InvalidValue {
        /// File name as given.
        file: String,
        /// One-based line of the key.
        line: usize,
        /// The key as written.
        key: String,
        /// Where it was found; empty at the top level.
        section: String,
        /// What was expected (never the value itself).
        message: String,
    },
    /// A Vault feature Arca parses but does not implement yet.
    #[error("{file}:{line}: {what} is not supported yet")]
    Unsupported {
        /// File name as given.
        file: String,
        /// One-based line.
        line: usize,
        /// The stanza or key, e.g. `seal "transit"`.
        what: String,
    },
    /// A structural problem at a known place (duplicate block, missing label, unknown type,
    /// a stanza that fails validation).
    #[error("{file}:{line}: {message}")]
    Invalid {
        /// File name as given.
        file: String,
        /// One-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A check on the merged configuration that has no single place in a file
    /// (e.g. no storage stanza at all, or a value that came from the environment).
    #[error("{0}")]
    Validation(String),
}

/// Formats the " in <section>" suffix, empty at the top level.
fn in_section(section: &str) -> String {
    if section.is_empty() {
        String::new()
    } else {
        format!(" in {section}")
    }
}

/// Where a stanza was written, kept so that checks after merging can still point at it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// File name as given to the loader.
    pub file: String,
    /// One-based line of the stanza's first token.
    pub line: usize,
}

impl Origin {
    /// Builds an error at this place.
    pub(crate) fn error(&self, message: impl Into<String>) -> ConfigError {
        if self.file.is_empty() {
            ConfigError::Validation(message.into())
        } else {
            ConfigError::Invalid {
                file: self.file.clone(),
                line: self.line,
                message: message.into(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_text_names_file_line_key_and_section() {
        let e = ConfigError::UnknownKey {
            file: "config.hcl".into(),
            line: 7,
            key: "adress".into(),
            section: "listener \"tcp\"".into(),
        };
        assert_eq!(
            e.to_string(),
            "config.hcl:7: unknown key \"adress\" in listener \"tcp\""
        );
        let top = ConfigError::UnknownKey {
            file: "a.hcl".into(),
            line: 1,
            key: "x".into(),
            section: String::new(),
        };
        assert_eq!(top.to_string(), "a.hcl:1: unknown key \"x\"");
    }

    #[test]
    fn origin_without_file_is_a_plain_validation_error() {
        let e = Origin::default().error("boom");
        assert!(matches!(e, ConfigError::Validation(ref m) if m == "boom"));
        let e = Origin {
            file: "f.hcl".into(),
            line: 3,
        }
        .error("boom");
        assert_eq!(e.to_string(), "f.hcl:3: boom");
    }
}
