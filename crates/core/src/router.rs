//! Routing a path to its mount's backend: secrets engines from the mount table, and
//! `auth/<path>/` to credential backends from the auth table.
//!
//! Both tables live in the barrier and can change on any node (through raft), so the
//! router keeps a fingerprint of each stored table's ciphertext and rebuilds itself when
//! either differs — no invalidation messages needed.

use std::{collections::HashMap, sync::Arc};

use arca_barrier::Transaction;
use arca_sdk::{Backend, Error, StorageView, framework::BackendConfig};

use crate::{
    Core,
    auth_mounts::{AUTH_PREFIX, AUTH_TABLE_KEY, TOKEN_TYPE, auth_storage_prefix, load_auth_table},
    mounts::{MOUNT_TABLE_KEY, MountEntry, MountTable},
};

/// Fingerprints of the stored mount and auth tables (`None`: the table is not stored).
type TableFingerprints = (Option<[u8; 32]>, Option<[u8; 32]>);

/// The live routing state built from the mount and auth tables.
#[derive(Default)]
pub(crate) struct Routes {
    /// Fingerprints of the stored tables the state was built from (`None` inside: the
    /// table was not stored); `None`: not built yet.
    fingerprints: Option<TableFingerprints>,
    pub(crate) table: MountTable,
    /// Auth methods; entry paths are relative to `auth/`.
    pub(crate) auth_table: MountTable,
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
    /// The mount, with `path` the full API prefix (`secret/`, `auth/userpass/`).
    pub(crate) mount: MountEntry,
    pub(crate) backend: Arc<Backend>,
    /// The mount comes from the auth table (a credential backend).
    pub(crate) credential: bool,
    /// Prefix of the backend's storage view; `None`: the whole barrier (the `sys/`
    /// backend and the token store).
    pub(crate) storage_prefix: Option<String>,
}

impl Core {
    /// Resolves `path` to its mount, refreshing the routing state if the stored mount
    /// table changed since it was built.
    pub(crate) async fn route(&self, tx: &Transaction, path: &str) -> Result<Route, Error> {
        let fingerprint = |key: &'static str| async move {
            Ok::<_, Error>(
                self.physical
                    .get(key)
                    .await
                    .map_err(Error::storage)?
                    .map(|b| arca_storage::fingerprint(&b)),
            )
        };
        let stored = Some((
            fingerprint(MOUNT_TABLE_KEY).await?,
            fingerprint(AUTH_TABLE_KEY).await?,
        ));
        {
            let routes = self.routes.read().await;
            if routes.fingerprints.is_some() && routes.fingerprints == stored {
                return routes.resolve(self, path);
            }
        }
        let mut routes = self.routes.write().await;
        if routes.fingerprints.is_none() || routes.fingerprints != stored {
            let table = MountTable::load(tx)
                .await?
                .ok_or_else(|| Error::internal("mount table is missing"))?;
            let auth_table = load_auth_table(tx).await?;
            let mut backends = HashMap::new();
            let mounts = table
                .entries
                .iter()
                .filter(|e| e.kind != "system")
                .map(|e| (e, e.storage_prefix()));
            let auths = auth_table
                .entries
                .iter()
                .filter(|e| e.kind != TOKEN_TYPE)
                .map(|e| (e, auth_storage_prefix(e)));
            for (entry, prefix) in mounts.chain(auths) {
                if let Some(b) = routes.backends.get(&entry.uuid) {
                    backends.insert(entry.uuid.clone(), b.clone());
                    continue;
                }
                match self.create_backend(tx, entry, prefix).await {
                    Ok(b) => {
                        backends.insert(entry.uuid.clone(), b);
                    }
                    Err(e) => {
                        tracing::error!(mount = %entry.path, error = %e, "cannot set up mount")
                    }
                }
            }
            *routes = Routes {
                fingerprints: stored,
                table,
                auth_table,
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
        storage_prefix: String,
    ) -> Result<Arc<Backend>, Error> {
        let factory = self.factories.get(&entry.kind).ok_or_else(|| {
            Error::bad_request(format!("plugin not found in the catalog: {}", entry.kind))
        })?;
        factory
            .create(BackendConfig {
                mount_point: entry.path.clone(),
                options: entry.options.clone(),
                storage: Arc::new(StorageView::new(Arc::new(tx.clone()), storage_prefix)),
            })
            .await
    }
}

impl Routes {
    fn resolve(&self, core: &Core, path: &str) -> Result<Route, Error> {
        if let Some(rest) = path.strip_prefix(AUTH_PREFIX) {
            return self.resolve_auth(core, path, rest);
        }
        let mount = self
            .table
            .find(path)
            .ok_or_else(|| Error::UnsupportedPath(path.to_string()))?;
        let (backend, storage_prefix) = if mount.kind == "system" {
            let sys = core
                .sys
                .get()
                .cloned()
                .ok_or_else(|| Error::internal("sys backend is not ready"))?;
            (sys, None)
        } else {
            (self.backend_of(mount)?, Some(mount.storage_prefix()))
        };
        Ok(Route {
            mount: mount.clone(),
            backend,
            credential: false,
            storage_prefix,
        })
    }

    /// Routes `auth/<rest>` to the credential backend mounted at the start of `rest`.
    fn resolve_auth(&self, core: &Core, path: &str, rest: &str) -> Result<Route, Error> {
        let entry = self
            .auth_table
            .find(rest)
            .ok_or_else(|| Error::UnsupportedPath(path.to_string()))?;
        let (backend, storage_prefix) = if entry.kind == TOKEN_TYPE {
            let token = core
                .tokens
                .backend
                .get()
                .cloned()
                .ok_or_else(|| Error::internal("token store is not ready"))?;
            (token, None)
        } else {
            (self.backend_of(entry)?, Some(auth_storage_prefix(entry)))
        };
        let mut mount = entry.clone();
        mount.path = format!("{AUTH_PREFIX}{}", entry.path);
        Ok(Route {
            mount,
            backend,
            credential: true,
            storage_prefix,
        })
    }

    pub(crate) fn backend_of(&self, mount: &MountEntry) -> Result<Arc<Backend>, Error> {
        self.backends
            .get(&mount.uuid)
            .cloned()
            .ok_or_else(|| Error::internal(format!("mount {} is not available", mount.path)))
    }
}
