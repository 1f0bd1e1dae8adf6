//! A snapshot of the environment the CLI reads (`VAULT_ADDR`, `VAULT_TOKEN`, `HOME`, ...).
//!
//! Commands read variables through this type instead of `std::env` so tests can run commands
//! with any environment without touching the process's (which is shared between test threads).

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Environment variables visible to a command.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars().collect(),
        }
    }

    /// An environment built from pairs (tests).
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// A variable's value; empty values count as unset, like Go's `os.Getenv(...) != ""`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The user's home directory (where the token helper keeps `.vault-token`).
    pub fn home(&self) -> Option<PathBuf> {
        self.get("HOME").map(PathBuf::from)
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values may hold tokens; only names are shown.
        f.debug_list().entries(self.vars.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_unset_and_debug_hides_values() {
        let env = Env::from_pairs([("A", ""), ("B", "x"), ("VAULT_TOKEN", "hvs.secret")]);
        assert_eq!(env.get("A"), None);
        assert_eq!(env.get("B"), Some("x"));
        assert!(!format!("{env:?}").contains("hvs.secret"));
    }
}
