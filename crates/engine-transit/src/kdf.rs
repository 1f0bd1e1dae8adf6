//! Key derivation for `derived` keys and the nonce of convergent encryption.
//!
//! As Vault (KDF "hkdf_sha256"): the per-request key is HKDF-SHA256 with the version's
//! key as input keying material, no salt and the client's `context` as info. Convergent
//! keys derive 32 more bytes from the same stream as an HMAC key, and the nonce is the
//! first 12 bytes of HMAC-SHA256(that key, plaintext): equal plaintext and context give
//! equal ciphertext, anything else gives an unrelated nonce.

use arca_crypto::Zeroizing;
use hkdf::Hkdf;
use sha2::Sha256;

use crate::{error::TransitError, hashing::HashAlgorithm};

/// Length of the AEAD nonces transit uses (96 bits).
pub const NONCE_LEN: usize = 12;
/// Length of the convergent HMAC key appended to the derived encryption key.
pub const CONVERGENT_HMAC_LEN: usize = 32;

/// `len` bytes of HKDF-SHA256(ikm = `key`, salt = none, info = `context`).
pub fn derive(key: &[u8], context: &[u8], len: usize) -> Result<Zeroizing<Vec<u8>>, TransitError> {
    if context.is_empty() {
        return Err(TransitError::MissingContext);
    }
    let mut out = Zeroizing::new(vec![0u8; len]);
    Hkdf::<Sha256>::new(None, key)
        .expand(context, &mut out)
        .map_err(|_| TransitError::internal("unable to derive key"))?;
    Ok(out)
}

/// The deterministic nonce of convergent encryption for `plaintext`.
pub fn convergent_nonce(hmac_key: &[u8], plaintext: &[u8]) -> [u8; NONCE_LEN] {
    let sum = Zeroizing::new(HashAlgorithm::Sha2_256.hmac(hmac_key, plaintext));
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&sum[..NONCE_LEN]);
    nonce
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_depends_on_context_and_is_a_prefix_stream() {
        let k = [5u8; 32];
        let a = derive(&k, b"ctx-a", 32).unwrap();
        let b = derive(&k, b"ctx-b", 32).unwrap();
        assert_ne!(a, b);
        assert_eq!(a, derive(&k, b"ctx-a", 32).unwrap());
        // Decryption asks for fewer bytes than convergent encryption: same prefix.
        let long = derive(&k, b"ctx-a", 64).unwrap();
        assert_eq!(&long[..32], a.as_slice());
        assert_eq!(derive(&k, b"", 32), Err(TransitError::MissingContext));
    }

    #[test]
    fn convergent_nonce_is_deterministic() {
        let k = [9u8; 32];
        assert_eq!(convergent_nonce(&k, b"p"), convergent_nonce(&k, b"p"));
        assert_ne!(convergent_nonce(&k, b"p"), convergent_nonce(&k, b"q"));
        assert_ne!(
            convergent_nonce(&k, b"p"),
            convergent_nonce(&[1u8; 32], b"p")
        );
    }
}
