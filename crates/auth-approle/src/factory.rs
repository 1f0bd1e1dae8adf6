//! The factory the core calls when `approle` is enabled with `sys/auth`.

use std::sync::Arc;

use arca_sdk::{
    Error,
    framework::{Backend, BackendConfig, BackendFactory},
};
use async_trait::async_trait;

/// Creates `approle` credential backends. Mounts need no set-up: the per-mount salt is
/// created with the first role.
pub struct AppRoleFactory;

#[async_trait]
impl BackendFactory for AppRoleFactory {
    fn type_name(&self) -> &'static str {
        "approle"
    }

    async fn create(&self, _config: BackendConfig) -> Result<Arc<Backend>, Error> {
        Ok(Arc::new(crate::backend::backend()?))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use arca_sdk::{framework::BackendType, testing::MemoryStorage};

    use super::*;

    #[tokio::test]
    async fn builds_a_credential_backend() {
        assert_eq!(AppRoleFactory.type_name(), "approle");
        let b = AppRoleFactory
            .create(BackendConfig {
                mount_point: "auth/approle/".into(),
                options: BTreeMap::new(),
                storage: Arc::new(MemoryStorage::default()),
            })
            .await
            .unwrap();
        assert_eq!(b.kind, BackendType::Credential);
        assert_eq!(b.unauthenticated_paths, vec!["login"]);
        assert!(b.route("login").is_some());
        assert!(b.route("role/my-role/secret-id").is_some());
    }
}
