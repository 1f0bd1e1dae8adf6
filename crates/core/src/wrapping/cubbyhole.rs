//! A wrapping token's cubbyhole, read and written through the cubbyhole backend (as
//! Vault routes its internal `cubbyhole/response` requests), inside the request's
//! transaction.

use std::sync::Arc;

use arca_sdk::{Backend, Error, Map, Operation, Request, Storage, StorageView};

use crate::Core;

/// The cubbyhole mount's backend and its storage view in the current transaction.
pub(super) struct Cubbyhole {
    backend: Arc<Backend>,
    storage: Arc<dyn Storage>,
    mount_point: String,
}

impl Core {
    /// The cubbyhole mount of the routing state; `tx` is the request's transaction (the
    /// whole barrier, as the `sys/` backend sees it).
    pub(super) async fn cubbyhole(&self, tx: Arc<dyn Storage>) -> Result<Cubbyhole, Error> {
        let routes = self.routes.read().await;
        let mount = routes
            .table
            .entries
            .iter()
            .find(|m| m.kind == "cubbyhole")
            .ok_or_else(|| Error::internal("no cubbyhole mount for response wrapping"))?;
        Ok(Cubbyhole {
            backend: routes.backend_of(mount)?,
            storage: Arc::new(StorageView::new(tx, mount.storage_prefix())),
            mount_point: mount.path.clone(),
        })
    }
}

impl Cubbyhole {
    fn request(&self, op: Operation, token_id: &str, key: &str) -> Request {
        let mut req = Request::new(op, key, self.storage.clone());
        req.mount_point = self.mount_point.clone();
        req.client_token_id = Some(token_id.to_string());
        req
    }

    /// Writes `data` at `key` in the cubbyhole of the token with storage id `token_id`.
    pub(super) async fn put(&self, token_id: &str, key: &str, data: Map) -> Result<(), Error> {
        let mut req = self.request(Operation::Create, token_id, key);
        req.data = data;
        self.backend.handle(req).await.map(drop)
    }

    /// Reads `key` from the cubbyhole of the token with storage id `token_id`.
    pub(super) async fn get(&self, token_id: &str, key: &str) -> Result<Option<Map>, Error> {
        let resp = self
            .backend
            .handle(self.request(Operation::Read, token_id, key))
            .await?;
        Ok(resp.and_then(|r| r.data))
    }
}
