//! Shamir secret sharing over GF(256), with Vault's parameter rules.
//!
//! A share is `x || y_1 .. y_n` (one byte of x-coordinate, then one byte per secret
//! byte), so a share of a 32-byte key is 33 bytes: 44 characters of base64, like
//! Vault's unseal keys. The single-share case follows Vault: with one share and a
//! threshold of one the "share" is the secret itself.

use std::collections::HashSet;

use blahaj::{Share, Sharks};
use zeroize::Zeroizing;

use crate::CryptoError;

/// Bytes a share has beyond the secret (the x-coordinate).
pub const SHARE_OVERHEAD: usize = 1;

/// Shares of a secret, each in a zeroising buffer.
pub type Shares = Vec<Zeroizing<Vec<u8>>>;

/// Checks share/threshold counts against Vault's seal-configuration rules, in Vault's
/// order and with Vault's messages (clients see them as `sys/init` errors).
pub fn validate_split(shares: usize, threshold: usize) -> Result<(), CryptoError> {
    let msg = if shares < 1 {
        "shares must be at least one"
    } else if threshold < 1 {
        "threshold must be at least one"
    } else if shares > 1 && threshold == 1 {
        "threshold must be greater than one for multiple shares"
    } else if shares > 255 {
        "shares must be less than 256"
    } else if threshold > 255 {
        "threshold must be less than 256"
    } else if threshold > shares {
        "threshold cannot be larger than shares"
    } else {
        return Ok(());
    };
    Err(CryptoError::InvalidSplit(msg))
}

/// Splits `secret` into `shares` parts of which any `threshold` recover it.
///
/// With `shares == 1` (and so `threshold == 1`) the single part is a copy of the
/// secret, as Vault hands out the raw key in that configuration.
pub fn split(secret: &[u8], shares: u8, threshold: u8) -> Result<Shares, CryptoError> {
    validate_split(usize::from(shares), usize::from(threshold))?;
    if secret.is_empty() {
        return Err(CryptoError::InvalidSplit("cannot split an empty secret"));
    }
    if shares == 1 {
        return Ok(vec![Zeroizing::new(secret.to_vec())]);
    }
    Ok(Sharks(threshold)
        .dealer(secret)
        .take(usize::from(shares))
        .map(|share| Zeroizing::new(Vec::from(&share)))
        .collect())
}

/// Recovers the secret from `parts` (as made by [`split`]).
///
/// One part is returned as it is (the single-share configuration). Two or more parts
/// must each be at least two bytes, all of one length, with distinct x-coordinates.
/// Too few parts for the threshold do not fail: they give a wrong value, which the
/// caller detects when the recovered key does not decrypt what it protects.
pub fn combine(parts: &[&[u8]]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let Some(first) = parts.first() else {
        return Err(CryptoError::InvalidParts(
            "at least one part is required to reconstruct the secret",
        ));
    };
    if parts.len() == 1 {
        if first.is_empty() {
            return Err(CryptoError::InvalidParts("parts must not be empty"));
        }
        return Ok(Zeroizing::new(first.to_vec()));
    }
    if first.len() < 2 {
        return Err(CryptoError::InvalidParts(
            "parts must be at least two bytes",
        ));
    }
    let mut seen = HashSet::with_capacity(parts.len());
    let mut shares = Vec::with_capacity(parts.len());
    for part in parts {
        if part.len() != first.len() {
            return Err(CryptoError::InvalidParts(
                "all parts must be the same length",
            ));
        }
        if !seen.insert(part[0]) {
            return Err(CryptoError::InvalidParts("duplicate part detected"));
        }
        let share = Share::try_from(*part)
            .map_err(|_| CryptoError::InvalidParts("parts must be at least two bytes"))?;
        shares.push(share);
    }
    // Distinct x-coordinates bound the count by 256; every part is used anyway.
    let threshold = u8::try_from(shares.len()).unwrap_or(u8::MAX);
    Sharks(threshold)
        .recover(&shares)
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::InvalidParts("not enough parts to reconstruct the secret"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key32;

    fn refs(parts: &[Zeroizing<Vec<u8>>]) -> Vec<&[u8]> {
        parts.iter().map(|p| p.as_slice()).collect()
    }

    #[test]
    fn five_three_every_triple_recovers_and_pairs_do_not() {
        let key = Key32::generate();
        let parts = split(key.as_bytes(), 5, 3).unwrap();
        assert_eq!(parts.len(), 5);
        for p in &parts {
            assert_eq!(p.len(), 33);
        }
        for a in 0..5 {
            for b in (a + 1)..5 {
                let pair = combine(&[&parts[a], &parts[b]]).unwrap();
                assert_ne!(
                    pair.as_slice(),
                    key.as_bytes(),
                    "pair {a},{b} recovered the secret"
                );
                for c in (b + 1)..5 {
                    let got = combine(&[&parts[c], &parts[a], &parts[b]]).unwrap();
                    assert_eq!(got.as_slice(), key.as_bytes(), "triple {a},{b},{c}");
                }
            }
        }
        // More parts than the threshold also work.
        assert_eq!(combine(&refs(&parts)).unwrap().as_slice(), key.as_bytes());
    }

    #[test]
    fn single_share_is_the_secret() {
        let parts = split(b"0123456789abcdef0123456789abcdef", 1, 1).unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].as_slice(), b"0123456789abcdef0123456789abcdef");
        assert_eq!(
            combine(&refs(&parts)).unwrap().as_slice(),
            parts[0].as_slice()
        );
    }

    #[test]
    fn vault_rules_are_enforced_in_order() {
        let cases: &[(u8, u8, &str)] = &[
            (0, 0, "shares must be at least one"),
            (0, 1, "shares must be at least one"),
            (3, 0, "threshold must be at least one"),
            (
                5,
                1,
                "threshold must be greater than one for multiple shares",
            ),
            (3, 4, "threshold cannot be larger than shares"),
        ];
        for (n, t, msg) in cases {
            let err = split(b"secret", *n, *t).unwrap_err();
            assert_eq!(err.to_string(), *msg, "{n}/{t}");
        }
        assert_eq!(
            validate_split(256, 2).unwrap_err().to_string(),
            "shares must be less than 256"
        );
        assert_eq!(
            validate_split(255, 256).unwrap_err().to_string(),
            "threshold must be less than 256"
        );
        assert!(validate_split(255, 255).is_ok());
        assert!(validate_split(1, 1).is_ok());
        assert!(split(b"", 3, 2).is_err());
        assert_eq!(split(b"k", 255, 255).unwrap().len(), 255);
    }

    #[test]
    fn combine_rejects_bad_parts() {
        let parts = split(b"0123456789abcdef", 5, 3).unwrap();
        let err = |r: Result<Zeroizing<Vec<u8>>, CryptoError>| r.unwrap_err().to_string();
        assert_eq!(
            err(combine(&[])),
            "at least one part is required to reconstruct the secret"
        );
        assert_eq!(err(combine(&[&[]])), "parts must not be empty");
        assert_eq!(
            err(combine(&[&parts[0], &parts[0], &parts[1]])),
            "duplicate part detected"
        );
        // Same x-coordinate, different y: still a duplicate.
        let mut forged = parts[1].to_vec();
        forged[0] = parts[0][0];
        assert_eq!(
            err(combine(&[&parts[0], &forged])),
            "duplicate part detected"
        );
        assert_eq!(
            err(combine(&[&parts[0], &parts[1][..10]])),
            "all parts must be the same length"
        );
        assert_eq!(
            err(combine(&[&[1u8], &[2u8]])),
            "parts must be at least two bytes"
        );
    }
}
