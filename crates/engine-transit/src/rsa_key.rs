//! RSA keys: OAEP-SHA256 encryption (as Vault) and PSS or PKCS#1 v1.5 signatures over a
//! digest. The stored secret is the PKCS#8 DER of the private key.

use arca_crypto::Zeroizing;
use rsa::{
    Pkcs1v15Sign, PrivateKey,
    pkcs1::EncodeRsaPrivateKey,
    pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding},
    pss::Pss,
    sha2::{Digest, Sha224, Sha256, Sha384, Sha512, digest::FixedOutputReset},
    traits::PublicKeyParts,
};

use crate::{error::TransitError, hashing::HashAlgorithm, rng::SystemRng, secret::SecretBytes};

/// The PSS salt length, as Vault's `salt_length`: `auto` (the longest that fits when
/// signing, detected when verifying), `hash` (the digest length) or a byte count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaltLength {
    Auto,
    Hash,
    Bytes(usize),
}

impl SaltLength {
    /// Parses `auto`, `hash` or an integer (0 means `auto` and -1 `hash`, as in Go).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "" | "auto" => Some(SaltLength::Auto),
            "hash" | "-1" => Some(SaltLength::Hash),
            n => match n.parse::<usize>().ok()? {
                0 => Some(SaltLength::Auto),
                n => Some(SaltLength::Bytes(n)),
            },
        }
    }
}

/// The RSA signature scheme (`signature_algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaScheme {
    Pss(SaltLength),
    Pkcs1v15,
}

/// A fresh key of `bits` bits, as PKCS#8 DER.
pub fn generate(bits: usize) -> Result<SecretBytes, TransitError> {
    let key = PrivateKey::new(&mut SystemRng, bits)
        .map_err(|_| TransitError::internal("RSA key generation failed"))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|_| TransitError::internal("error encoding RSA key"))?;
    Ok(SecretBytes::from_slice(der.as_bytes()))
}

fn parse(secret: &[u8]) -> Result<PrivateKey, TransitError> {
    PrivateKey::from_pkcs8_der(secret)
        .map_err(|_| TransitError::internal("stored RSA key is invalid"))
}

/// The public key as a PEM `PUBLIC KEY` (PKIX) block.
pub fn public_pem(secret: &[u8]) -> Result<String, TransitError> {
    parse(secret)?
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|_| TransitError::internal("error marshaling public key"))
}

/// The private key as a PEM `RSA PRIVATE KEY` (PKCS#1) block, as Vault exports it.
pub fn private_pem(secret: &[u8]) -> Result<Zeroizing<String>, TransitError> {
    parse(secret)?
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|_| TransitError::internal("error marshaling private key"))
}

/// RSA-OAEP with SHA-256 (label empty), as Vault encrypts with RSA keys.
pub fn encrypt(secret: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, TransitError> {
    parse(secret)?
        .to_public_key()
        .oaep_encrypt_with_rng::<Sha256, _>(&mut SystemRng, plaintext)
        .map_err(|_| TransitError::invalid("failed to RSA encrypt the plaintext: message too long"))
}

/// Inverse of [`encrypt`].
pub fn decrypt(secret: &[u8], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, TransitError> {
    parse(secret)?
        .oaep_decrypt_with_rng::<Sha256, _>(&mut SystemRng, ciphertext)
        .map(Zeroizing::new)
        .map_err(|_| {
            TransitError::invalid("failed to RSA decrypt the ciphertext: decryption error")
        })
}

/// Signs `digest` (made with `hash`).
pub fn sign(
    secret: &[u8],
    digest: &[u8],
    hash: HashAlgorithm,
    scheme: RsaScheme,
) -> Result<Vec<u8>, TransitError> {
    let key = parse(secret)?;
    let result = match scheme {
        RsaScheme::Pkcs1v15 => key.sign_with_rng(&mut SystemRng, pkcs1(hash), digest),
        RsaScheme::Pss(salt) => {
            let len = sign_salt_len(&key, hash, salt)?;
            match hash {
                HashAlgorithm::Sha2_224 => pss_sign::<Sha224>(&key, digest, len),
                HashAlgorithm::Sha2_256 => pss_sign::<Sha256>(&key, digest, len),
                HashAlgorithm::Sha2_384 => pss_sign::<Sha384>(&key, digest, len),
                HashAlgorithm::Sha2_512 => pss_sign::<Sha512>(&key, digest, len),
            }
        }
    };
    result.map_err(|_| TransitError::invalid("failed to sign the input with the RSA key"))
}

/// Checks `signature` over `digest` (made with `hash`).
pub fn verify(
    secret: &[u8],
    digest: &[u8],
    signature: &[u8],
    hash: HashAlgorithm,
    scheme: RsaScheme,
) -> Result<bool, TransitError> {
    let key = parse(secret)?;
    let public = key.to_public_key();
    let ok = match scheme {
        RsaScheme::Pkcs1v15 => public.verify(pkcs1(hash), digest, signature).is_ok(),
        RsaScheme::Pss(salt) => {
            let len = match salt {
                SaltLength::Auto => None,
                SaltLength::Hash => Some(hash.output_len()),
                SaltLength::Bytes(n) => {
                    check_salt(&key, hash, n)?;
                    Some(n)
                }
            };
            let ok = |scheme_result: rsa::errors::Result<()>| scheme_result.is_ok();
            match hash {
                HashAlgorithm::Sha2_224 => ok(public.verify(pss::<Sha224>(len), digest, signature)),
                HashAlgorithm::Sha2_256 => ok(public.verify(pss::<Sha256>(len), digest, signature)),
                HashAlgorithm::Sha2_384 => ok(public.verify(pss::<Sha384>(len), digest, signature)),
                HashAlgorithm::Sha2_512 => ok(public.verify(pss::<Sha512>(len), digest, signature)),
            }
        }
    };
    Ok(ok)
}

fn pkcs1(hash: HashAlgorithm) -> Pkcs1v15Sign {
    match hash {
        HashAlgorithm::Sha2_224 => Pkcs1v15Sign::new::<Sha224>(),
        HashAlgorithm::Sha2_256 => Pkcs1v15Sign::new::<Sha256>(),
        HashAlgorithm::Sha2_384 => Pkcs1v15Sign::new::<Sha384>(),
        HashAlgorithm::Sha2_512 => Pkcs1v15Sign::new::<Sha512>(),
    }
}

fn pss<D: Digest + FixedOutputReset>(salt_len: Option<usize>) -> Pss<D> {
    Pss {
        blinded: true,
        digest: D::new(),
        salt_len,
    }
}

fn pss_sign<D: Digest + FixedOutputReset>(
    key: &PrivateKey,
    digest: &[u8],
    salt_len: usize,
) -> rsa::errors::Result<Vec<u8>> {
    key.sign_with_rng(&mut SystemRng, pss::<D>(Some(salt_len)), digest)
}

/// The longest salt Go allows: `ceil((bits - 1) / 8) - 2 - hash length`.
fn max_salt(key: &PrivateKey, hash: HashAlgorithm) -> usize {
    key.size().saturating_sub(2 + hash.output_len())
}

fn check_salt(key: &PrivateKey, hash: HashAlgorithm, n: usize) -> Result<(), TransitError> {
    if n > max_salt(key, hash) {
        return Err(TransitError::invalid(format!(
            "requested salt length {n} is invalid"
        )));
    }
    Ok(())
}

fn sign_salt_len(
    key: &PrivateKey,
    hash: HashAlgorithm,
    salt: SaltLength,
) -> Result<usize, TransitError> {
    match salt {
        SaltLength::Auto => Ok(max_salt(key, hash)),
        SaltLength::Hash => Ok(hash.output_len()),
        SaltLength::Bytes(n) => check_salt(key, hash, n).map(|()| n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_2048_encrypts_signs_and_exports() {
        let secret = generate(2048).unwrap();
        let ct = encrypt(secret.as_slice(), b"data").unwrap();
        assert_eq!(ct.len(), 256);
        assert_eq!(decrypt(secret.as_slice(), &ct).unwrap().as_slice(), b"data");
        let mut bad = ct.clone();
        bad[10] ^= 1;
        assert!(decrypt(secret.as_slice(), &bad).is_err());

        let h = HashAlgorithm::Sha2_256;
        let digest = h.digest(b"input");
        for scheme in [
            RsaScheme::Pkcs1v15,
            RsaScheme::Pss(SaltLength::Auto),
            RsaScheme::Pss(SaltLength::Hash),
            RsaScheme::Pss(SaltLength::Bytes(20)),
        ] {
            let sig = sign(secret.as_slice(), &digest, h, scheme).unwrap();
            assert!(verify(secret.as_slice(), &digest, &sig, h, scheme).unwrap());
            assert!(!verify(secret.as_slice(), &h.digest(b"other"), &sig, h, scheme).unwrap());
        }
        // A maximal-salt signature verifies with automatic detection only.
        let sig = sign(
            secret.as_slice(),
            &digest,
            h,
            RsaScheme::Pss(SaltLength::Auto),
        )
        .unwrap();
        assert!(
            !verify(
                secret.as_slice(),
                &digest,
                &sig,
                h,
                RsaScheme::Pss(SaltLength::Hash)
            )
            .unwrap()
        );
        assert_eq!(
            sign(
                secret.as_slice(),
                &digest,
                h,
                RsaScheme::Pss(SaltLength::Bytes(1000))
            ),
            Err(TransitError::invalid(
                "requested salt length 1000 is invalid"
            ))
        );
        assert!(
            public_pem(secret.as_slice())
                .unwrap()
                .starts_with("-----BEGIN PUBLIC KEY-----")
        );
        assert!(
            private_pem(secret.as_slice())
                .unwrap()
                .starts_with("-----BEGIN RSA PRIVATE KEY-----")
        );
    }

    #[test]
    fn salt_length_parses_vault_forms() {
        assert_eq!(SaltLength::parse("auto"), Some(SaltLength::Auto));
        assert_eq!(SaltLength::parse("0"), Some(SaltLength::Auto));
        assert_eq!(SaltLength::parse("hash"), Some(SaltLength::Hash));
        assert_eq!(SaltLength::parse("32"), Some(SaltLength::Bytes(32)));
        assert_eq!(SaltLength::parse("-1"), Some(SaltLength::Hash));
        assert_eq!(SaltLength::parse("-2"), None);
    }
}
