//! The `vault:v<N>:<base64>` envelope of ciphertexts, signatures and HMACs.

use crate::error::TransitError;

/// What every versioned value starts with.
pub const PREFIX: &str = "vault:v";

/// `vault:v<version>:<body>`.
pub fn format(version: u64, body: &str) -> String {
    format!("{PREFIX}{version}:{body}")
}

/// A parsed envelope. `version` is as written (0 means 1, negatives are too old).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    pub version: i64,
    pub body: &'a str,
}

/// Splits `value` into version and body. `what` names the value in errors
/// ("ciphertext", "signature").
pub fn parse<'a>(what: &'static str, value: &'a str) -> Result<Envelope<'a>, TransitError> {
    let rest = value
        .strip_prefix(PREFIX)
        .ok_or(TransitError::NoPrefix(what))?;
    let (ver, body) = rest
        .split_once(':')
        .ok_or(TransitError::WrongFields(what))?;
    let version: i64 = ver.parse().map_err(|_| TransitError::BadVersion(what))?;
    // Vault's first implementation numbered keys from zero.
    let version = if version == 0 { 1 } else { version };
    Ok(Envelope { version, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_like_vault() {
        let e = parse("ciphertext", "vault:v3:abc:def").unwrap();
        assert_eq!(e.version, 3);
        assert_eq!(e.body, "abc:def");
        assert_eq!(parse("ciphertext", "vault:v0:x").unwrap().version, 1);
        assert_eq!(
            parse("ciphertext", "other:v1:x"),
            Err(TransitError::NoPrefix("ciphertext"))
        );
        assert_eq!(
            parse("signature", "vault:v1"),
            Err(TransitError::WrongFields("signature"))
        );
        assert_eq!(
            parse("ciphertext", "vault:vX:abc"),
            Err(TransitError::BadVersion("ciphertext"))
        );
        assert_eq!(format(2, "Zm9v"), "vault:v2:Zm9v");
    }
}
