//! ECDSA keys on P-256 and P-384. The stored secret is the scalar; signatures are over a
//! digest the caller computed (`hash_algorithm`, or the client's own with `prehashed`).
//! Signing is deterministic (RFC 6979), so no random source is involved.

use arca_crypto::Zeroizing;

use crate::{error::TransitError, keytype::KeyType};

/// How a signature is encoded: DER (`asn1`, OpenSSL and X.509) or `r || s` (`jws`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marshaling {
    Asn1,
    Jws,
}

impl Marshaling {
    /// Parses Vault's `marshaling_algorithm`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "asn1" => Some(Marshaling::Asn1),
            "jws" => Some(Marshaling::Jws),
            _ => None,
        }
    }
}

macro_rules! curve {
    ($name:ident, $krate:ident) => {
        /// Operations on one curve (same API for every curve).
        pub mod $name {
            use arca_crypto::{Zeroize, Zeroizing};
            use $krate::{
                SecretKey,
                ecdsa::{
                    Signature, SigningKey,
                    signature::hazmat::{PrehashSigner, PrehashVerifier},
                },
                pkcs8::{EncodePublicKey, LineEnding},
            };

            use rsa::Generate as _;

            use super::Marshaling;
            use crate::{error::TransitError, rng::SystemRng, secret::SecretBytes};

            fn signing_key(secret: &[u8]) -> Result<SigningKey, TransitError> {
                SigningKey::from_slice(secret)
                    .map_err(|_| TransitError::internal("stored ECDSA key is invalid"))
            }

            /// A fresh key: the secret scalar bytes.
            pub fn generate() -> Result<SecretBytes, TransitError> {
                let key = SigningKey::try_generate_from_rng(&mut SystemRng)
                    .map_err(|_| TransitError::internal("ECDSA key generation failed"))?;
                let mut bytes = key.to_bytes();
                let secret = SecretBytes::from_slice(&bytes);
                bytes.as_mut_slice().zeroize();
                Ok(secret)
            }

            /// The public key as a PEM `PUBLIC KEY` (PKIX) block.
            pub fn public_pem(secret: &[u8]) -> Result<String, TransitError> {
                signing_key(secret)?
                    .verifying_key()
                    .to_public_key_pem(LineEnding::LF)
                    .map_err(|_| TransitError::internal("error marshaling public key"))
            }

            /// The private key as a PEM `EC PRIVATE KEY` (SEC 1) block.
            pub fn private_pem(secret: &[u8]) -> Result<Zeroizing<String>, TransitError> {
                let key = signing_key(secret)?;
                SecretKey::from(&key)
                    .to_sec1_pem(LineEnding::LF)
                    .map_err(|_| TransitError::internal("error marshaling private key"))
            }

            /// Signs `digest`.
            pub fn sign(
                secret: &[u8],
                digest: &[u8],
                marshaling: Marshaling,
            ) -> Result<Vec<u8>, TransitError> {
                let sig: Signature = signing_key(secret)?
                    .sign_prehash(digest)
                    .map_err(|_| TransitError::invalid("invalid input length for signing"))?;
                Ok(match marshaling {
                    Marshaling::Asn1 => sig.to_der().as_bytes().to_vec(),
                    Marshaling::Jws => sig.to_bytes().to_vec(),
                })
            }

            /// Checks `signature` over `digest`. Undecodable DER is a client error, as in
            /// Vault; a JWS signature of the wrong length is just invalid.
            pub fn verify(
                secret: &[u8],
                digest: &[u8],
                signature: &[u8],
                marshaling: Marshaling,
            ) -> Result<bool, TransitError> {
                let sig = match marshaling {
                    Marshaling::Asn1 => Signature::from_der(signature)
                        .map_err(|_| TransitError::invalid("supplied signature is invalid"))?,
                    Marshaling::Jws => match Signature::from_slice(signature) {
                        Ok(s) => s,
                        Err(_) => return Ok(false),
                    },
                };
                Ok(signing_key(secret)?
                    .verifying_key()
                    .verify_prehash(digest, &sig)
                    .is_ok())
            }
        }
    };
}

curve!(p256_ops, p256);
curve!(p384_ops, p384);

/// Dispatches on the key type; the secret stays where the caller keeps it.
pub fn generate(kind: KeyType) -> Result<crate::secret::SecretBytes, TransitError> {
    match kind {
        KeyType::EcdsaP256 => p256_ops::generate(),
        KeyType::EcdsaP384 => p384_ops::generate(),
        _ => Err(TransitError::internal("not an ECDSA key type")),
    }
}

/// See [`p256_ops::public_pem`].
pub fn public_pem(kind: KeyType, secret: &[u8]) -> Result<String, TransitError> {
    match kind {
        KeyType::EcdsaP256 => p256_ops::public_pem(secret),
        KeyType::EcdsaP384 => p384_ops::public_pem(secret),
        _ => Err(TransitError::internal("not an ECDSA key type")),
    }
}

/// See [`p256_ops::private_pem`].
pub fn private_pem(kind: KeyType, secret: &[u8]) -> Result<Zeroizing<String>, TransitError> {
    match kind {
        KeyType::EcdsaP256 => p256_ops::private_pem(secret),
        KeyType::EcdsaP384 => p384_ops::private_pem(secret),
        _ => Err(TransitError::internal("not an ECDSA key type")),
    }
}

/// See [`p256_ops::sign`].
pub fn sign(
    kind: KeyType,
    secret: &[u8],
    digest: &[u8],
    m: Marshaling,
) -> Result<Vec<u8>, TransitError> {
    match kind {
        KeyType::EcdsaP256 => p256_ops::sign(secret, digest, m),
        KeyType::EcdsaP384 => p384_ops::sign(secret, digest, m),
        _ => Err(TransitError::internal("not an ECDSA key type")),
    }
}

/// See [`p256_ops::verify`].
pub fn verify(
    kind: KeyType,
    secret: &[u8],
    digest: &[u8],
    sig: &[u8],
    m: Marshaling,
) -> Result<bool, TransitError> {
    match kind {
        KeyType::EcdsaP256 => p256_ops::verify(secret, digest, sig, m),
        KeyType::EcdsaP384 => p384_ops::verify(secret, digest, sig, m),
        _ => Err(TransitError::internal("not an ECDSA key type")),
    }
}

/// The curve name Vault shows in key reads (Go's `elliptic.Curve` name).
pub fn curve_name(kind: KeyType) -> &'static str {
    match kind {
        KeyType::EcdsaP384 => "P-384",
        _ => "P-256",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_curves_sign_and_verify_in_both_encodings() {
        for (kind, len) in [(KeyType::EcdsaP256, 64), (KeyType::EcdsaP384, 96)] {
            let secret = generate(kind).unwrap();
            let digest = [7u8; 32];
            for m in [Marshaling::Asn1, Marshaling::Jws] {
                let sig = sign(kind, secret.as_slice(), &digest, m).unwrap();
                if m == Marshaling::Jws {
                    assert_eq!(sig.len(), len);
                } else {
                    assert_eq!(sig[0], 0x30, "DER sequence");
                }
                assert!(verify(kind, secret.as_slice(), &digest, &sig, m).unwrap());
                assert!(!verify(kind, secret.as_slice(), &[8u8; 32], &sig, m).unwrap());
            }
            assert!(verify(kind, secret.as_slice(), &digest, b"junk", Marshaling::Asn1).is_err());
            assert!(!verify(kind, secret.as_slice(), &digest, b"junk", Marshaling::Jws).unwrap());
            let pem = public_pem(kind, secret.as_slice()).unwrap();
            assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
            let private = private_pem(kind, secret.as_slice()).unwrap();
            assert!(private.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        }
        assert_eq!(Marshaling::parse("jws"), Some(Marshaling::Jws));
        assert_eq!(Marshaling::parse("der"), None);
        assert!(generate(KeyType::Ed25519).is_err());
    }
}
