//! Encryption and decryption with a named key, as `encrypt`, `decrypt`, `rewrap` and
//! `datakey` do it: key derivation, convergent nonces, the cipher of the key type and
//! the `vault:v<N>:` envelope.

use arca_crypto::Zeroizing;

use crate::{
    aead, b64, ciphertext,
    error::TransitError,
    kdf::{self, CONVERGENT_HMAC_LEN, NONCE_LEN},
    policy::Policy,
    rsa_key,
};

/// Encrypts `plaintext` with `version` of the key. `context` is required by derived
/// keys (ignored otherwise); `nonce`, when given to a non-convergent key, must be 12
/// bytes and is used as is (Vault's behaviour — the caller must never reuse it).
/// `aad` (the client's `associated_data`) is authenticated by AEAD keys and refused by
/// others.
pub fn encrypt(
    p: &Policy,
    version: u64,
    context: &[u8],
    nonce: &[u8],
    plaintext: &[u8],
    aad: &[u8],
) -> Result<String, TransitError> {
    let kind = p.key_type;
    if !kind.supports_encryption() {
        return Err(TransitError::NotSupported {
            op: "encryption",
            key_type: kind,
        });
    }
    check_aad(p, aad)?;
    let entry = p.entry(version)?;
    let raw = if kind.is_aead() {
        let enc_len = kind.aead_key_len();
        let (key, nonce) = if p.convergent_encryption {
            let material =
                kdf::derive(entry.key.as_slice(), context, enc_len + CONVERGENT_HMAC_LEN)?;
            let nonce = kdf::convergent_nonce(&material[enc_len..], plaintext);
            (Zeroizing::new(material[..enc_len].to_vec()), nonce)
        } else {
            let key = if p.derived {
                kdf::derive(entry.key.as_slice(), context, enc_len)?
            } else {
                Zeroizing::new(entry.key.as_slice().to_vec())
            };
            (key, pick_nonce(nonce)?)
        };
        aead::seal(kind, &key, &nonce, plaintext, aad)?
    } else {
        rsa_key::encrypt(entry.key.as_slice(), plaintext)?
    };
    Ok(ciphertext::format(version, &b64::encode(&raw)))
}

fn check_aad(p: &Policy, aad: &[u8]) -> Result<(), TransitError> {
    if !aad.is_empty() && !p.key_type.is_aead() {
        return Err(TransitError::invalid(format!(
            "associated_data provided for non-AEAD cipher suite {}",
            p.key_type
        )));
    }
    Ok(())
}

fn pick_nonce(given: &[u8]) -> Result<[u8; NONCE_LEN], TransitError> {
    let mut nonce = [0u8; NONCE_LEN];
    if given.is_empty() {
        arca_crypto::fill_random(&mut nonce);
        return Ok(nonce);
    }
    if given.len() != NONCE_LEN {
        return Err(TransitError::invalid(format!(
            "base64-decoded nonce must be {NONCE_LEN} bytes long but given {} bytes",
            given.len()
        )));
    }
    nonce.copy_from_slice(given);
    Ok(nonce)
}

/// Decrypts a `vault:v<N>:` ciphertext; also returns the version it was made with.
pub fn decrypt(
    p: &Policy,
    context: &[u8],
    value: &str,
    aad: &[u8],
) -> Result<(Zeroizing<Vec<u8>>, u64), TransitError> {
    let kind = p.key_type;
    if !kind.supports_decryption() {
        return Err(TransitError::NotSupported {
            op: "decryption",
            key_type: kind,
        });
    }
    check_aad(p, aad)?;
    let env = ciphertext::parse("ciphertext", value)?;
    let version = p.version_for_read(env.version, "ciphertext")?;
    let raw = b64::decode(env.body).map_err(|_| TransitError::CiphertextBase64)?;
    let entry = p.entry(version)?;
    let plain = if kind.is_aead() {
        let key = if p.derived {
            kdf::derive(entry.key.as_slice(), context, kind.aead_key_len())?
        } else {
            Zeroizing::new(entry.key.as_slice().to_vec())
        };
        aead::open(kind, &key, &raw, aad)?
    } else {
        rsa_key::decrypt(entry.key.as_slice(), &raw)?
    };
    Ok((plain, version))
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::{keytype::KeyType, policy::CreateOptions};

    fn key(kind: KeyType, derived: bool, convergent: bool) -> Policy {
        let o = CreateOptions {
            derived,
            convergent,
            ..Default::default()
        };
        Policy::create("k", kind, &o, OffsetDateTime::now_utc()).unwrap()
    }

    #[test]
    fn round_trips_and_randomises() {
        for kind in [
            KeyType::Aes128Gcm96,
            KeyType::Aes256Gcm96,
            KeyType::ChaCha20Poly1305,
        ] {
            let p = key(kind, false, false);
            let a = encrypt(&p, 1, b"", b"", b"hello", b"").unwrap();
            let b = encrypt(&p, 1, b"", b"", b"hello", b"").unwrap();
            assert!(a.starts_with("vault:v1:"));
            assert_ne!(a, b);
            assert_eq!(decrypt(&p, b"", &a, b"").unwrap().0.as_slice(), b"hello");
        }
    }

    #[test]
    fn derived_and_convergent() {
        let p = key(KeyType::Aes256Gcm96, true, false);
        assert_eq!(
            encrypt(&p, 1, b"", b"", b"x", b""),
            Err(TransitError::MissingContext)
        );
        let ct = encrypt(&p, 1, b"ctx", b"", b"x", b"").unwrap();
        assert_eq!(
            decrypt(&p, b"other", &ct, b""),
            Err(TransitError::Authentication)
        );
        assert_eq!(decrypt(&p, b"ctx", &ct, b"").unwrap().0.as_slice(), b"x");

        let c = key(KeyType::ChaCha20Poly1305, true, true);
        let a = encrypt(&c, 1, b"ctx", b"", b"same", b"").unwrap();
        assert_eq!(a, encrypt(&c, 1, b"ctx", b"", b"same", b"").unwrap());
        assert_ne!(a, encrypt(&c, 1, b"ctx2", b"", b"same", b"").unwrap());
        assert_ne!(a, encrypt(&c, 1, b"ctx", b"", b"other", b"").unwrap());
        assert_eq!(decrypt(&c, b"ctx", &a, b"").unwrap().0.as_slice(), b"same");
    }

    #[test]
    fn bad_inputs() {
        let p = key(KeyType::Aes256Gcm96, false, false);
        assert_eq!(
            encrypt(&p, 1, b"", &[1, 2, 3], b"x", b"")
                .unwrap_err()
                .to_string(),
            "base64-decoded nonce must be 12 bytes long but given 3 bytes"
        );
        assert_eq!(
            decrypt(&p, b"", "vault:v1:!!!", b""),
            Err(TransitError::CiphertextBase64)
        );
        assert_eq!(
            decrypt(&p, b"", "vault:v2:AAAA", b""),
            Err(TransitError::TooNew("ciphertext"))
        );
        assert_eq!(
            decrypt(&p, b"", "vault:v1:AAAA", b""),
            Err(TransitError::CiphertextLength)
        );
        let s = key(KeyType::Ed25519, false, false);
        assert_eq!(
            encrypt(&s, 1, b"", b"", b"x", b"").unwrap_err().to_string(),
            "message encryption not supported for key type ed25519"
        );
    }
}
