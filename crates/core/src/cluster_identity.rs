//! The cluster's name and id, chosen once at initialisation and stored in the barrier,
//! so every node and every restart reports the same values (`sys/health`,
//! `sys/seal-status`, `vault status`).

use arca_sdk::{Error, Storage, StorageExt};
use serde::{Deserialize, Serialize};

/// Barrier key of the identity.
pub const CLUSTER_IDENTITY_KEY: &str = "core/cluster/local/info";

/// Name and id of the cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterIdentity {
    pub name: String,
    pub id: String,
}

impl ClusterIdentity {
    /// A new identity: the configured name, or `vault-cluster-<random>` as Vault picks.
    pub fn generate(configured_name: &str) -> Self {
        let id = uuid::Uuid::new_v4().to_string();
        let name = if configured_name.is_empty() {
            format!("vault-cluster-{}", &id[..8])
        } else {
            configured_name.to_string()
        };
        ClusterIdentity { name, id }
    }

    /// Reads the stored identity.
    pub async fn load(storage: &dyn Storage) -> Result<Option<Self>, Error> {
        storage.get_json(CLUSTER_IDENTITY_KEY).await
    }

    /// Stores the identity.
    pub async fn save(&self, storage: &dyn Storage) -> Result<(), Error> {
        storage.put_json(CLUSTER_IDENTITY_KEY, self).await
    }
}
