//! A string from the configuration that must never be printed.

use std::fmt;

/// Configuration text that is secret (e.g. `leader_client_key`, a PEM private key).
///
/// `Debug` prints a placeholder so the value cannot leak through `{:?}` of a whole
/// [`Config`](super::Config) into logs; read it with [`SecretString::expose`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: String) -> Self {
        SecretString(value)
    }

    /// The secret itself, for the one place that needs it (e.g. building a TLS client).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_does_not_show_the_value() {
        let s = SecretString::new("-----BEGIN PRIVATE KEY-----".into());
        assert!(!format!("{s:?}").contains("PRIVATE"));
        assert_eq!(s.expose(), "-----BEGIN PRIVATE KEY-----");
    }
}
