//! Signatures with a named key, as `sign` and `verify` make and check them.

use crate::{
    b64, ciphertext, ecdsa,
    ecdsa::Marshaling,
    ed25519,
    error::TransitError,
    hashing::HashAlgorithm,
    kdf,
    keytype::KeyType,
    policy::Policy,
    rsa_key::{self, RsaScheme},
};

/// The options of one signing or verification request.
#[derive(Debug, Clone, Copy)]
pub struct SignOptions {
    pub hash: HashAlgorithm,
    /// The input is already a digest made with `hash`.
    pub prehashed: bool,
    pub marshaling: Marshaling,
    pub rsa: RsaScheme,
}

/// A signature and, for derived Ed25519 keys, the public key it verifies with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub signature: String,
    pub public_key: Option<Vec<u8>>,
}

/// Signs `input` with `version` of the key.
pub fn sign(
    p: &Policy,
    version: u64,
    context: &[u8],
    input: &[u8],
    opts: &SignOptions,
) -> Result<Signed, TransitError> {
    let kind = p.key_type;
    let entry = p.entry(version)?;
    let message = prepare(kind, input, opts);
    let mut public_key = None;
    let raw = match kind {
        KeyType::Ed25519 => {
            let seed = ed_seed(p, entry.key.as_slice(), context)?;
            if p.derived {
                public_key = Some(ed25519::public_key_bytes(&seed)?);
            }
            ed25519::sign(&seed, &message)?
        }
        KeyType::EcdsaP256 | KeyType::EcdsaP384 => {
            ecdsa::sign(kind, entry.key.as_slice(), &message, opts.marshaling)?
        }
        _ if kind.rsa_bits().is_some() => {
            rsa_key::sign(entry.key.as_slice(), &message, opts.hash, opts.rsa)?
        }
        _ => {
            return Err(TransitError::NotSupported {
                op: "signing",
                key_type: kind,
            });
        }
    };
    Ok(Signed {
        signature: ciphertext::format(version, &encode(&raw, opts.marshaling)),
        public_key,
    })
}

/// Checks a `vault:v<N>:` signature over `input`.
pub fn verify(
    p: &Policy,
    context: &[u8],
    input: &[u8],
    signature: &str,
    opts: &SignOptions,
) -> Result<bool, TransitError> {
    let kind = p.key_type;
    if !kind.supports_signing() {
        return Err(TransitError::NotSupported {
            op: "verification",
            key_type: kind,
        });
    }
    let env = ciphertext::parse("signature", signature)?;
    let version = p.version_for_read(env.version, "signature")?;
    let raw = decode(env.body, opts.marshaling)
        .map_err(|_| TransitError::invalid("invalid base64 signature value"))?;
    let entry = p.entry(version)?;
    let message = prepare(kind, input, opts);
    match kind {
        KeyType::Ed25519 => {
            let seed = ed_seed(p, entry.key.as_slice(), context)?;
            ed25519::verify(&seed, &message, &raw)
        }
        KeyType::EcdsaP256 | KeyType::EcdsaP384 => {
            ecdsa::verify(kind, entry.key.as_slice(), &message, &raw, opts.marshaling)
        }
        _ => rsa_key::verify(entry.key.as_slice(), &message, &raw, opts.hash, opts.rsa),
    }
}

/// ECDSA and RSA sign a digest: hash the input unless the client already did.
fn prepare(kind: KeyType, input: &[u8], opts: &SignOptions) -> Vec<u8> {
    if kind.hashes_signature_input() && !opts.prehashed {
        opts.hash.digest(input)
    } else {
        input.to_vec()
    }
}

fn ed_seed(
    p: &Policy,
    key: &[u8],
    context: &[u8],
) -> Result<arca_crypto::Zeroizing<Vec<u8>>, TransitError> {
    if p.derived {
        kdf::derive(key, context, ed25519::SEED_LEN)
    } else {
        Ok(arca_crypto::Zeroizing::new(key.to_vec()))
    }
}

/// JWS signatures use unpadded URL-safe base64, everything else standard base64.
fn encode(raw: &[u8], m: Marshaling) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    match m {
        Marshaling::Asn1 => b64::encode(raw),
        Marshaling::Jws => URL_SAFE_NO_PAD.encode(raw),
    }
}

fn decode(body: &str, m: Marshaling) -> Result<Vec<u8>, String> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    match m {
        Marshaling::Asn1 => b64::decode(body).map(|z| z.to_vec()),
        Marshaling::Jws => URL_SAFE_NO_PAD.decode(body).map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::{policy::CreateOptions, rsa_key::SaltLength};

    fn opts() -> SignOptions {
        SignOptions {
            hash: HashAlgorithm::Sha2_256,
            prehashed: false,
            marshaling: Marshaling::Asn1,
            rsa: RsaScheme::Pss(SaltLength::Auto),
        }
    }

    #[test]
    fn ed25519_derived_needs_context_and_returns_public_key() {
        let o = CreateOptions {
            derived: true,
            ..Default::default()
        };
        let p = Policy::create("k", KeyType::Ed25519, &o, OffsetDateTime::now_utc()).unwrap();
        assert_eq!(
            sign(&p, 1, b"", b"m", &opts()),
            Err(TransitError::MissingContext)
        );
        let s = sign(&p, 1, b"ctx", b"m", &opts()).unwrap();
        assert_eq!(s.public_key.as_ref().map(Vec::len), Some(32));
        assert!(verify(&p, b"ctx", b"m", &s.signature, &opts()).unwrap());
        assert!(!verify(&p, b"ctx2", b"m", &s.signature, &opts()).unwrap());
    }

    #[test]
    fn prehashed_ecdsa_matches_hashing_here() {
        let p = Policy::create(
            "k",
            KeyType::EcdsaP256,
            &CreateOptions::default(),
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        let s = sign(&p, 1, b"", b"message", &opts()).unwrap();
        let pre = SignOptions {
            prehashed: true,
            ..opts()
        };
        let digest = HashAlgorithm::Sha2_256.digest(b"message");
        assert!(verify(&p, b"", &digest, &s.signature, &pre).unwrap());
        let jws = SignOptions {
            marshaling: Marshaling::Jws,
            ..opts()
        };
        let s = sign(&p, 1, b"", b"message", &jws).unwrap();
        assert!(!s.signature.contains('='));
        assert!(verify(&p, b"", b"message", &s.signature, &jws).unwrap());
        assert_eq!(
            verify(&p, b"", b"m", "vault:v1:@@", &opts())
                .unwrap_err()
                .to_string(),
            "invalid base64 signature value"
        );
    }
}
