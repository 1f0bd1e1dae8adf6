//! The one-time password that protects a root token made by `sys/generate-root`.
//!
//! The new token never travels in clear: the server answers with `token XOR otp`,
//! base64 without padding (Vault's `encoded_token`), and only whoever holds the OTP can
//! decode it (`vault operator generate-root -decode=... -otp=...`).

use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use zeroize::Zeroizing;

use crate::SealError;

/// Length of an OTP: as long as a root token (`hvs.` + 24 base62 characters), which is
/// what Vault 1.10+ reports as `otp_length`.
pub const OTP_LENGTH: usize = 28;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A random base62 OTP of `len` characters (uniform: bytes ≥ 248 are rejected).
pub fn generate_otp(len: usize) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(len));
    while out.len() < len {
        let bytes = Zeroizing::new(arca_crypto::random_bytes(len * 2));
        for b in bytes.iter().filter(|b| **b < 248) {
            if out.len() == len {
                break;
            }
            out.push(BASE62[usize::from(*b) % BASE62.len()] as char);
        }
    }
    out
}

/// `token XOR otp`, base64 without padding. Both must have the same length.
pub fn encode_root_token(token: &str, otp: &str) -> Result<String, SealError> {
    if token.len() != otp.len() {
        return Err(SealError::InvalidConfig(
            "length of byte slices is not equivalent".into(),
        ));
    }
    let xored: Zeroizing<Vec<u8>> =
        Zeroizing::new(token.bytes().zip(otp.bytes()).map(|(t, o)| t ^ o).collect());
    Ok(STANDARD_NO_PAD.encode(xored.as_slice()))
}

/// Reverses [`encode_root_token`] (padding in `encoded` is tolerated).
pub fn decode_root_token(encoded: &str, otp: &str) -> Result<Zeroizing<String>, SealError> {
    let bytes = STANDARD_NO_PAD
        .decode(encoded.trim().trim_end_matches('='))
        .map(Zeroizing::new)
        .map_err(|e| SealError::InvalidConfig(format!("error decoding base64'd token: {e}")))?;
    if bytes.len() != otp.len() {
        return Err(SealError::InvalidConfig(
            "length of byte slices is not equivalent".into(),
        ));
    }
    let plain: Zeroizing<Vec<u8>> =
        Zeroizing::new(bytes.iter().zip(otp.bytes()).map(|(e, o)| e ^ o).collect());
    String::from_utf8(plain.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| SealError::InvalidConfig("decoded token is not valid text".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otp_is_base62_of_the_asked_length_and_random() {
        let a = generate_otp(OTP_LENGTH);
        let b = generate_otp(OTP_LENGTH);
        assert_eq!(a.len(), OTP_LENGTH);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn encode_then_decode_gives_the_token_back() {
        let token = "hvs.ABCDEFGHIJKLMNOPQRSTUVWX";
        let otp = generate_otp(token.len());
        let enc = encode_root_token(token, &otp).unwrap();
        assert!(!enc.contains('='));
        assert!(!enc.contains("hvs."));
        assert_eq!(decode_root_token(&enc, &otp).unwrap().as_str(), token);
        // A padded copy decodes the same.
        let padded = format!("{enc}==");
        assert_eq!(decode_root_token(&padded, &otp).unwrap().as_str(), token);
        // A known vector: "ab" ^ "AB" = [0x20, 0x20] = "ICA".
        assert_eq!(encode_root_token("ab", "AB").unwrap(), "ICA");
    }

    #[test]
    fn mismatched_lengths_and_garbage_are_refused() {
        assert!(encode_root_token("abc", "ab").is_err());
        assert!(decode_root_token("ICA", "abc").is_err());
        assert!(decode_root_token("not base64!", "ab").is_err());
    }
}
