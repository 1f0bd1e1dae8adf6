//! The access check of the request path: a token's policies against the operation,
//! the full path and the request's parameters, plus `sudo` on root-protected paths.

use arca_policy::AccessRequest;
use arca_sdk::{Error, Operation, Storage, duration::parse_duration};

use crate::{Core, request::CoreRequest, router::Route, token::TokenEntry};

/// Root-protected paths of the `sys/` backend (relative to `sys/`; a trailing `*` is
/// a prefix): they need `sudo` on top of the operation's capability. Vault's list, for
/// the endpoints Arca serves or will serve. Other backends declare theirs in
/// `Backend::root_paths`, which is checked the same way.
pub(crate) const SYS_SUDO_PATHS: &[&str] = &[
    "auth/*",
    "remount",
    "audit",
    "audit/*",
    "raw",
    "raw/*",
    "rotate",
    "config/cors",
    "config/auditing/*",
    "config/ui/headers/*",
    "plugins/catalog/*",
    "revoke-prefix/*",
    "revoke-force/*",
    "leases/revoke-prefix/*",
    "leases/revoke-force/*",
    "leases/lookup/*",
    "leases",
    "storage/raft/snapshot-auto/config/*",
    "internal/inspect/*",
    "seal",
    "step-down",
];

/// True when `relative` (a path inside its mount) is one of `root_paths`.
pub(crate) fn is_root_path(root_paths: &[String], relative: &str) -> bool {
    root_paths.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => relative.starts_with(prefix),
        None => relative == p,
    })
}

/// The TTL the client asked its response to be wrapped with, if any.
fn wrap_ttl(req: &CoreRequest) -> Option<u64> {
    let raw = req.headers.get("x-vault-wrap-ttl")?;
    // An unparsable header is refused by the wrapping code; here it counts as zero,
    // which fails any policy that bounds wrapping.
    Some(parse_duration(raw).map(|d| d.as_secs()).unwrap_or(0))
}

impl Core {
    /// Allows or refuses `op` on the request's path for `token` (root tokens pass).
    /// Refusals are [`Error::PermissionDenied`] (403), with the reason logged at debug.
    pub(crate) async fn check_access(
        &self,
        storage: &dyn Storage,
        token: &TokenEntry,
        req: &CoreRequest,
        op: Operation,
        route: &Route,
    ) -> Result<(), Error> {
        if token.is_root() {
            return Ok(());
        }
        let acl = self.acl_for(storage, &token.policies).await?;
        let decision = acl.check_request(&AccessRequest {
            operation: op,
            path: &req.path,
            data: &req.data,
            wrap_ttl: wrap_ttl(req),
        });
        if !decision.allowed {
            tracing::debug!(path = %req.path, op = op.as_str(), reason = %decision.reason, "permission denied");
            return Err(Error::PermissionDenied);
        }
        let relative = req.path.get(route.mount.path.len()..).unwrap_or_default();
        if op != Operation::Help
            && !decision.sudo
            && is_root_path(&route.backend.root_paths, relative)
        {
            tracing::debug!(path = %req.path, "permission denied: sudo is required");
            return Err(Error::PermissionDenied);
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "access_flow_tests.rs"]
mod flow_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_paths_match_exactly_or_by_prefix() {
        let paths: Vec<String> = SYS_SUDO_PATHS.iter().map(|s| s.to_string()).collect();
        assert!(is_root_path(&paths, "audit"));
        assert!(is_root_path(&paths, "audit/file"));
        assert!(is_root_path(&paths, "auth/userpass"));
        assert!(is_root_path(&paths, "seal"));
        assert!(is_root_path(&paths, "rotate"));
        assert!(!is_root_path(&paths, "auth"));
        assert!(!is_root_path(&paths, "mounts/kv"));
        assert!(!is_root_path(&paths, "policies/acl/x"));
        assert!(!is_root_path(&paths, "sealx"));
        assert!(!is_root_path(&paths, "leases/renew"));
    }
}
