//! Validation of the secret paths clients send.

use arca_sdk::Error;

use crate::KvError;

/// Rejects paths with `..` segments (and NUL bytes). The storage view rejects them
/// too, but checking here gives clients Vault's message and keeps a path from ever
/// naming a different key than the one the ACL check saw.
pub(crate) fn check_path(path: &str) -> Result<(), Error> {
    if path.split('/').any(|seg| seg == "..") {
        return Err(KvError::ParentReference.into());
    }
    arca_sdk::storage::validate_key(path)
}

/// Turns a LIST path into the storage prefix to list: non-empty paths get a trailing
/// slash, as Vault does, so `foo` and `foo/` list the same folder.
pub(crate) fn list_prefix(path: &str) -> String {
    if path.is_empty() || path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_parent_segments_only() {
        assert!(check_path("a/../b").is_err());
        assert!(check_path("..").is_err());
        assert!(check_path("a/..").is_err());
        assert!(check_path("a/b..c").is_ok());
        assert!(check_path("a..").is_ok());
        let e = check_path("../x").unwrap_err();
        assert_eq!(
            e,
            Error::BadRequest("path cannot contain parent references".into())
        );
    }

    #[test]
    fn list_prefixes() {
        assert_eq!(list_prefix(""), "");
        assert_eq!(list_prefix("a"), "a/");
        assert_eq!(list_prefix("a/"), "a/");
    }
}
