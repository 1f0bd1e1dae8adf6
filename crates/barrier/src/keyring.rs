//! The keyring: every key term ever installed, and which one encrypts new writes.
//!
//! Old terms are kept so values written before a rotation stay readable. The keyring
//! is stored as JSON encrypted under the root key with its own path as associated data.

use std::collections::BTreeMap;

use arca_crypto::{Cipher, Key32, Zeroizing};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{BarrierError, KEYRING_PATH};

/// Format version byte in front of the encrypted keyring.
const KEYRING_VERSION: u8 = 1;

/// One key term: its key (with the expanded cipher) and when it was installed.
#[derive(Clone)]
pub(crate) struct TermKey {
    key: Key32,
    pub(crate) cipher: Cipher,
    pub(crate) install_time: String,
}

impl TermKey {
    fn new(key: Key32, install_time: String) -> Result<Self, BarrierError> {
        let cipher = Cipher::new(&key)?;
        Ok(TermKey {
            key,
            cipher,
            install_time,
        })
    }
}

/// All key terms, and the active one.
#[derive(Clone)]
pub(crate) struct Keyring {
    active: u32,
    terms: BTreeMap<u32, TermKey>,
}

/// Stored form of the keyring (inside the encryption).
#[derive(Serialize, Deserialize)]
struct KeyringDoc {
    active_term: u32,
    keys: Vec<TermDoc>,
}

/// Stored form of one term; wiped when dropped since it holds the key in base64.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct TermDoc {
    term: u32,
    key: String,
    install_time: String,
}

/// The current time in RFC 3339, as `sys/key-status` reports `install_time`.
pub(crate) fn now_rfc3339() -> Result<String, BarrierError> {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| BarrierError::Internal(format!("formatting time: {e}")))
}

impl Keyring {
    /// A keyring with a single random key as term 1.
    pub(crate) fn first() -> Result<Self, BarrierError> {
        let mut terms = BTreeMap::new();
        terms.insert(1, TermKey::new(Key32::generate(), now_rfc3339()?)?);
        Ok(Keyring { active: 1, terms })
    }

    /// The number of the term that encrypts new writes.
    pub(crate) fn active_term(&self) -> u32 {
        self.active
    }

    /// The active term's key.
    pub(crate) fn active(&self) -> Result<&TermKey, BarrierError> {
        self.terms
            .get(&self.active)
            .ok_or(BarrierError::CorruptKeyring("active term missing"))
    }

    /// The key of `term`, if the keyring has it.
    pub(crate) fn term(&self, term: u32) -> Option<&TermKey> {
        self.terms.get(&term)
    }

    /// A copy of this keyring with a new random key installed as the next term.
    pub(crate) fn rotated(&self) -> Result<Self, BarrierError> {
        let next = self
            .active
            .checked_add(1)
            .ok_or_else(|| BarrierError::Internal("key term overflow".into()))?;
        let mut ring = self.clone();
        ring.terms
            .insert(next, TermKey::new(Key32::generate(), now_rfc3339()?)?);
        ring.active = next;
        Ok(ring)
    }

    /// The keyring encrypted under `root_key`: `version || nonce || ciphertext || tag`.
    pub(crate) fn encrypt(&self, root_key: &Key32) -> Result<Vec<u8>, BarrierError> {
        let doc = KeyringDoc {
            active_term: self.active,
            keys: self
                .terms
                .iter()
                .map(|(term, k)| TermDoc {
                    term: *term,
                    key: STANDARD.encode(k.key.as_bytes()),
                    install_time: k.install_time.clone(),
                })
                .collect(),
        };
        let json = Zeroizing::new(
            serde_json::to_vec(&doc)
                .map_err(|e| BarrierError::Internal(format!("encoding keyring: {e}")))?,
        );
        let mut out = vec![KEYRING_VERSION];
        Cipher::new(root_key)?.seal_into(&json, KEYRING_PATH.as_bytes(), &mut out)?;
        Ok(out)
    }

    /// Decrypts a stored keyring. A root key that does not authenticate it gives
    /// [`BarrierError::InvalidKey`].
    pub(crate) fn decrypt(root_key: &Key32, blob: &[u8]) -> Result<Self, BarrierError> {
        let Some((&KEYRING_VERSION, body)) = blob.split_first() else {
            return Err(BarrierError::CorruptKeyring("unknown keyring format"));
        };
        let json = arca_crypto::open(root_key, body, KEYRING_PATH.as_bytes())
            .map_err(|_| BarrierError::InvalidKey)?;
        let doc: KeyringDoc = serde_json::from_slice(&json)
            .map_err(|_| BarrierError::CorruptKeyring("undecodable keyring"))?;
        let mut terms = BTreeMap::new();
        for t in &doc.keys {
            let raw = Zeroizing::new(
                STANDARD
                    .decode(&t.key)
                    .map_err(|_| BarrierError::CorruptKeyring("undecodable term key"))?,
            );
            let key = Key32::from_slice(&raw)
                .map_err(|_| BarrierError::CorruptKeyring("term key of wrong length"))?;
            if terms
                .insert(t.term, TermKey::new(key, t.install_time.clone())?)
                .is_some()
            {
                return Err(BarrierError::CorruptKeyring("duplicate term"));
            }
        }
        if !terms.contains_key(&doc.active_term) {
            return Err(BarrierError::CorruptKeyring("active term missing"));
        }
        Ok(Keyring {
            active: doc.active_term,
            terms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypt_decrypt_round_trip_keeps_every_term() {
        let root = Key32::generate();
        let ring = Keyring::first().unwrap().rotated().unwrap();
        assert_eq!(ring.active_term(), 2);
        let blob = ring.encrypt(&root).unwrap();
        for t in ring.terms.values() {
            assert!(!blob.windows(32).any(|w| w == t.key.as_bytes()));
        }
        let back = Keyring::decrypt(&root, &blob).unwrap();
        assert_eq!(back.active_term(), 2);
        for term in [1, 2] {
            assert!(back.term(term).unwrap().key == ring.term(term).unwrap().key);
            assert_eq!(
                back.term(term).unwrap().install_time,
                ring.term(term).unwrap().install_time
            );
        }
        assert!(back.term(3).is_none());
    }

    #[test]
    fn wrong_root_key_or_damage_is_refused() {
        let root = Key32::generate();
        let blob = Keyring::first().unwrap().encrypt(&root).unwrap();
        assert!(matches!(
            Keyring::decrypt(&Key32::generate(), &blob),
            Err(BarrierError::InvalidKey)
        ));
        let mut bad = blob.clone();
        bad[0] = 9;
        assert!(matches!(
            Keyring::decrypt(&root, &bad),
            Err(BarrierError::CorruptKeyring(_))
        ));
        assert!(matches!(
            Keyring::decrypt(&root, &[]),
            Err(BarrierError::CorruptKeyring(_))
        ));
        // A keyring encrypted for another path does not pass as the keyring.
        let other = arca_crypto::seal(&root, b"{}", b"elsewhere").unwrap();
        let mut moved = vec![KEYRING_VERSION];
        moved.extend_from_slice(&other);
        assert!(matches!(
            Keyring::decrypt(&root, &moved),
            Err(BarrierError::InvalidKey)
        ));
    }

    #[test]
    fn install_time_is_rfc3339() {
        let ring = Keyring::first().unwrap();
        let t = &ring.active().unwrap().install_time;
        assert!(
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_ok()
        );
    }
}
