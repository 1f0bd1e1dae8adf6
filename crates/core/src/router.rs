//! Routing a path to its mount's backend.
//!
//! The mount table lives in the barrier and can change on any node (through raft), so
//! the router keeps a fingerprint of the stored table's ciphertext and rebuilds itself
//! when the stored table differs — no invalidation messages needed.

use std::{collections::HashMap, sync::Arc};

use arca_barrier::Transaction;
use arca_sdk::{Backend, Error, StorageView, framework::BackendConfig};

use crate::{
    Core,
    mounts::{MOUNT_TABLE_KEY, MountEntry, MountTable},
};

/// The live routing state built from the mount table.
#[derive(Default)]
pub(crate) struct Routes {
    fingerprint: Option<[u8; 32]>,
    pub(crate) table: MountTable,
    backends: HashMap<String, Arc<Backend>>,
}

impl Routes {
    /// Forgets everything (on seal).
    pub(crate) fn clear(&mut self) {
        *self = Routes::default();
    }
}

/// A resolved route.
pub(crate) struct Route {
    pub(crate) mount: MountEntry,
    pub(crate) backend: Arc<Backend>,
}

impl Core {
    /// Resolves `path` to its mount, refreshing the routing state if the stored mount
    /// table changed since it was built.
    pub(crate) async fn route(&self, tx: &Transaction, path: &str) -> Result<Route, Error> {
        let stored = self
            .physical
            .get(MOUNT_TABLE_KEY)
            .await
            .map_err(Error::storage)?
            .map(|b| arca_storage::fingerprint(&b));
        {
            let routes = self.routes.read().await;
            if routes.fingerprint.is_some() && routes.fingerprint == stored {
                return routes.resolve(self, path);
            }
        }
        let mut routes = self.routes.write().await;
        if routes.fingerprint.is_none() || routes.fingerprint != stored {
            let table = MountTable::load(tx)
                .await?
                .ok_or_else(|| Error::internal("mount table is missing"))?;
            let mut backends = HashMap::new();
            for entry in &table.entries {
                if entry.kind == "system" {
                    continue;
                }
                if let Some(b) = routes.backends.get(&entry.uuid) {
                    backends.insert(entry.uuid.clone(), b.clone());
                    continue;
                }
                match self.create_backend(tx, entry).await {
                    Ok(b) => {
                        backends.insert(entry.uuid.clone(), b);
                    }
                    Err(e) => {
                        tracing::error!(mount = %entry.path, error = %e, "cannot set up mount")
                    }
                }
            }
            *routes = Routes {
                fingerprint: stored,
                table,
                backends,
            };
        }
        routes.resolve(self, path)
    }

    /// Builds the backend of one mount with its factory.
    pub(crate) async fn create_backend(
        &self,
        tx: &Transaction,
        entry: &MountEntry,
    ) -> Result<Arc<Backend>, Error> {
        let factory = self.factories.get(&entry.kind).ok_or_else(|| {
            Error::bad_request(format!("plugin not found in the catalog: {}", entry.kind))
        })?;
        factory
            .create(BackendConfig {
                mount_point: entry.path.clone(),
                options: entry.options.clone(),
                storage: Arc::new(StorageView::new(
                    Arc::new(tx.clone()),
                    entry.storage_prefix(),
                )),
            })
            .await
    }
}

impl Routes {
    fn resolve(&self, core: &Core, path: &str) -> Result<Route, Error> {
        let mount = self
            .table
            .find(path)
            .ok_or_else(|| Error::UnsupportedPath(path.to_string()))?;
        let backend = if mount.kind == "system" {
            core.sys
                .get()
                .cloned()
                .ok_or_else(|| Error::internal("sys backend is not ready"))?
        } else {
            self.backends
                .get(&mount.uuid)
                .cloned()
                .ok_or_else(|| Error::internal(format!("mount {} is not available", mount.path)))?
        };
        Ok(Route {
            mount: mount.clone(),
            backend,
        })
    }
}
