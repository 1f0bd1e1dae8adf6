//! Seal migration (Shamir → auto seal, auto seal → Shamir), on one node or across a
//! raft cluster, as Vault's documented procedure does it.
//!
//! Every node's configuration is changed; each node is restarted and unsealed with
//! `migrate` and the old keys. What the old keys unlock — the root key — is the same
//! everywhere, but the rewrapped root key and the new seal configuration are written
//! once, by the active node, into the replicated seal metadata, so every node agrees
//! on one wrapping:
//!
//! - on the active node (a single node, or the last node of a cluster when it still
//!   leads) the migration is committed at the unseal that reaches the threshold;
//! - a standby unseals with the old seal and keeps the combined old key in memory as a
//!   [`PendingMigration`]; `sys/seal-status` keeps reporting `migration: true`. When the
//!   standby becomes the active node (after `sys/step-down` of the old one) the
//!   seal worker (`crate::seal_worker`) commits the migration there. A standby whose pending migration
//!   was meanwhile committed by another node forgets its copy.
//!
//! The commit is conditional on the seal configuration it read, so two nodes can never
//! both migrate.

use arca_crypto::Key32;
use arca_sdk::Error;
use arca_seal::SealConfig;
use arca_storage::{Batch, Condition, Op, fingerprint};

use crate::{
    Core,
    auto_seal::{RECOVERY_CONFIG_KEY, RECOVERY_KEY_KEY, SealMode, seal_err},
    seal_state::{ROOT_KEY_KEY, SEAL_CONFIG_KEY},
};

/// A standby's migration, held until it becomes the active node (or another node
/// completed it). The key is wiped when this is dropped.
pub(crate) struct PendingMigration {
    /// The combined old key: the Shamir KEK, or the recovery key of the old auto seal.
    combined: Key32,
    /// The stored seal configuration the old keys belong to.
    from: SealConfig,
}

impl Core {
    /// The old keys reached their threshold during a migration: returns the root key
    /// to unseal with. The active node migrates now; a standby only checks the keys
    /// against the old seal and remembers the migration for when it becomes active.
    pub(crate) async fn unseal_for_migration(
        &self,
        mode: &SealMode,
        stored: &SealConfig,
        combined: &Key32,
    ) -> Result<Key32, Error> {
        if self.cluster.is_active() {
            return self.migrate_seal(mode, stored, combined).await;
        }
        let root_key = self.root_key_from_old_seal(mode, stored, combined).await?;
        *self.pending_migration.lock().await = Some(PendingMigration {
            combined: combined.clone(),
            from: stored.clone(),
        });
        tracing::info!(
            from = stored.seal_type.as_str(),
            to = self.configured_seal_type(),
            "seal migration pending: this standby completes it when it becomes the active node"
        );
        Ok(root_key)
    }

    /// The root key, unlocked by the old seal's combined key (wrong keys → 400).
    async fn root_key_from_old_seal(
        &self,
        mode: &SealMode,
        stored: &SealConfig,
        combined: &Key32,
    ) -> Result<Key32, Error> {
        match mode {
            SealMode::MigrateToAuto(_) => self
                .root_key_from_kek(combined)
                .await
                .map_err(|_| Error::bad_request("Unseal failed, invalid key")),
            SealMode::MigrateToShamir(_) => self.root_key_from_key_holders(stored, combined).await,
            _ => Err(Error::bad_request("Vault is not in seal migration mode")),
        }
    }

    /// Completes a seal migration with the old seal's combined key: rewraps the root key
    /// for the new seal and stores the new configuration in one batch, on condition
    /// that the stored seal configuration is still `stored`.
    pub(crate) async fn migrate_seal(
        &self,
        mode: &SealMode,
        stored: &SealConfig,
        combined: &Key32,
    ) -> Result<Key32, Error> {
        let stored_bytes = self
            .physical
            .get(SEAL_CONFIG_KEY)
            .await
            .map_err(Error::storage)?
            .ok_or(Error::NotInitialized)?;
        let root_key = self.root_key_from_old_seal(mode, stored, combined).await?;
        let mut ops = Vec::new();
        match mode {
            SealMode::MigrateToAuto(seal) => {
                let wrapped = seal.wrap_root_key(&root_key).await.map_err(seal_err)?;
                self.note_wrapped_root_key(fingerprint(&wrapped));
                // The old unseal keys become the recovery keys.
                let mut recovery = stored.clone();
                recovery.nonce.clear();
                ops.extend(Self::recovery_ops(&recovery, combined, &root_key)?);
                ops.push(Op::Put {
                    key: ROOT_KEY_KEY.into(),
                    value: wrapped,
                });
                ops.push(Op::Put {
                    key: SEAL_CONFIG_KEY.into(),
                    value: serde_json::to_vec(&SealConfig::auto(seal.seal_type()))?,
                });
            }
            SealMode::MigrateToShamir(_) => {
                let recovery = self.key_holder_config(stored).await?;
                // The recovery keys become the unseal keys.
                let config = SealConfig::shamir(recovery.secret_shares, recovery.secret_threshold);
                let wrapped =
                    arca_seal::wrap_root_key(combined, &root_key).map_err(Error::internal)?;
                ops.push(Op::Put {
                    key: ROOT_KEY_KEY.into(),
                    value: wrapped,
                });
                ops.push(Op::Put {
                    key: SEAL_CONFIG_KEY.into(),
                    value: serde_json::to_vec(&config)?,
                });
                ops.push(Op::Delete {
                    key: RECOVERY_CONFIG_KEY.into(),
                });
                ops.push(Op::Delete {
                    key: RECOVERY_KEY_KEY.into(),
                });
            }
            _ => return Err(Error::bad_request("Vault is not in seal migration mode")),
        }
        self.physical
            .commit(Batch {
                conditions: vec![Condition {
                    key: SEAL_CONFIG_KEY.into(),
                    fingerprint: Some(fingerprint(&stored_bytes)),
                }],
                ops,
            })
            .await
            .map_err(Error::storage)?;
        tracing::info!(
            from = stored.seal_type.as_str(),
            to = self.configured_seal_type(),
            "seal migration complete"
        );
        Ok(root_key)
    }

    /// One look at this node's pending migration: commits it on the unsealed active
    /// node, forgets it once the stored seal no longer needs migrating (another node did
    /// it, or the configuration changed). Returns true when it committed.
    pub(crate) async fn advance_pending_migration(&self) -> Result<bool, Error> {
        let mut slot = self.pending_migration.lock().await;
        let Some(pending) = slot.as_ref() else {
            return Ok(false);
        };
        if self.is_sealed() {
            *slot = None;
            return Ok(false);
        }
        let stored = self
            .read_seal_config()
            .await?
            .ok_or(Error::NotInitialized)?;
        let mode = self.seal_mode(&stored);
        if !mode.is_migration() || stored != pending.from {
            tracing::info!(
                seal = stored.seal_type.as_str(),
                "seal migration was completed elsewhere; forgetting this node's pending migration"
            );
            *slot = None;
            return Ok(false);
        }
        if !self.cluster.is_active() {
            return Ok(false);
        }
        self.migrate_seal(&mode, &stored, &pending.combined).await?;
        *slot = None;
        Ok(true)
    }
}
