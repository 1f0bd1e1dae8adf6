//! The symmetric ciphers of transit keys: AES-128/256-GCM and ChaCha20-Poly1305, all
//! with a 96-bit nonce, laid out as Vault does: `nonce || ciphertext || tag`.
//!
//! Every generic AEAD call of the crate lives here, behind two non-generic functions,
//! so the cipher code is instantiated (and optimised) once.

use aes_gcm::{
    Aes128Gcm, Aes256Gcm, KeyInit,
    aead::{Aead, Payload},
};
use arca_crypto::Zeroizing;
use chacha20poly1305::ChaCha20Poly1305;

use crate::{error::TransitError, kdf::NONCE_LEN, keytype::KeyType};

/// Encrypts `plaintext` under `key` with `nonce`, authenticating `aad` too (the
/// client's `associated_data`); returns `nonce || ciphertext || tag`.
pub fn seal(
    kind: KeyType,
    key: &[u8],
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, TransitError> {
    let payload = Payload {
        msg: plaintext,
        aad,
    };
    let sealed = match kind {
        KeyType::Aes128Gcm96 => cipher::<Aes128Gcm>(key)?.encrypt(&(*nonce).into(), payload),
        KeyType::Aes256Gcm96 => cipher::<Aes256Gcm>(key)?.encrypt(&(*nonce).into(), payload),
        KeyType::ChaCha20Poly1305 => {
            cipher::<ChaCha20Poly1305>(key)?.encrypt(&(*nonce).into(), payload)
        }
        other => {
            return Err(TransitError::NotSupported {
                op: "encryption",
                key_type: other,
            });
        }
    }
    .map_err(|_| TransitError::internal("encryption failed"))?;
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts `nonce || ciphertext || tag`. A wrong key or any changed byte gives
/// [`TransitError::Authentication`].
pub fn open(
    kind: KeyType,
    key: &[u8],
    data: &[u8],
    aad: &[u8],
) -> Result<Zeroizing<Vec<u8>>, TransitError> {
    if data.len() < NONCE_LEN {
        return Err(TransitError::CiphertextLength);
    }
    let (nonce, body) = data.split_at(NONCE_LEN);
    let mut n = [0u8; NONCE_LEN];
    n.copy_from_slice(nonce);
    let payload = Payload { msg: body, aad };
    let plain = match kind {
        KeyType::Aes128Gcm96 => cipher::<Aes128Gcm>(key)?.decrypt(&n.into(), payload),
        KeyType::Aes256Gcm96 => cipher::<Aes256Gcm>(key)?.decrypt(&n.into(), payload),
        KeyType::ChaCha20Poly1305 => cipher::<ChaCha20Poly1305>(key)?.decrypt(&n.into(), payload),
        other => {
            return Err(TransitError::NotSupported {
                op: "decryption",
                key_type: other,
            });
        }
    }
    .map_err(|_| TransitError::Authentication)?;
    Ok(Zeroizing::new(plain))
}

fn cipher<C: KeyInit>(key: &[u8]) -> Result<C, TransitError> {
    C::new_from_slice(key).map_err(|_| TransitError::internal("invalid key length for cipher"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_aead_round_trips_and_detects_tampering() {
        for kind in [
            KeyType::Aes128Gcm96,
            KeyType::Aes256Gcm96,
            KeyType::ChaCha20Poly1305,
        ] {
            let key = vec![3u8; kind.aead_key_len()];
            let ct = seal(kind, &key, &[1u8; NONCE_LEN], b"secret", b"ad").unwrap();
            assert_eq!(ct.len(), NONCE_LEN + 6 + 16);
            assert_eq!(open(kind, &key, &ct, b"ad").unwrap().as_slice(), b"secret");
            let mut bad = ct.clone();
            bad[NONCE_LEN + 1] ^= 1;
            assert_eq!(
                open(kind, &key, &bad, b"ad"),
                Err(TransitError::Authentication)
            );
            assert_eq!(
                open(kind, &key, &ct, b"other"),
                Err(TransitError::Authentication)
            );
            assert_eq!(
                open(kind, &key, &ct[..5], b"ad"),
                Err(TransitError::CiphertextLength)
            );
        }
        assert!(seal(KeyType::Hmac, &[0; 32], &[0; NONCE_LEN], b"x", b"").is_err());
        // A 32-byte key is not an AES-128 key.
        assert!(seal(KeyType::Aes128Gcm96, &[0; 32], &[0; NONCE_LEN], b"x", b"").is_err());
    }
}
