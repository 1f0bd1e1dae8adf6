//! How a [`crate::Batch`]'s bytes appear in its JSON (the raft log, the cluster RPCs):
//! base64 text, not serde's default array of numbers, which is four to five times larger
//! and was the largest cost of encoding and decoding every raft entry (see
//! docs/performance.md). Arrays of numbers written by earlier versions are still read,
//! so existing raft logs and snapshots load unchanged.

use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserializer, Serializer, de};

/// Writes `bytes` as base64 text.
pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&STANDARD.encode(bytes))
}

/// Reads base64 text or (older entries) an array of numbers.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    d.deserialize_any(BytesVisitor)
}

struct BytesVisitor;

impl<'de> de::Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("base64 text or an array of bytes")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Vec<u8>, E> {
        STANDARD.decode(s).map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Vec<u8>, E> {
        Ok(b.to_vec())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(out)
    }
}

/// The same for an optional 32-byte fingerprint (`null` when absent).
pub mod fingerprint {
    use super::{BytesVisitor, STANDARD};
    use base64::Engine;
    use serde::{Deserializer, Serializer, de};

    /// Writes `Some` as base64 text, `None` as `null`.
    pub fn serialize<S: Serializer>(fp: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        match fp {
            Some(fp) => s.serialize_str(&STANDARD.encode(fp)),
            None => s.serialize_none(),
        }
    }

    /// Reads `null`, base64 text or an array of 32 numbers.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        d.deserialize_option(OptionVisitor)
    }

    struct OptionVisitor;

    impl<'de> de::Visitor<'de> for OptionVisitor {
        type Value = Option<[u8; 32]>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("null or a 32-byte fingerprint")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            let bytes = d.deserialize_any(BytesVisitor)?;
            let len = bytes.len();
            <[u8; 32]>::try_from(bytes)
                .map(Some)
                .map_err(|_| de::Error::invalid_length(len, &"32 bytes"))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Batch, Condition, Op};

    fn batch() -> Batch {
        Batch {
            conditions: vec![
                Condition {
                    key: "a".into(),
                    fingerprint: Some([7; 32]),
                },
                Condition {
                    key: "b".into(),
                    fingerprint: None,
                },
            ],
            ops: vec![Op::Put {
                key: "c".into(),
                value: (0..=255).collect(),
            }],
        }
    }

    #[test]
    fn bytes_are_base64_text_and_round_trip() {
        let json = serde_json::to_string(&batch()).unwrap();
        assert!(
            json.contains(r#""fingerprint":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=""#),
            "{json}"
        );
        assert!(json.contains(r#""fingerprint":null"#), "{json}");
        assert!(json.contains(r#""value":"AAECAwQF"#), "{json}");
        assert_eq!(serde_json::from_str::<Batch>(&json).unwrap(), batch());
        // The old encoding of the same batch was well over twice as long.
        assert!(
            json.len() * 2 < old_json().len(),
            "{} vs {}",
            json.len(),
            old_json().len()
        );
    }

    /// The batch as earlier versions wrote it: bytes as arrays of numbers.
    fn old_json() -> String {
        let value: Vec<String> = (0..=255).map(|b: u32| b.to_string()).collect();
        let fp = vec!["7"; 32].join(",");
        format!(
            r#"{{"conditions":[{{"key":"a","fingerprint":[{fp}]}},{{"key":"b","fingerprint":null}}],"ops":[{{"Put":{{"key":"c","value":[{}]}}}}]}}"#,
            value.join(",")
        )
    }

    #[test]
    fn batches_written_by_earlier_versions_still_read() {
        assert_eq!(serde_json::from_str::<Batch>(&old_json()).unwrap(), batch());
    }

    #[test]
    fn bad_bytes_are_refused() {
        let short = r#"{"conditions":[{"key":"a","fingerprint":"AAEC"}],"ops":[]}"#;
        let e = serde_json::from_str::<Batch>(short).unwrap_err();
        assert!(e.to_string().contains("32 bytes"), "{e}");
        let bad = r#"{"conditions":[],"ops":[{"Put":{"key":"c","value":"@@@"}}]}"#;
        assert!(serde_json::from_str::<Batch>(bad).is_err());
        let big = r#"{"conditions":[],"ops":[{"Put":{"key":"c","value":[256]}}]}"#;
        assert!(serde_json::from_str::<Batch>(big).is_err());
    }
}
