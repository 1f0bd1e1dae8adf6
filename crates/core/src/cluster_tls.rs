//! The cluster port's certificate authority, as the core keeps it: made at
//! initialisation, stored inside the barrier (so it is encrypted at rest and replicated
//! like any other entry), handed to the raft layer at unseal and taken back at seal.
//! The raft layer issues the node's own certificate from it (see `arca_raft::tls`).
//!
//! A joining node cannot read the barrier before it has the cluster's data, and it
//! cannot get the data without cluster TLS, so the leader's join challenge carries the
//! CA encrypted under the root key (AES-256-GCM, associated data naming the joining
//! server): only a node that combined the unseal keys can open it, exactly as only such
//! a node can open the challenge or the barrier itself.

use arca_crypto::Key32;
use arca_sdk::{Error, Storage, StorageExt};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::Core;

/// Barrier key of the cluster CA.
pub const CLUSTER_TLS_KEY: &str = "core/cluster/tls";

/// The cluster CA's certificate and private key (PEM). Zeroized when dropped; the key
/// never prints.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct ClusterCaPem {
    /// The CA certificate.
    pub cert: String,
    /// The CA private key (PKCS#8).
    pub key: String,
}

impl std::fmt::Debug for ClusterCaPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterCaPem").finish_non_exhaustive()
    }
}

/// Associated data binding a CA sent in a join challenge to the node it was sent to.
fn transfer_aad(server_id: &str) -> Vec<u8> {
    format!("arca/raft-tls/{server_id}").into_bytes()
}

/// The CA encrypted under the root key for the joining node `server_id`.
pub(crate) fn seal_for_join(
    root_key: &Key32,
    server_id: &str,
    ca: &ClusterCaPem,
) -> Result<Vec<u8>, Error> {
    let plain = zeroize::Zeroizing::new(serde_json::to_vec(ca)?);
    arca_crypto::seal(root_key, &plain, &transfer_aad(server_id)).map_err(Error::internal)
}

/// Opens what [`seal_for_join`] made (joining side, once it holds the root key).
pub(crate) fn open_from_join(
    root_key: &Key32,
    server_id: &str,
    sealed: &[u8],
) -> Result<ClusterCaPem, Error> {
    let plain = arca_crypto::open(root_key, sealed, &transfer_aad(server_id))
        .map_err(|_| Error::bad_request("Unseal failed, invalid key"))?;
    serde_json::from_slice(&plain)
        .map_err(|e| Error::internal(format!("the leader's cluster CA is malformed: {e}")))
}

impl Core {
    /// At initialisation: makes the cluster CA and stores it in `tx` (the setup
    /// transaction). Nothing is stored when the storage has no cluster port.
    pub(crate) async fn create_cluster_ca(&self, tx: &dyn Storage) -> Result<(), Error> {
        let Some(raft) = self.cluster.raft() else {
            return Ok(());
        };
        if let Some(ca) = raft.new_cluster_ca()? {
            tx.put_json(CLUSTER_TLS_KEY, &ca).await?;
        }
        Ok(())
    }

    /// The stored cluster CA (the barrier must be unsealed).
    pub(crate) async fn cluster_ca(&self) -> Result<Option<ClusterCaPem>, Error> {
        let tx = self.barrier.begin();
        let storage: &dyn Storage = &tx;
        storage.get_json(CLUSTER_TLS_KEY).await
    }

    /// After unseal (or after the key space was replaced): hands the stored CA to the
    /// raft layer, which issues this node its certificate. A cluster initialised before
    /// the CA existed gets one here, made by its active node (standbys wait for it to
    /// replicate, which cannot happen without TLS: such clusters upgrade one node, the
    /// active one, first).
    pub(crate) async fn start_cluster_tls(&self) -> Result<(), Error> {
        let Some(raft) = self.cluster.raft() else {
            return Ok(());
        };
        let ca = match self.cluster_ca().await? {
            Some(ca) => Some(ca),
            None if self.cluster.is_active() => {
                let tx = self.barrier.begin();
                self.create_cluster_ca(&tx).await?;
                self.barrier
                    .commit(&tx)
                    .await
                    .map_err(crate::seal_state::barrier_err)?;
                tracing::info!("created the cluster CA (the cluster predates it)");
                self.cluster_ca().await?
            }
            None => None,
        };
        match ca {
            Some(ca) => raft.set_cluster_ca(Some(&ca)),
            None => {
                tracing::warn!(
                    "no cluster CA is stored yet: the cluster port stays closed on this node"
                );
                Ok(())
            }
        }
    }

    /// At seal: the raft layer forgets the CA and this node's certificate.
    pub(crate) fn stop_cluster_tls(&self) {
        if let Some(raft) = self.cluster.raft()
            && let Err(e) = raft.set_cluster_ca(None)
        {
            tracing::warn!(error = %e, "clearing the cluster TLS settings");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_travels_only_to_the_named_node_and_never_prints() {
        let root = Key32::generate();
        let ca = ClusterCaPem {
            cert: "CERT".into(),
            key: "SECRET-KEY".into(),
        };
        assert!(!format!("{ca:?}").contains("SECRET"));
        let sealed = seal_for_join(&root, "n2", &ca).unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"SECRET"));
        assert_eq!(open_from_join(&root, "n2", &sealed).unwrap(), ca);
        assert!(open_from_join(&root, "n3", &sealed).is_err());
        assert!(open_from_join(&Key32::generate(), "n2", &sealed).is_err());
    }
}
