//! Creating the KEK and its shares, and keeping the root key encrypted under the KEK.

use arca_crypto::{Key32, Shares};

use crate::{SealConfig, SealError};

/// Associated data binding the wrapped root key to its purpose, so no other
/// ciphertext made under the KEK can be passed off as the root key.
pub const ROOT_KEY_AAD: &[u8] = b"arca/root-key";

/// A new random key-encryption key and its unseal-key shares per `config`
/// (one raw key for a 1/1 configuration, 33-byte Shamir shares otherwise).
pub fn generate_shamir(config: &SealConfig) -> Result<(Key32, Shares), SealError> {
    config.validate()?;
    let invalid = |_| SealError::InvalidConfig("shares must be less than 256".into());
    let shares = u8::try_from(config.secret_shares).map_err(invalid)?;
    let threshold = u8::try_from(config.secret_threshold).map_err(invalid)?;
    let kek = Key32::generate();
    let parts = arca_crypto::split(kek.as_bytes(), shares, threshold)?;
    Ok((kek, parts))
}

/// Encrypts the root key under the KEK (AES-256-GCM, AAD [`ROOT_KEY_AAD`]); the core
/// stores the result outside the barrier.
pub fn wrap_root_key(kek: &Key32, root_key: &Key32) -> Result<Vec<u8>, SealError> {
    Ok(arca_crypto::seal(kek, root_key.as_bytes(), ROOT_KEY_AAD)?)
}

/// Decrypts the root key stored by [`wrap_root_key`]. A wrong KEK (wrong or mixed
/// shares) or damaged bytes give [`SealError::InvalidKey`].
pub fn unwrap_root_key(kek: &Key32, blob: &[u8]) -> Result<Key32, SealError> {
    let plain = arca_crypto::open(kek, blob, ROOT_KEY_AAD).map_err(|_| SealError::InvalidKey)?;
    Key32::from_slice(&plain).map_err(|_| SealError::InvalidKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_recover_the_kek_which_unwraps_the_root_key() {
        let (kek, shares) = generate_shamir(&SealConfig::shamir(5, 3)).unwrap();
        assert_eq!(shares.len(), 5);
        assert!(shares.iter().all(|s| s.len() == 33));
        let parts: Vec<&[u8]> = shares[1..4].iter().map(|s| s.as_slice()).collect();
        let combined = arca_crypto::combine(&parts).unwrap();
        assert_eq!(combined.as_slice(), kek.as_bytes());

        let root = Key32::generate();
        let blob = wrap_root_key(&kek, &root).unwrap();
        assert!(!blob.windows(32).any(|w| w == root.as_bytes()));
        let kek2 = Key32::from_slice(&combined).unwrap();
        assert_eq!(unwrap_root_key(&kek2, &blob).unwrap(), root);
    }

    #[test]
    fn single_share_is_the_kek() {
        let (kek, shares) = generate_shamir(&SealConfig::shamir(1, 1)).unwrap();
        assert_eq!(shares.len(), 1);
        assert_eq!(shares[0].as_slice(), kek.as_bytes());
    }

    #[test]
    fn wrong_kek_or_damage_is_invalid_key() {
        let kek = Key32::generate();
        let root = Key32::generate();
        let blob = wrap_root_key(&kek, &root).unwrap();
        assert_eq!(
            unwrap_root_key(&Key32::generate(), &blob),
            Err(SealError::InvalidKey)
        );
        let mut bad = blob.clone();
        bad[20] ^= 1;
        assert_eq!(unwrap_root_key(&kek, &bad), Err(SealError::InvalidKey));
        assert_eq!(unwrap_root_key(&kek, &[]), Err(SealError::InvalidKey));
        // A ciphertext of something else under the same KEK is not a root key.
        let other = arca_crypto::seal(&kek, root.as_bytes(), b"other").unwrap();
        assert_eq!(unwrap_root_key(&kek, &other), Err(SealError::InvalidKey));
    }

    #[test]
    fn invalid_config_is_refused() {
        let err = generate_shamir(&SealConfig::shamir(3, 4)).unwrap_err();
        assert_eq!(err.to_string(), "threshold cannot be larger than shares");
    }
}
