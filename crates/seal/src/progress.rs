//! One unseal attempt: shares submitted so far, until the threshold is reached.

use std::fmt;

use arca_crypto::{Key32, Zeroizing, ct_eq};

use crate::{MAX_KEY_LEN, MIN_KEY_LEN, SealConfig, SealError};

/// Accumulates key shares for one unseal attempt (Vault's "unseal progress").
///
/// Why a type of its own: the shares are secrets that must be held zeroised, compared in
/// constant time, and dropped the moment the attempt ends, whichever way it ends. The
/// core keeps one of these per node, behind its own lock.
pub struct UnsealProgress {
    threshold: usize,
    share_len: usize,
    nonce: Option<String>,
    parts: Vec<Zeroizing<Vec<u8>>>,
}

impl UnsealProgress {
    /// An empty attempt for `config` (which is validated).
    pub fn new(config: &SealConfig) -> Result<Self, SealError> {
        config.validate()?;
        Ok(UnsealProgress {
            threshold: config.secret_threshold,
            share_len: config.share_len(),
            nonce: None,
            parts: Vec::new(),
        })
    }

    /// Shares needed to finish an attempt.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// Shares submitted in the current attempt (`progress` in `sys/seal-status`).
    pub fn progress(&self) -> usize {
        self.parts.len()
    }

    /// The current attempt's nonce: a random UUID made when its first share arrives,
    /// empty when no attempt is under way (as Vault reports it).
    pub fn nonce(&self) -> &str {
        self.nonce.as_deref().unwrap_or("")
    }

    /// Forgets every submitted share (`sys/unseal` with `reset: true`, or sealing).
    pub fn reset(&mut self) {
        self.parts.clear();
        self.nonce = None;
    }

    /// Adds one share. Returns `Ok(None)` while more shares are needed, and once the
    /// threshold is reached the combined key-encryption key, having reset itself. The
    /// KEK may still be wrong (wrong or mixed shares); the caller finds out by
    /// unwrapping the root key with it.
    ///
    /// A share already given in this attempt is refused with [`SealError::DuplicateKey`]
    /// and changes nothing; a share of the wrong length is refused with
    /// [`SealError::InvalidKeyLength`].
    pub fn submit(&mut self, share: &[u8]) -> Result<Option<Key32>, SealError> {
        self.check_length(share.len())?;
        // Constant time over every stored share: timing reveals neither which share
        // matched nor how much of it.
        let duplicate = self
            .parts
            .iter()
            .fold(false, |dup, p| dup | ct_eq(p, share));
        if duplicate {
            return Err(SealError::DuplicateKey);
        }
        if self.nonce.is_none() {
            self.nonce = Some(uuid::Uuid::new_v4().to_string());
        }
        self.parts.push(Zeroizing::new(share.to_vec()));
        if self.parts.len() < self.threshold {
            return Ok(None);
        }
        // Threshold reached: whatever happens next, this attempt is over.
        let parts = std::mem::take(&mut self.parts);
        self.reset();
        let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
        let combined = arca_crypto::combine(&refs).map_err(SealError::Combine)?;
        Ok(Some(
            Key32::from_slice(&combined).map_err(|_| SealError::InvalidKey)?,
        ))
    }

    fn check_length(&self, len: usize) -> Result<(), SealError> {
        let msg = if len < MIN_KEY_LEN {
            format!("key is shorter than minimum {MIN_KEY_LEN} bytes")
        } else if len > MAX_KEY_LEN {
            format!("key is longer than maximum {MAX_KEY_LEN} bytes")
        } else if len != self.share_len {
            format!("key must be {} bytes, got {len}", self.share_len)
        } else {
            return Ok(());
        };
        Err(SealError::InvalidKeyLength(msg))
    }
}

impl fmt::Debug for UnsealProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnsealProgress")
            .field("threshold", &self.threshold)
            .field("progress", &self.parts.len())
            .field("nonce", &self.nonce())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{generate_shamir, unwrap_root_key, wrap_root_key};

    #[test]
    fn threshold_shares_unseal_and_reset_the_attempt() {
        let config = SealConfig::shamir(5, 3);
        let (kek, shares) = generate_shamir(&config).unwrap();
        let root = Key32::generate();
        let blob = wrap_root_key(&kek, &root).unwrap();

        let mut p = UnsealProgress::new(&config).unwrap();
        assert_eq!((p.progress(), p.threshold(), p.nonce()), (0, 3, ""));
        assert_eq!(p.submit(&shares[4]).unwrap(), None);
        let nonce = p.nonce().to_string();
        assert_eq!(nonce.len(), 36);
        assert_eq!(p.submit(&shares[0]).unwrap(), None);
        assert_eq!(p.progress(), 2);
        assert_eq!(p.nonce(), nonce, "nonce is stable within an attempt");
        let got = p.submit(&shares[2]).unwrap().expect("threshold reached");
        assert_eq!(got, kek);
        assert_eq!(unwrap_root_key(&got, &blob).unwrap(), root);
        assert_eq!((p.progress(), p.nonce()), (0, ""));

        // A second attempt gets a new nonce.
        p.submit(&shares[1]).unwrap();
        assert_ne!(p.nonce(), nonce);
    }

    #[test]
    fn duplicate_share_is_refused_without_progress() {
        let config = SealConfig::shamir(3, 2);
        let (_, shares) = generate_shamir(&config).unwrap();
        let mut p = UnsealProgress::new(&config).unwrap();
        p.submit(&shares[0]).unwrap();
        let err = p.submit(&shares[0]).unwrap_err();
        assert_eq!(err, SealError::DuplicateKey);
        assert_eq!(
            err.to_string(),
            "given key has already been provided during this generation operation"
        );
        assert_eq!(p.progress(), 1);
    }

    #[test]
    fn wrong_shares_give_a_kek_that_fails_to_unwrap_and_reset() {
        let config = SealConfig::shamir(3, 2);
        let (kek, _) = generate_shamir(&config).unwrap();
        let (_, foreign) = generate_shamir(&config).unwrap();
        let blob = wrap_root_key(&kek, &Key32::generate()).unwrap();
        let mut p = UnsealProgress::new(&config).unwrap();
        p.submit(&foreign[0]).unwrap();
        let wrong = p.submit(&foreign[1]).unwrap().expect("threshold reached");
        assert_eq!(unwrap_root_key(&wrong, &blob), Err(SealError::InvalidKey));
        assert_eq!(p.progress(), 0);
    }

    #[test]
    fn shares_with_same_x_fail_to_combine_and_still_reset() {
        let config = SealConfig::shamir(3, 2);
        let (_, shares) = generate_shamir(&config).unwrap();
        let mut forged = shares[1].to_vec();
        forged[0] = shares[0][0];
        let mut p = UnsealProgress::new(&config).unwrap();
        p.submit(&shares[0]).unwrap();
        let err = p.submit(&forged).unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to compute root key: duplicate part detected"
        );
        assert_eq!(p.progress(), 0);
    }

    #[test]
    fn wrong_lengths_are_refused() {
        let mut p = UnsealProgress::new(&SealConfig::shamir(3, 2)).unwrap();
        let msg = |r: Result<Option<Key32>, SealError>| r.unwrap_err().to_string();
        assert_eq!(
            msg(p.submit(&[1u8; 15])),
            "invalid key: key is shorter than minimum 16 bytes"
        );
        assert_eq!(
            msg(p.submit(&[1u8; 34])),
            "invalid key: key is longer than maximum 33 bytes"
        );
        assert_eq!(
            msg(p.submit(&[1u8; 32])),
            "invalid key: key must be 33 bytes, got 32"
        );
        assert_eq!(p.progress(), 0);
    }

    #[test]
    fn single_share_config_uses_the_raw_key() {
        let config = SealConfig::shamir(1, 1);
        let (kek, shares) = generate_shamir(&config).unwrap();
        let mut p = UnsealProgress::new(&config).unwrap();
        assert_eq!(p.submit(&shares[0]).unwrap(), Some(kek));
    }

    #[test]
    fn reset_forgets_shares_and_debug_hides_them() {
        let config = SealConfig::shamir(3, 2);
        let (_, shares) = generate_shamir(&config).unwrap();
        let mut p = UnsealProgress::new(&config).unwrap();
        p.submit(&shares[0]).unwrap();
        let shown = format!("{p:?}");
        assert!(shown.contains("progress: 1"));
        assert!(!shown.contains(&format!("{:?}", shares[0].as_slice())));
        p.reset();
        assert_eq!((p.progress(), p.nonce()), (0, ""));
        // The earlier share can be given again after a reset.
        assert_eq!(p.submit(&shares[0]).unwrap(), None);
    }
}
