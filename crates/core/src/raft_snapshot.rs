//! Backups of the cluster's data: `GET sys/storage/raft/snapshot` and
//! `POST sys/storage/raft/snapshot[-force]`.
//!
//! A backup file is `"ARCABAK1"`, a 32-byte tag, then the raft snapshot (every stored
//! pair, i.e. barrier ciphertext plus the plaintext seal metadata, with its own length
//! fields and SHA-256 trailer, so truncation and damage are detected). The tag is an
//! HMAC-SHA256 of the raft snapshot under a key derived from the cluster's root key: only
//! a node unsealed with the same root key can produce or verify it, which is how a restore
//! recognises "this cluster's snapshot" (Vault's sealed hash file). `snapshot-force`
//! skips that check, for restoring another cluster's data; the nodes then seal and must
//! be unsealed with that cluster's keys.
//!
//! The HTTP layer calls these methods with the client's request minus its body; they
//! send it through [`Core::handle`] first, so the token, ACL (`sys/storage/raft/snapshot`),
//! seal and standby checks are exactly those of any request.

use arca_sdk::{Error, Map, Operation};
use zeroize::Zeroizing;

use crate::{Core, CoreRequest};

const MAGIC: &[u8; 8] = b"ARCABAK1";
const TAG_LEN: usize = 32;
/// Separates the snapshot key from every other use of the root key.
const KEY_LABEL: &[u8] = b"arca/raft-snapshot/v1";

/// The message of a snapshot from another cluster, as Vault words it.
const OTHER_CLUSTER: &str = "could not verify hash file, possibly the snapshot is using a different set of unseal keys; use the snapshot-force API to bypass this check";

impl Core {
    /// `GET sys/storage/raft/snapshot`: authorises `auth` like any request (which also
    /// runs the read barrier, so every acknowledged write is included), then returns the
    /// backup file.
    pub async fn raft_snapshot_save(&self, auth: CoreRequest) -> Result<Vec<u8>, Error> {
        self.authorise_only(auth, Operation::Read).await?;
        let raft = self.raft_control()?;
        let key = self.snapshot_key()?;
        let inner = raft.export_snapshot().await?;
        let tag = arca_crypto::hmac_sha256(key.as_slice(), &inner);
        let mut out = Vec::with_capacity(MAGIC.len() + TAG_LEN + inner.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&tag);
        out.extend_from_slice(&inner);
        Ok(out)
    }

    /// `POST sys/storage/raft/snapshot[-force]`: authorises `auth`, checks the backup
    /// (whole and undamaged; from this cluster unless `force`), then replaces the
    /// cluster's data with it on every node. Anything refused changes nothing.
    pub async fn raft_snapshot_restore(
        &self,
        auth: CoreRequest,
        body: &[u8],
        force: bool,
    ) -> Result<(), Error> {
        self.authorise_only(auth, Operation::Update).await?;
        let raft = self.raft_control()?;
        let (tag, inner) = split(body)
            .ok_or_else(|| Error::bad_request("the request body is not an arca raft snapshot"))?;
        raft.verify_snapshot(inner).map_err(|e| {
            Error::bad_request(format!("the snapshot is truncated or damaged: {e}"))
        })?;
        if !force {
            let key = self.snapshot_key()?;
            let expected = arca_crypto::hmac_sha256(key.as_slice(), inner);
            if !arca_crypto::ct_eq(&expected, tag) {
                return Err(Error::bad_request(OTHER_CLUSTER));
            }
        }
        raft.restore_snapshot(inner.to_vec()).await?;
        // Every node reloads when it applies the restore; doing it here too means the
        // client's next request already sees the restored keyring on this node.
        self.after_raft_restore().await;
        Ok(())
    }

    /// Called on every node after its key space was replaced underneath (a restore or a
    /// snapshot install): reloads the keyring and the cluster identity. If the keyring no
    /// longer opens with this node's root key (a forced restore of another cluster's
    /// data), the node seals; it is unsealed with that cluster's keys.
    pub async fn after_raft_restore(&self) {
        if self.is_sealed() {
            return;
        }
        let reloaded = match self.barrier.reload_keyring().await {
            Ok(()) => match self.load_cluster_identity().await {
                Ok(()) => self.start_cluster_tls().await,
                Err(e) => Err(e),
            },
            Err(e) => Err(crate::seal_state::barrier_err(e)),
        };
        if let Err(e) = reloaded {
            tracing::error!(error = %e, "the restored data does not open with this node's keys; sealing (unseal with the keys of the cluster the snapshot came from)");
            self.seal().await;
        } else {
            tracing::info!("reloaded the keyring after the raft data was replaced");
        }
    }

    /// Runs `auth` (without body) through the normal request path for authorisation.
    async fn authorise_only(&self, mut auth: CoreRequest, op: Operation) -> Result<(), Error> {
        auth.operation = Some(op);
        auth.data = Map::new();
        self.handle(auth).await.map(|_| ())
    }

    fn snapshot_key(&self) -> Result<Zeroizing<[u8; 32]>, Error> {
        let root = self.membership.root_key().ok_or(Error::Sealed)?;
        Ok(Zeroizing::new(arca_crypto::hmac_sha256(
            root.as_bytes(),
            KEY_LABEL,
        )))
    }
}

/// (tag, raft snapshot) of a backup file.
fn split(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = body.strip_prefix(MAGIC.as_slice())?;
    (rest.len() > TAG_LEN).then(|| rest.split_at(TAG_LEN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_files_split_into_tag_and_snapshot() {
        let mut file = MAGIC.to_vec();
        file.extend_from_slice(&[7u8; TAG_LEN]);
        file.extend_from_slice(b"ARCASNP1...");
        let (tag, inner) = split(&file).unwrap();
        assert_eq!(tag, &[7u8; TAG_LEN]);
        assert_eq!(inner, b"ARCASNP1...");
        assert!(split(b"ARCABAK1short").is_none());
        assert!(split(b"not a backup at all, but long enough to have a tag....").is_none());
        assert!(split(&file[..MAGIC.len() + TAG_LEN]).is_none());
    }
}
