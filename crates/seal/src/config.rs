//! The seal configuration, as Vault stores and reports it.

use serde::{Deserialize, Serialize};

use crate::SealError;

/// The seal type of operator-held unseal keys (Shamir's secret sharing).
pub const SEAL_TYPE_SHAMIR: &str = "shamir";

/// How the root key is protected: `secret_shares` unseal keys, any `secret_threshold`
/// of which unseal. Field names are Vault's, so the JSON the core stores and reports
/// (`sys/seal-status`, `sys/rekey/init`) reads like Vault's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealConfig {
    /// Seal type: [`SEAL_TYPE_SHAMIR`], or an auto-unseal seal's type (then 1/1).
    #[serde(rename = "type")]
    pub seal_type: String,
    /// Number of unseal-key shares handed out (Shamir's N).
    pub secret_shares: usize,
    /// Shares needed to unseal (Shamir's T).
    pub secret_threshold: usize,
    /// PGP public keys (base64) to encrypt each share with; one per share when given.
    #[serde(default)]
    pub pgp_keys: Option<Vec<String>>,
    /// Nonce of the rekey operation this configuration belongs to (empty otherwise).
    #[serde(default)]
    pub nonce: String,
    /// Whether PGP-encrypted shares are backed up during a rekey.
    #[serde(default)]
    pub backup: bool,
    /// How many keys the seal stores itself: 1 for the Shamir seal, which keeps the root
    /// key encrypted under the KEK (Vault does the same since 1.3).
    #[serde(default)]
    pub stored_shares: usize,
}

impl SealConfig {
    /// A Shamir configuration with `shares`/`threshold` and Vault's defaults for the rest.
    pub fn shamir(shares: usize, threshold: usize) -> Self {
        SealConfig {
            seal_type: SEAL_TYPE_SHAMIR.to_string(),
            secret_shares: shares,
            secret_threshold: threshold,
            pgp_keys: None,
            nonce: String::new(),
            backup: false,
            stored_shares: 1,
        }
    }

    /// The barrier configuration of an auto-unseal seal of `seal_type`: one stored share.
    pub fn auto(seal_type: &str) -> Self {
        SealConfig {
            seal_type: seal_type.to_string(),
            ..SealConfig::shamir(1, 1)
        }
    }

    /// True for auto-unseal seals (which come with recovery keys).
    pub fn is_auto(&self) -> bool {
        self.seal_type != SEAL_TYPE_SHAMIR
    }

    /// Checks the configuration with Vault's rules and messages.
    pub fn validate(&self) -> Result<(), SealError> {
        match self.seal_type.as_str() {
            SEAL_TYPE_SHAMIR => {}
            crate::SEAL_TYPE_STATIC | crate::SEAL_TYPE_TRANSIT => {
                // An auto-unseal seal keeps the root key itself: one stored share.
                if self.secret_shares != 1 || self.secret_threshold != 1 {
                    return Err(SealError::InvalidConfig(
                        "auto-unseal seals have one share and a threshold of one".into(),
                    ));
                }
            }
            other => {
                return Err(SealError::InvalidConfig(format!(
                    "unsupported seal type {other:?}"
                )));
            }
        }
        arca_crypto::validate_split(self.secret_shares, self.secret_threshold)
            .map_err(|e| SealError::InvalidConfig(e.to_string()))?;
        if self.stored_shares > 1 {
            return Err(SealError::InvalidConfig(
                "stored keys cannot be larger than 1".into(),
            ));
        }
        if let Some(keys) = &self.pgp_keys
            && !keys.is_empty()
            && keys.len() != self.secret_shares
        {
            return Err(SealError::InvalidConfig(
                "count mismatch between number of provided PGP keys and number of shares".into(),
            ));
        }
        Ok(())
    }

    /// Length in bytes of each unseal key this configuration hands out: the raw 32-byte
    /// KEK for a single share, a 33-byte Shamir share otherwise.
    pub fn share_len(&self) -> usize {
        if self.secret_shares == 1 {
            arca_crypto::KEY_LEN
        } else {
            arca_crypto::KEY_LEN + arca_crypto::SHARE_OVERHEAD
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_uses_vault_field_names() {
        let c = SealConfig::shamir(5, 3);
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["type"], "shamir");
        assert_eq!(v["secret_shares"], 5);
        assert_eq!(v["secret_threshold"], 3);
        assert_eq!(v["stored_shares"], 1);
        assert!(v["pgp_keys"].is_null());
        assert_eq!(v["nonce"], "");
        let back: SealConfig = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
        // Older documents without the optional fields still parse.
        let min: SealConfig =
            serde_json::from_str(r#"{"type":"shamir","secret_shares":1,"secret_threshold":1}"#)
                .unwrap();
        assert_eq!(min.stored_shares, 0);
        assert!(min.validate().is_ok());
    }

    #[test]
    fn validation_follows_vault() {
        let msg = |c: SealConfig| c.validate().unwrap_err().to_string();
        assert!(SealConfig::shamir(5, 3).validate().is_ok());
        assert!(SealConfig::shamir(1, 1).validate().is_ok());
        assert_eq!(msg(SealConfig::shamir(0, 0)), "shares must be at least one");
        assert_eq!(
            msg(SealConfig::shamir(3, 0)),
            "threshold must be at least one"
        );
        assert_eq!(
            msg(SealConfig::shamir(3, 1)),
            "threshold must be greater than one for multiple shares"
        );
        assert_eq!(
            msg(SealConfig::shamir(300, 3)),
            "shares must be less than 256"
        );
        assert_eq!(
            msg(SealConfig::shamir(3, 5)),
            "threshold cannot be larger than shares"
        );
        let mut c = SealConfig::shamir(3, 2);
        c.stored_shares = 2;
        assert_eq!(msg(c), "stored keys cannot be larger than 1");
        let mut c = SealConfig::shamir(3, 2);
        c.pgp_keys = Some(vec!["a".into()]);
        assert_eq!(
            msg(c),
            "count mismatch between number of provided PGP keys and number of shares"
        );
        let mut c = SealConfig::shamir(3, 2);
        c.seal_type = "transit".into();
        assert!(c.validate().is_err());
        assert!(SealConfig::auto("transit").validate().is_ok());
        let mut c = SealConfig::shamir(1, 1);
        c.seal_type = "awskms".into();
        assert!(c.validate().is_err());
    }

    #[test]
    fn share_len_depends_on_share_count() {
        assert_eq!(SealConfig::shamir(1, 1).share_len(), 32);
        assert_eq!(SealConfig::shamir(5, 3).share_len(), 33);
    }
}
