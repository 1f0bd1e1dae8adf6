//! The factory the core calls when `userpass` is enabled with `sys/auth`.

use std::sync::Arc;

use arca_sdk::{
    Error,
    framework::{Backend, BackendConfig, BackendFactory},
};
use async_trait::async_trait;

/// Creates `userpass` credential backends (each computes its dummy hash once).
pub struct UserpassFactory;

#[async_trait]
impl BackendFactory for UserpassFactory {
    fn type_name(&self) -> &'static str {
        "userpass"
    }

    async fn create(&self, _config: BackendConfig) -> Result<Arc<Backend>, Error> {
        Ok(Arc::new(crate::backend::backend().await?))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use arca_sdk::{framework::BackendType, testing::MemoryStorage};

    use super::*;

    #[tokio::test]
    async fn builds_a_credential_backend() {
        assert_eq!(UserpassFactory.type_name(), "userpass");
        let b = UserpassFactory
            .create(BackendConfig {
                mount_point: "auth/userpass/".into(),
                options: BTreeMap::new(),
                storage: Arc::new(MemoryStorage::default()),
            })
            .await
            .unwrap();
        assert_eq!(b.kind, BackendType::Credential);
        assert_eq!(b.unauthenticated_paths, vec!["login/*"]);
        assert!(b.route("login/bob").is_some());
        assert!(b.route("users/bob/password").is_some());
    }
}
