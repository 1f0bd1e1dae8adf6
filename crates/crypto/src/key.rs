//! A 256-bit key that is wiped on drop and never printed.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{CryptoError, mac::ct_eq, random::fill_random};

/// Length of every symmetric key in Arca (AES-256).
pub const KEY_LEN: usize = 32;

/// A 32-byte secret key (root key, barrier term key, key-encryption key).
///
/// Why a dedicated type: the bytes are zeroised when the value is dropped, `Debug`
/// shows nothing of them, and equality is constant-time, so a key cannot leak through
/// logs, panics or timing by accident.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Key32([u8; KEY_LEN]);

impl Key32 {
    /// A fresh key from the operating system's CSPRNG (via the thread-local generator
    /// that `rand` seeds and reseeds from the OS).
    pub fn generate() -> Self {
        let mut key = Key32([0u8; KEY_LEN]);
        fill_random(&mut key.0);
        key
    }

    /// Copies a key out of `bytes`, which must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != KEY_LEN {
            return Err(CryptoError::InvalidKeyLength {
                expected: KEY_LEN,
                actual: bytes.len(),
            });
        }
        let mut key = Key32([0u8; KEY_LEN]);
        key.0.copy_from_slice(bytes);
        Ok(key)
    }

    /// The raw key bytes, for handing to a cipher or to Shamir. Do not copy them into
    /// anything that is not zeroised.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key32(<redacted>)")
    }
}

/// Constant-time equality, so comparing keys reveals nothing through timing.
impl PartialEq for Key32 {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(&self.0, &other.0)
    }
}

impl Eq for Key32 {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_slice_checks_length() {
        assert_eq!(
            Key32::from_slice(&[1u8; 31]),
            Err(CryptoError::InvalidKeyLength {
                expected: 32,
                actual: 31
            })
        );
        assert!(Key32::from_slice(&[1u8; 33]).is_err());
        let k = Key32::from_slice(&[7u8; 32]).unwrap();
        assert_eq!(k.as_bytes(), &[7u8; 32]);
    }

    #[test]
    fn generate_is_random_and_debug_is_redacted() {
        let a = Key32::generate();
        let b = Key32::generate();
        assert_ne!(a, b);
        assert_ne!(a.as_bytes(), &[0u8; 32]);
        let shown = format!("{a:?}");
        assert_eq!(shown, "Key32(<redacted>)");
    }

    #[test]
    fn zeroize_wipes_bytes() {
        let mut k = Key32::from_slice(&[9u8; 32]).unwrap();
        k.zeroize();
        assert_eq!(k.as_bytes(), &[0u8; 32]);
    }
}
