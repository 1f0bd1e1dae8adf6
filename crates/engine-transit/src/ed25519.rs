//! Ed25519 keys: the stored secret is the 32-byte seed; signatures are over the message
//! itself (Ed25519 hashes internally, so `hash_algorithm` does not apply).

use arca_crypto::Zeroizing;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};

use crate::{b64, error::TransitError};

/// Length of the seed that is the stored key.
pub const SEED_LEN: usize = 32;

fn signing_key(seed: &[u8]) -> Result<SigningKey, TransitError> {
    let bytes: &[u8; SEED_LEN] = seed
        .try_into()
        .map_err(|_| TransitError::internal("stored ed25519 key has the wrong length"))?;
    Ok(SigningKey::from_bytes(bytes))
}

/// The public key as Vault shows it: standard base64 of the 32 bytes.
pub fn public_key_b64(seed: &[u8]) -> Result<String, TransitError> {
    Ok(b64::encode(signing_key(seed)?.verifying_key().as_bytes()))
}

/// The raw 32-byte public key (returned by `sign` for derived keys).
pub fn public_key_bytes(seed: &[u8]) -> Result<Vec<u8>, TransitError> {
    Ok(signing_key(seed)?.verifying_key().as_bytes().to_vec())
}

/// Signs `message`; 64 bytes.
pub fn sign(seed: &[u8], message: &[u8]) -> Result<Vec<u8>, TransitError> {
    Ok(signing_key(seed)?.sign(message).to_bytes().to_vec())
}

/// Checks `signature` over `message`; a malformed signature is simply invalid.
pub fn verify(seed: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, TransitError> {
    let Ok(sig) = Signature::from_slice(signature) else {
        return Ok(false);
    };
    Ok(signing_key(seed)?
        .verifying_key()
        .verify(message, &sig)
        .is_ok())
}

/// The private key as Vault exports it: base64 of seed || public key (Go's 64-byte form).
pub fn export_private(seed: &[u8]) -> Result<Zeroizing<String>, TransitError> {
    let pair = Zeroizing::new(signing_key(seed)?.to_keypair_bytes());
    Ok(Zeroizing::new(b64::encode(pair.as_slice())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_export() {
        let seed = [4u8; SEED_LEN];
        let sig = sign(&seed, b"msg").unwrap();
        assert_eq!(sig.len(), 64);
        assert!(verify(&seed, b"msg", &sig).unwrap());
        assert!(!verify(&seed, b"other", &sig).unwrap());
        assert!(!verify(&seed, b"msg", &sig[..10]).unwrap());
        assert!(!verify(&[5u8; SEED_LEN], b"msg", &sig).unwrap());
        let exported = export_private(&seed).unwrap();
        assert_eq!(b64::decode(&exported).unwrap().len(), 64);
        assert_eq!(public_key_bytes(&seed).unwrap().len(), 32);
        assert!(sign(&[1u8; 5], b"x").is_err());
    }
}
