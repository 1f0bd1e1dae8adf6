//! The built-in policies: `root` (everything, immutable, never stored) and `default`
//! (what every token may do about itself; stored, editable, not deletable).

use crate::{Policy, PolicyError};

/// Name of the built-in superuser policy.
pub const ROOT_POLICY: &str = "root";
/// Name of the policy attached to tokens unless they opt out.
pub const DEFAULT_POLICY: &str = "default";
/// Name of the policy of response-wrapping tokens (built in, never stored, immutable).
pub const RESPONSE_WRAPPING_POLICY: &str = "response-wrapping";

/// The text of the `response-wrapping` policy, Vault's: a wrapping token may read the
/// response stored in its own cubbyhole and unwrap itself, nothing else.
pub const RESPONSE_WRAPPING_POLICY_TEXT: &str = r#"# What a response-wrapping token may do.
path "cubbyhole/response" {
    capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
"#;

/// The text of the `default` policy, covering the self-service paths Arca serves. It
/// follows Vault's default policy (same paths and capabilities); the wording is Arca's.
pub const DEFAULT_POLICY_TEXT: &str = r#"# The default policy: what any token may do about itself.
# It can be edited but not deleted.

# Look up the calling token.
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Renew the calling token.
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Revoke the calling token.
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Ask which capabilities the calling token has on some paths.
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# The caller's own resulting ACL (used by the web UI).
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# Mount discovery, used by `vault kv` to learn a mount's KV version.
path "sys/internal/ui/mounts" {
    capabilities = ["read"]
}
path "sys/internal/ui/mounts/*" {
    capabilities = ["read"]
}

# Renew or look up a lease whose id the caller already holds.
path "sys/renew" {
    capabilities = ["update"]
}
path "sys/leases/renew" {
    capabilities = ["update"]
}
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# The caller's private cubbyhole.
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping: wrap a value, inspect a wrapping token, unwrap one.
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}

# General-purpose tools: hashing and random bytes.
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}
path "sys/tools/random" {
    capabilities = ["update"]
}
path "sys/tools/random/*" {
    capabilities = ["update"]
}
"#;

/// The parsed `response-wrapping` policy.
pub fn response_wrapping_policy() -> Result<Policy, PolicyError> {
    Policy::parse(RESPONSE_WRAPPING_POLICY, RESPONSE_WRAPPING_POLICY_TEXT)
}

/// The parsed `default` policy as shipped.
pub fn default_policy() -> Result<Policy, PolicyError> {
    Policy::parse(DEFAULT_POLICY, DEFAULT_POLICY_TEXT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Acl;
    use arca_sdk::{Map, Operation};

    #[test]
    fn wrapping_tokens_may_only_unwrap_themselves() {
        let p = response_wrapping_policy().unwrap();
        let acl = Acl::from_policies([&p]);
        let none = Map::new();
        assert!(
            acl.check(Operation::Update, "sys/wrapping/unwrap", &none)
                .allowed
        );
        assert!(
            acl.check(Operation::Read, "cubbyhole/response", &none)
                .allowed
        );
        assert!(
            !acl.check(Operation::Update, "sys/wrapping/rewrap", &none)
                .allowed
        );
        assert!(
            !acl.check(Operation::Update, "sys/wrapping/lookup", &none)
                .allowed
        );
        assert!(!acl.check(Operation::Read, "secret/data/x", &none).allowed);
    }
}
