//! Chooses kv v1 or v2 for a mount from its `version` option.

use std::sync::Arc;

use arca_sdk::{
    Error,
    framework::{Backend, BackendConfig, BackendFactory},
};
use async_trait::async_trait;

use crate::{KvError, v1, v2};

/// Creates `kv` backends. The mount option `version` is "1" (the default, also when
/// empty) or "2"; anything else is refused so a typo cannot silently give a mount
/// without versioning.
pub struct KvFactory;

#[async_trait]
impl BackendFactory for KvFactory {
    fn type_name(&self) -> &'static str {
        "kv"
    }

    async fn create(&self, config: BackendConfig) -> Result<Arc<Backend>, Error> {
        let backend = match config.options.get("version").map(String::as_str) {
            None | Some("") | Some("1") => v1::backend(
                config.options.get("leased_passthrough").map(String::as_str) == Some("true"),
            )?,
            Some("2") => v2::backend()?,
            Some(other) => return Err(KvError::InvalidVersion(other.to_string()).into()),
        };
        Ok(Arc::new(backend))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use arca_sdk::testing::MemoryStorage;

    use super::*;

    fn config(version: Option<&str>) -> BackendConfig {
        let mut options = BTreeMap::new();
        if let Some(v) = version {
            options.insert("version".to_string(), v.to_string());
        }
        BackendConfig {
            mount_point: "secret/".into(),
            options,
            storage: Arc::new(MemoryStorage::default()),
        }
    }

    #[tokio::test]
    async fn picks_version_from_options() {
        assert_eq!(KvFactory.type_name(), "kv");
        let v1 = KvFactory.create(config(None)).await.unwrap();
        assert!(v1.route("config").is_some());
        // Only v2 has a `data/` route that refuses trailing slashes; v1 matches anything.
        assert!(v1.route("data/x/").is_some());
        let v2 = KvFactory.create(config(Some("2"))).await.unwrap();
        let (path, _) = v2.route("data/x").unwrap();
        assert!(path.pattern.starts_with("data/"));
        assert!(KvFactory.create(config(Some("1"))).await.is_ok());
        assert!(KvFactory.create(config(Some(""))).await.is_ok());
    }

    #[tokio::test]
    async fn rejects_unknown_version() {
        let err = KvFactory.create(config(Some("3"))).await.err().unwrap();
        assert!(matches!(err, Error::BadRequest(m) if m.contains("\"3\"")));
    }
}
