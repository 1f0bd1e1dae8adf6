//! Identifiers and keyed hashes.
//!
//! Role IDs, secret IDs and accessors are random UUID-shaped strings, as Vault's. Secret
//! IDs are never stored: only an HMAC-SHA256 under the role's own key, which is also the
//! storage key, so a login finds its entry without the plaintext ever touching storage.
//! Role IDs are indexed by an HMAC under a per-mount salt for the same reason.

use arca_crypto::{Zeroizing, hmac_sha256, random_bytes};
use arca_sdk::{Error, Storage, StorageExt};
use serde::{Deserialize, Serialize};

use crate::AppRoleError;

/// Longest value Vault hashes (role names, secret IDs).
pub(crate) const MAX_HMAC_INPUT: usize = 4096;

/// A random identifier formatted like a UUID (`8-4-4-4-12` hex), as Vault's
/// `uuid.GenerateUUID` does: 128 random bits, no version nibble.
pub(crate) fn new_uuid() -> String {
    let b = random_bytes(16);
    let h = hex::encode(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A fresh random HMAC key, hex encoded for storage in the role entry.
pub(crate) fn new_hmac_key() -> String {
    hex::encode(Zeroizing::new(random_bytes(32)).as_slice())
}

/// Hex HMAC-SHA256 of `value` under the hex-encoded `key_hex`.
pub(crate) fn hmac_hex(key_hex: &str, value: &str) -> Result<String, Error> {
    if value.len() > MAX_HMAC_INPUT {
        return Err(AppRoleError::TooLong.into());
    }
    let key = Zeroizing::new(
        hex::decode(key_hex).map_err(|_| Error::internal("stored HMAC key is not hex"))?,
    );
    Ok(hex::encode(hmac_sha256(&key, value.as_bytes())))
}

/// True when `s` could be an identifier this backend issued or a client chose, and is
/// safe as one storage key segment.
pub(crate) fn is_safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_HMAC_INPUT
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && s != "."
        && s != ".."
}

const SALT_KEY: &str = "salt";

#[derive(Serialize, Deserialize)]
struct SaltEntry {
    salt: String,
}

/// The mount's salt for the role-ID index (hex), created on first use. Only writes
/// (role creation) create it; reads use [`salt`], which finds none before any role.
pub(crate) async fn salt_or_create(storage: &dyn Storage) -> Result<String, Error> {
    if let Some(s) = salt(storage).await? {
        return Ok(s);
    }
    let salt = new_hmac_key();
    storage
        .put_json(SALT_KEY, &SaltEntry { salt: salt.clone() })
        .await?;
    Ok(salt)
}

/// The mount's salt, if any role was ever created.
pub(crate) async fn salt(storage: &dyn Storage) -> Result<Option<String>, Error> {
    Ok(storage
        .get_json::<SaltEntry>(SALT_KEY)
        .await?
        .map(|e| e.salt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape_and_uniqueness() {
        let a = new_uuid();
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert_ne!(a, new_uuid());
        assert!(is_safe_segment(&a));
        assert!(!is_safe_segment("a/b"));
        assert!(!is_safe_segment(".."));
    }

    #[test]
    fn hmac_is_keyed_and_bounded() {
        let k1 = new_hmac_key();
        let k2 = new_hmac_key();
        assert_ne!(hmac_hex(&k1, "x").unwrap(), hmac_hex(&k2, "x").unwrap());
        assert_eq!(hmac_hex(&k1, "x").unwrap(), hmac_hex(&k1, "x").unwrap());
        assert!(hmac_hex(&k1, &"a".repeat(4097)).is_err());
    }
}
