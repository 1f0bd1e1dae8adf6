//! Key bytes that wipe themselves, never print, and are stored as base64.

use std::fmt;

use arca_crypto::Zeroizing;
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Secret key material of one key version.
///
/// Why a type: the bytes are zeroised on drop, `Debug` shows only the length, and the
/// serde form (base64 inside the policy JSON, which the barrier encrypts) decodes
/// straight into a zeroising buffer.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes` (already in a zeroising buffer).
    pub fn new(bytes: Zeroizing<Vec<u8>>) -> Self {
        SecretBytes(bytes)
    }

    /// Copies `bytes` into a zeroising buffer.
    pub fn from_slice(bytes: &[u8]) -> Self {
        SecretBytes(Zeroizing::new(bytes.to_vec()))
    }

    /// The raw bytes, for handing to a primitive.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// True when no key material is held.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<{} bytes redacted>)", self.0.len())
    }
}

impl Serialize for SecretBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let encoded = Zeroizing::new(STANDARD.encode(self.as_slice()));
        s.serialize_str(&encoded)
    }
}

impl<'de> Deserialize<'de> for SecretBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = SecretBytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("base64 key material")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SecretBytes, E> {
                let mut out = Zeroizing::new(Vec::with_capacity(v.len()));
                STANDARD
                    .decode_vec(v, &mut out)
                    .map_err(|_| E::custom("invalid base64 key material"))?;
                Ok(SecretBytes(out))
            }
        }
        d.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_is_base64_and_debug_is_redacted() {
        let s = SecretBytes::from_slice(&[1, 2, 3]);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"AQID\"");
        let back: SecretBytes = serde_json::from_str(&json).unwrap();
        assert_eq!(back.as_slice(), &[1, 2, 3]);
        assert_eq!(format!("{s:?}"), "SecretBytes(<3 bytes redacted>)");
        assert!(serde_json::from_str::<SecretBytes>("\"!!\"").is_err());
    }
}
