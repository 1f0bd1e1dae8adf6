//! The hash algorithms of `hash`, `hmac`, `sign` and `verify`, by Vault's names.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

/// A SHA-2 hash, as named in Vault's API (`sha2-256`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Sha2_224,
    Sha2_256,
    Sha2_384,
    Sha2_512,
}

impl HashAlgorithm {
    /// Parses Vault's name. SHA-1 and SHA-3 are not offered (see the crate docs).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "sha2-224" => HashAlgorithm::Sha2_224,
            "sha2-256" => HashAlgorithm::Sha2_256,
            "sha2-384" => HashAlgorithm::Sha2_384,
            "sha2-512" => HashAlgorithm::Sha2_512,
            _ => return None,
        })
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha2_224 => 28,
            HashAlgorithm::Sha2_256 => 32,
            HashAlgorithm::Sha2_384 => 48,
            HashAlgorithm::Sha2_512 => 64,
        }
    }

    /// The digest of `input`.
    pub fn digest(self, input: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha2_224 => Sha224::digest(input).to_vec(),
            HashAlgorithm::Sha2_256 => Sha256::digest(input).to_vec(),
            HashAlgorithm::Sha2_384 => Sha384::digest(input).to_vec(),
            HashAlgorithm::Sha2_512 => Sha512::digest(input).to_vec(),
        }
    }

    /// HMAC of `input` under `key` with this hash.
    pub fn hmac(self, key: &[u8], input: &[u8]) -> Vec<u8> {
        fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], input: &[u8]) -> Vec<u8> {
            // HMAC accepts keys of any length, so this cannot fail.
            match <M as hmac::digest::KeyInit>::new_from_slice(key) {
                Ok(mut m) => {
                    m.update(input);
                    m.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        }
        match self {
            HashAlgorithm::Sha2_224 => run::<Hmac<Sha224>>(key, input),
            HashAlgorithm::Sha2_256 => run::<Hmac<Sha256>>(key, input),
            HashAlgorithm::Sha2_384 => run::<Hmac<Sha384>>(key, input),
            HashAlgorithm::Sha2_512 => run::<Hmac<Sha512>>(key, input),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        let h = HashAlgorithm::parse("sha2-256").unwrap();
        assert_eq!(
            hex::encode(h.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // RFC 4231 test case 2.
        assert_eq!(
            hex::encode(h.hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        for (n, len) in [("sha2-224", 28), ("sha2-384", 48), ("sha2-512", 64)] {
            let a = HashAlgorithm::parse(n).unwrap();
            assert_eq!(a.digest(b"x").len(), len);
            assert_eq!(a.output_len(), len);
            assert_eq!(a.hmac(b"k", b"x").len(), len);
        }
        assert_eq!(HashAlgorithm::parse("md5"), None);
    }
}
