//! Creates `transit` backends for mounts.

use std::sync::Arc;

use arca_sdk::{
    Error,
    framework::{Backend, BackendConfig, BackendFactory, BackendType},
};
use async_trait::async_trait;

const HELP: &str = "The transit backend is used to encrypt and decrypt data in transit. \
It treats the data as untrusted and does not store it; it manages the named keys, and can \
also sign and verify data, generate hashes, HMACs and random bytes.";

/// Builds the transit backend (no options; all state is in the mount's storage).
pub fn backend() -> Result<Backend, Error> {
    Backend::new(HELP, BackendType::Logical, crate::paths::all()).map_err(Error::internal)
}

/// Creates `transit` backends. The engine keeps no state outside the request's
/// storage view, so every mount gets the same, stateless route table.
pub struct TransitFactory;

#[async_trait]
impl BackendFactory for TransitFactory {
    fn type_name(&self) -> &'static str {
        "transit"
    }

    async fn create(&self, _config: BackendConfig) -> Result<Arc<Backend>, Error> {
        Ok(Arc::new(backend()?))
    }
}
