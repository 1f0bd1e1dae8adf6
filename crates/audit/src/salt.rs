//! The per-device salt and the HMAC-SHA256 that replaces secrets in audit entries.
//!
//! Vault writes `hmac-sha256:<hex>` for every secret string, keyed by a salt that belongs
//! to the device, so an operator can check whether a log line contains a known value
//! (`sys/audit-hash`) without the log ever containing the value itself.

use arca_crypto::{Zeroizing, hmac_sha256, random_bytes};
use serde_json::Value;

/// What every hashed value starts with.
pub const HASH_PREFIX: &str = "hmac-sha256:";

/// Length of a generated salt (bytes).
const SALT_LEN: usize = 32;

/// A device's HMAC key. Wiped on drop and never printed.
#[derive(Clone)]
pub struct Salt(Zeroizing<Vec<u8>>);

impl Salt {
    /// A fresh random salt (at enable time; the core stores it in the barrier).
    pub fn generate() -> Self {
        Salt(Zeroizing::new(random_bytes(SALT_LEN)))
    }

    /// The salt read back from storage.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Salt(Zeroizing::new(bytes))
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// `hmac-sha256:<hex>` of `input` (what `sys/audit-hash` returns).
    pub fn hash(&self, input: &str) -> String {
        format!(
            "{HASH_PREFIX}{}",
            hex::encode(hmac_sha256(&self.0, input.as_bytes()))
        )
    }

    /// Replaces every string (and number, whose JSON text Vault treats as a string) in
    /// `value` by its hash, recursively; keys, booleans and nulls stay as they are.
    pub fn hash_value(&self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.hash(s),
            Value::Number(n) => *value = Value::String(self.hash(&n.to_string())),
            Value::Array(items) => items.iter_mut().for_each(|v| self.hash_value(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.hash_value(v)),
            Value::Bool(_) | Value::Null => {}
        }
    }

    /// Hashes a non-empty string in place (empty strings stay empty, as in Vault).
    pub(crate) fn hash_in_place(&self, s: &mut String) {
        if !s.is_empty() {
            *s = self.hash(s);
        }
    }
}

impl std::fmt::Debug for Salt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Salt(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_is_prefixed_hex_hmac_and_depends_on_the_salt() {
        let salt = Salt::from_bytes(b"Jefe".to_vec());
        assert_eq!(
            salt.hash("what do ya want for nothing?"),
            "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let other = Salt::generate();
        assert_ne!(other.hash("x"), salt.hash("x"));
        // Stable: the same stored bytes give the same hashes (after a restart).
        let again = Salt::from_bytes(other.as_bytes().to_vec());
        assert_eq!(again.hash("x"), other.hash("x"));
        assert_eq!(format!("{salt:?}"), "Salt(..)");
    }

    #[test]
    fn hash_value_replaces_strings_and_numbers_only() {
        let salt = Salt::generate();
        let mut v = json!({"a": "s3cret", "n": 42, "b": true, "z": null, "l": ["x", {"k": "y"}]});
        salt.hash_value(&mut v);
        assert_eq!(v["a"], json!(salt.hash("s3cret")));
        assert_eq!(v["n"], json!(salt.hash("42")));
        assert_eq!(v["b"], json!(true));
        assert_eq!(v["z"], json!(null));
        assert_eq!(v["l"][0], json!(salt.hash("x")));
        assert_eq!(v["l"][1]["k"], json!(salt.hash("y")));
        assert!(!v.to_string().contains("s3cret"));
    }
}
