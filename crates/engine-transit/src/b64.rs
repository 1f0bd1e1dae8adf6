//! Base64 as Vault's API uses it: standard alphabet with padding, and Go's error texts
//! (`illegal base64 data at input byte N`), which clients see in 400 responses.

use arca_crypto::Zeroizing;
use base64::{DecodeError, Engine, engine::general_purpose::STANDARD};

/// Decodes standard base64 into a zeroising buffer (inputs are often plaintexts).
pub fn decode(s: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut out = Zeroizing::new(Vec::with_capacity(s.len()));
    STANDARD
        .decode_vec(s, &mut out)
        .map_err(|e| go_error(&e, s))?;
    Ok(out)
}

/// Encodes with the standard alphabet and padding.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Go's `base64.CorruptInputError` text for the same input.
fn go_error(e: &DecodeError, s: &str) -> String {
    let at = match e {
        DecodeError::InvalidByte(i, _) | DecodeError::InvalidLastSymbol(i, _) => *i,
        DecodeError::InvalidLength(_) | DecodeError::InvalidPadding => {
            // Go points at the start of the incomplete final quantum.
            s.trim_end_matches('=').len() / 4 * 4
        }
    };
    format!("illegal base64 data at input byte {at}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_reports_like_go() {
        assert_eq!(decode("aGVsbG8=").unwrap().as_slice(), b"hello");
        assert_eq!(decode("").unwrap().as_slice(), b"");
        assert_eq!(
            decode("aGV$bG8=").unwrap_err(),
            "illegal base64 data at input byte 3"
        );
        assert!(decode("aGVsbG8").is_err());
        assert_eq!(encode(b"hello"), "aGVsbG8=");
    }
}
