//! The version Arca reports. Clients (the `vault` CLI, hvac, the Helm chart's probes)
//! parse Vault's version string, so Arca reports a Vault-compatible version and names
//! itself in the build metadata.

/// Vault API version this release is compatible with, reported in `sys/seal-status`,
/// `sys/health` and `vault version`.
pub const VAULT_COMPAT_VERSION: &str = "1.15.6";

/// Arca's own crate version.
pub const ARCA_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Build date reported by `sys/seal-status` (fixed per release so builds are reproducible).
pub const BUILD_DATE: &str = "2026-11-28T00:00:00Z";
