//! The `self_init` stanza: initialise a fresh cluster on first start, so a deployment
//! with an auto-unseal seal needs no operator at all.
//!
//! ```hcl
//! self_init {
//!   recovery_shares    = 5
//!   recovery_threshold = 3
//!   recovery_keys_file = "/vault/data/recovery-keys"   # optional, mode 0600
//!   root_token_file    = "/vault/data/root-token"      # optional, mode 0600
//! }
//! ```
//!
//! Without `root_token_file` no root token outlives the initialisation (it is revoked at
//! once); without `recovery_keys_file` the recovery keys are not kept anywhere.

use super::decode::Section;
use super::error::ConfigError;
use super::tree::Node;

/// `self_init` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfInitConfig {
    /// Recovery-key shares (default 1).
    pub recovery_shares: u64,
    /// Recovery shares needed (default 1).
    pub recovery_threshold: u64,
    /// Where to write the recovery keys (base64, one a line), if anywhere.
    pub recovery_keys_file: Option<String>,
    /// Where to write the initial root token, if anywhere.
    pub root_token_file: Option<String>,
}

/// Decodes the `self_init` block body.
pub(crate) fn decode(file: &str, node: &Node) -> Result<SelfInitConfig, ConfigError> {
    let mut s = Section::new(file, "self_init", "self_init", node)?;
    let c = SelfInitConfig {
        recovery_shares: s.unsigned("recovery_shares")?.unwrap_or(1),
        recovery_threshold: s.unsigned("recovery_threshold")?.unwrap_or(1),
        recovery_keys_file: s.string("recovery_keys_file")?.filter(|p| !p.is_empty()),
        root_token_file: s.string("root_token_file")?.filter(|p| !p.is_empty()),
    };
    s.finish()?;
    Ok(c)
}
