//! AES-256-GCM with a random 96-bit nonce: `nonce || ciphertext || tag`.
//!
//! Every function here is non-generic, so the generic GCM code is instantiated (and
//! optimised at opt-level 3) in this crate rather than in its callers.

use std::fmt;

use aes_gcm::{
    Aes256Gcm, KeyInit,
    aead::{AeadInOut, Nonce, inout::InOutBuf},
};
use zeroize::{Zeroize, Zeroizing};

use crate::{CryptoError, Key32, random::fill_random};

/// Length of the random nonce that starts every ciphertext.
pub const NONCE_LEN: usize = 12;
/// Length of the GCM authentication tag that ends every ciphertext.
pub const TAG_LEN: usize = 16;
/// Bytes a ciphertext has beyond its plaintext.
pub const OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// An AES-256-GCM cipher with its key schedule already expanded.
///
/// Why: the barrier encrypts many values under the same term key; keeping one `Cipher`
/// per key avoids re-expanding the key for every value. The round keys are wiped on
/// drop and `Debug` shows nothing.
#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
}

impl Cipher {
    /// A cipher for `key`.
    pub fn new(key: &Key32) -> Result<Self, CryptoError> {
        let aead = Aes256Gcm::new_from_slice(key.as_bytes()).map_err(|_| {
            CryptoError::InvalidKeyLength {
                expected: crate::KEY_LEN,
                actual: key.as_bytes().len(),
            }
        })?;
        Ok(Cipher { aead })
    }

    /// Encrypts `plaintext` bound to `aad` and appends `nonce || ciphertext || tag` to
    /// `out`, so callers can put their own header in front without another copy.
    /// On error `out` is left as it was.
    pub fn seal_into(
        &self,
        plaintext: &[u8],
        aad: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let mut nonce_bytes = [0u8; NONCE_LEN];
        fill_random(&mut nonce_bytes);
        let nonce = Nonce::<Aes256Gcm>::from(nonce_bytes);

        let start = out.len();
        out.reserve(OVERHEAD + plaintext.len());
        out.extend_from_slice(&nonce_bytes);
        let body = out.len();
        out.extend_from_slice(plaintext);
        match self
            .aead
            .encrypt_inout_detached(&nonce, aad, InOutBuf::from(&mut out[body..]))
        {
            Ok(tag) => {
                out.extend_from_slice(&tag);
                Ok(())
            }
            Err(_) => {
                // The plaintext was copied into `out`: wipe it before giving up.
                out[start..].zeroize();
                out.truncate(start);
                Err(CryptoError::Encrypt)
            }
        }
    }

    /// Encrypts `plaintext` bound to `aad`: `nonce || ciphertext || tag`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut out = Vec::with_capacity(OVERHEAD + plaintext.len());
        self.seal_into(plaintext, aad, &mut out)?;
        Ok(out)
    }

    /// Decrypts `nonce || ciphertext || tag` made by [`Cipher::seal`] with the same `aad`.
    /// The plaintext comes back in a zeroising buffer.
    pub fn open(&self, data: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if data.len() < OVERHEAD {
            return Err(CryptoError::CiphertextTooShort);
        }
        let (nonce_bytes, rest) = data.split_at(NONCE_LEN);
        let nonce = Nonce::<Aes256Gcm>::try_from(nonce_bytes)
            .map_err(|_| CryptoError::CiphertextTooShort)?;
        let mut buf = Zeroizing::new(rest.to_vec());
        self.aead
            .decrypt_in_place(&nonce, aad, &mut *buf)
            .map_err(|_| CryptoError::Decrypt)?;
        Ok(buf)
    }
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cipher(<redacted>)")
    }
}

/// Encrypts `plaintext` under `key`, bound to `aad`: `nonce(12) || ciphertext || tag(16)`.
/// The nonce is random, so sealing the same input twice gives different bytes.
pub fn seal(key: &Key32, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
    Cipher::new(key)?.seal(plaintext, aad)
}

/// Decrypts what [`seal`] produced. Too-short input, a wrong key, wrong `aad` or any
/// changed byte give an error (never a panic).
pub fn open(key: &Key32, data: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    Cipher::new(key)?.open(data, aad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        let key = Key32::generate();
        let ct = seal(&key, b"hello world", b"path/a").unwrap();
        assert_eq!(ct.len(), OVERHEAD + 11);
        assert!(!ct.windows(11).any(|w| w == b"hello world"));
        let pt = open(&key, &ct, b"path/a").unwrap();
        assert_eq!(pt.as_slice(), b"hello world");
    }

    #[test]
    fn empty_plaintext_round_trips() {
        let key = Key32::generate();
        let ct = seal(&key, b"", b"").unwrap();
        assert_eq!(ct.len(), OVERHEAD);
        assert!(open(&key, &ct, b"").unwrap().is_empty());
    }

    #[test]
    fn nonces_are_fresh() {
        let key = Key32::generate();
        let a = seal(&key, b"same", b"").unwrap();
        let b = seal(&key, b"same", b"").unwrap();
        assert_ne!(a, b);
        assert_ne!(a[..NONCE_LEN], b[..NONCE_LEN]);
    }

    #[test]
    fn every_flipped_byte_is_detected() {
        let key = Key32::generate();
        let ct = seal(&key, b"secret value", b"aad").unwrap();
        for i in 0..ct.len() {
            let mut bad = ct.clone();
            bad[i] ^= 0x01;
            assert_eq!(
                open(&key, &bad, b"aad"),
                Err(CryptoError::Decrypt),
                "byte {i}"
            );
        }
    }

    #[test]
    fn wrong_aad_or_key_fails() {
        let key = Key32::generate();
        let ct = seal(&key, b"secret value", b"path/a").unwrap();
        assert_eq!(open(&key, &ct, b"path/b"), Err(CryptoError::Decrypt));
        assert_eq!(
            open(&Key32::generate(), &ct, b"path/a"),
            Err(CryptoError::Decrypt)
        );
    }

    #[test]
    fn short_input_is_an_error() {
        let key = Key32::generate();
        for n in [0, 1, NONCE_LEN, OVERHEAD - 1] {
            assert_eq!(
                open(&key, &vec![0u8; n], b""),
                Err(CryptoError::CiphertextTooShort)
            );
        }
        // Exactly nonce + tag with a bad tag: authentication error, not a panic.
        assert_eq!(open(&key, &[0u8; OVERHEAD], b""), Err(CryptoError::Decrypt));
    }

    #[test]
    fn seal_into_appends_after_a_header() {
        let key = Key32::generate();
        let cipher = Cipher::new(&key).unwrap();
        let mut out = vec![0xAB, 0xCD];
        cipher.seal_into(b"payload", b"k", &mut out).unwrap();
        assert_eq!(&out[..2], &[0xAB, 0xCD]);
        assert_eq!(cipher.open(&out[2..], b"k").unwrap().as_slice(), b"payload");
        assert_eq!(format!("{cipher:?}"), "Cipher(<redacted>)");
    }
}
