//! How unseal keys travel: base64 out, hex or base64 in (as Vault's `sys/unseal`).

use base64::{Engine, engine::general_purpose::STANDARD};
use zeroize::Zeroizing;

use crate::SealError;

/// Shortest key Vault accepts on its unseal/rekey/generate-root endpoints.
pub const MIN_KEY_LEN: usize = 16;
/// Longest key accepted: a 32-byte key plus one byte of Shamir x-coordinate.
pub const MAX_KEY_LEN: usize = arca_crypto::KEY_LEN + arca_crypto::SHARE_OVERHEAD;

/// Base64 (standard alphabet, padded) of an unseal key, as `sys/init` returns in `keys_base64`.
pub fn encode_key(key: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(STANDARD.encode(key))
}

/// Decodes a submitted unseal key the way Vault does: hex first, but only if the result
/// has a plausible key length (so a base64 string that happens to be valid hex is not
/// misread), otherwise base64.
pub fn decode_key(text: &str) -> Result<Zeroizing<Vec<u8>>, SealError> {
    if let Ok(bytes) = hex::decode(text) {
        let bytes = Zeroizing::new(bytes);
        if (MIN_KEY_LEN..=MAX_KEY_LEN).contains(&bytes.len()) {
            return Ok(bytes);
        }
    }
    STANDARD
        .decode(text)
        .map(Zeroizing::new)
        .map_err(|_| SealError::InvalidKeyEncoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_has_vault_length() {
        let share = [7u8; 33];
        let text = encode_key(&share);
        assert_eq!(text.len(), 44);
        assert_eq!(decode_key(&text).unwrap().as_slice(), &share);
    }

    #[test]
    fn hex_is_accepted_and_garbage_is_not() {
        let key = [0xABu8; 32];
        let text: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(decode_key(&text).unwrap().as_slice(), &key);
        assert_eq!(decode_key("not a key!"), Err(SealError::InvalidKeyEncoding));
        // Short valid hex is read as base64 instead (Vault's rule).
        assert_eq!(
            decode_key("abcd").unwrap().as_slice(),
            STANDARD.decode("abcd").unwrap()
        );
    }
}
