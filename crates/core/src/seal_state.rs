//! Initialisation, unsealing and sealing.
//!
//! The root key (which encrypts the barrier's keyring) is itself encrypted by a
//! key-encryption key (KEK); with the Shamir seal the KEK exists only while enough key
//! shares have been submitted. Plaintext seal metadata lives outside the barrier:
//! [`SEAL_CONFIG_KEY`] (shares and threshold; its presence means "initialised") and
//! [`ROOT_KEY_KEY`] (the wrapped root key).

use arca_crypto::Key32;
use arca_sdk::Error;
use arca_seal::{SealConfig, UnsealProgress};
use arca_storage::{Batch, Op};
use serde::{Deserialize, Serialize};

use crate::{Core, mounts::MountTable, token::TokenStore};

/// Physical key of the seal configuration (plaintext JSON).
pub const SEAL_CONFIG_KEY: &str = "core/seal-config";
/// Physical key of the root key wrapped by the seal's KEK.
pub const ROOT_KEY_KEY: &str = "core/root-key";
/// Physical key of the barrier keyring (owned by the barrier; named here to clean up a
/// half-finished initialisation).
const KEYRING_KEY: &str = "core/keyring";

/// Parameters of `sys/init`. Counts may be `null` (hvac sends `secret_shares: null`
/// when it asks for recovery keys only), which reads as 0.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InitParams {
    #[serde(default, deserialize_with = "null_as_zero")]
    pub secret_shares: i64,
    #[serde(default, deserialize_with = "null_as_zero")]
    pub secret_threshold: i64,
    #[serde(default, deserialize_with = "null_as_zero")]
    pub recovery_shares: i64,
    #[serde(default, deserialize_with = "null_as_zero")]
    pub recovery_threshold: i64,
    #[serde(default)]
    pub pgp_keys: Option<Vec<String>>,
    #[serde(default)]
    pub root_token_pgp_key: Option<String>,
    #[serde(default, deserialize_with = "null_as_zero")]
    pub stored_shares: i64,
}

fn null_as_zero<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Option::<i64>::deserialize(d).map(Option::unwrap_or_default)
}

/// Result of `sys/init`: the key shares (shown once) and the initial root token.
pub struct InitResult {
    /// Unseal-key shares (Shamir seal).
    pub keys: Vec<zeroize::Zeroizing<Vec<u8>>>,
    /// Recovery-key shares (auto-unseal seals).
    pub recovery_keys: Vec<zeroize::Zeroizing<Vec<u8>>>,
    pub root_token: String,
}

/// The fields of `sys/seal-status` that come from the seal.
#[derive(Debug, Clone, Serialize)]
pub struct SealStatus {
    #[serde(rename = "type")]
    pub kind: String,
    pub initialized: bool,
    pub sealed: bool,
    pub t: u32,
    pub n: u32,
    pub progress: u32,
    pub nonce: String,
    /// The operators' keys are recovery keys (an auto-unseal seal).
    pub recovery_seal: bool,
    /// A seal migration is pending.
    pub migration: bool,
}

/// Vault's rules for share counts, with Vault's messages.
pub fn validate_shares(shares: i64, threshold: i64) -> Result<(), Error> {
    let bad = |m: &str| {
        Err(Error::bad_request(format!(
            "invalid seal configuration: {m}"
        )))
    };
    if shares < 1 {
        return bad("shares must be at least one");
    }
    if shares > 255 {
        return bad("shares must be less than 256");
    }
    if threshold < 1 {
        return bad("threshold must be at least one");
    }
    if threshold > shares {
        return bad("threshold cannot be larger than shares");
    }
    if threshold == 1 && shares > 1 {
        return bad("threshold must be greater than one for multiple shares");
    }
    Ok(())
}

impl Core {
    /// True once `sys/init` has completed, here or (replicated) on the cluster this node
    /// belongs to; also while a raft join waits for the cluster's unseal keys, as Vault
    /// reports a joining node.
    pub async fn initialized(&self) -> Result<bool, Error> {
        Ok(self.pending_join().is_some() || self.read_seal_config().await?.is_some())
    }

    /// The seal configuration in effect: the stored one, or while joining a cluster the
    /// one its leader sent.
    async fn effective_seal_config(&self) -> Result<Option<SealConfig>, Error> {
        match self.read_seal_config().await? {
            Some(c) => Ok(Some(c)),
            None => Ok(self.pending_join().map(|p| p.seal_config.clone())),
        }
    }

    pub(crate) async fn read_seal_config(&self) -> Result<Option<SealConfig>, Error> {
        match self
            .physical
            .get(SEAL_CONFIG_KEY)
            .await
            .map_err(Error::storage)?
        {
            Some(b) => Ok(Some(serde_json::from_slice(&b).map_err(|e| {
                Error::internal(format!("decoding seal configuration: {e}"))
            })?)),
            None => Ok(None),
        }
    }

    /// True when the barrier is sealed on this node.
    pub fn is_sealed(&self) -> bool {
        self.barrier.is_sealed()
    }

    /// Initialises storage: root key, keyring, seal shares, mount table and root token.
    /// Leaves the node sealed, as Vault does. `root_token_id` chooses the root token.
    pub async fn init(
        &self,
        params: InitParams,
        root_token_id: Option<String>,
    ) -> Result<InitResult, Error> {
        let _guard = self.init_lock.lock().await;
        if self.initialized().await? {
            return Err(Error::bad_request("Vault is already initialized"));
        }
        if params.pgp_keys.as_ref().is_some_and(|k| !k.is_empty())
            || params
                .root_token_pgp_key
                .as_ref()
                .is_some_and(|k| !k.is_empty())
        {
            return Err(Error::bad_request(
                "PGP-encrypted key shares are not supported yet",
            ));
        }
        let auto_seal = self.enabled_auto_seal();
        if auto_seal.is_none() && (params.recovery_shares > 0 || params.recovery_threshold > 0) {
            return Err(Error::bad_request(
                "recovery keys are only available with an auto-unseal seal, and this node uses the shamir seal",
            ));
        }
        if auto_seal.is_some() {
            validate_shares(params.recovery_shares, params.recovery_threshold).map_err(|e| {
                Error::bad_request(e.to_string().replace(
                    "invalid seal configuration",
                    "invalid recovery configuration",
                ))
            })?;
        } else {
            validate_shares(params.secret_shares, params.secret_threshold)?;
        }
        // Integrated storage becomes a one-node cluster now, not at start-up, so a node
        // that is going to join a cluster never bootstraps a cluster of its own.
        if let Some(raft) = self.cluster.raft() {
            self.stop_join_attempts();
            raft.bootstrap().await?;
        }
        let config = match &auto_seal {
            Some(seal) => SealConfig::auto(seal.seal_type()),
            None => SealConfig::shamir(
                params.secret_shares as usize,
                params.secret_threshold as usize,
            ),
        };

        // A keyring without a seal configuration is the remains of an interrupted init.
        if self
            .physical
            .get(KEYRING_KEY)
            .await
            .map_err(Error::storage)?
            .is_some()
        {
            self.physical
                .commit(Batch {
                    conditions: vec![],
                    ops: vec![Op::Delete {
                        key: KEYRING_KEY.into(),
                    }],
                })
                .await
                .map_err(Error::storage)?;
        }

        let root_key = Key32::generate();
        // Wrapped first: an unreachable transit server fails init before anything is
        // written.
        let (wrapped, shares, recovery_keys, mut extra_ops) = match &auto_seal {
            None => {
                let (kek, shares) = arca_seal::generate_shamir(&config).map_err(Error::internal)?;
                let wrapped = arca_seal::wrap_root_key(&kek, &root_key).map_err(Error::internal)?;
                (wrapped, shares, Vec::new(), Vec::new())
            }
            Some(seal) => {
                let wrapped = seal
                    .wrap_root_key(&root_key)
                    .await
                    .map_err(crate::auto_seal::seal_err)?;
                let recovery = SealConfig::shamir(
                    params.recovery_shares as usize,
                    params.recovery_threshold as usize,
                );
                let (recovery_key, recovery_shares) =
                    arca_seal::generate_shamir(&recovery).map_err(Error::internal)?;
                let ops = Self::recovery_ops(&recovery, &recovery_key, &root_key)?;
                (wrapped, Vec::new(), recovery_shares, ops)
            }
        };

        self.barrier
            .initialize(&root_key)
            .await
            .map_err(barrier_err)?;
        self.barrier.unseal(&root_key).await.map_err(barrier_err)?;
        let setup = async {
            let tx = self.barrier.begin();
            MountTable::initial().save(&tx).await?;
            crate::auth_mounts::save_auth_table(&tx, &crate::auth_mounts::initial_auth_table())
                .await?;
            crate::cluster_identity::ClusterIdentity::generate(&self.configured_cluster_name)
                .save(&tx)
                .await?;
            self.create_cluster_ca(&tx).await?;
            crate::policy_store::ensure_default(&tx).await?;
            TokenStore::create_salt(&tx).await?;
            let token = TokenStore::create_root(&tx, root_token_id).await?;
            self.barrier.commit(&tx).await.map_err(barrier_err)?;
            Ok::<_, Error>(token)
        };
        let token = setup.await;
        self.barrier.seal();
        let root_token = token?;

        // Written last: its presence is what makes the node "initialised".
        let config_json = serde_json::to_vec(&config)?;
        let wrapped_seen = arca_storage::fingerprint(&wrapped);
        let mut ops = std::mem::take(&mut extra_ops);
        ops.push(Op::Put {
            key: ROOT_KEY_KEY.into(),
            value: wrapped,
        });
        ops.push(Op::Put {
            key: SEAL_CONFIG_KEY.into(),
            value: config_json,
        });
        self.physical
            .commit(Batch {
                conditions: vec![],
                ops,
            })
            .await
            .map_err(Error::storage)?;
        tracing::info!(
            seal = config.seal_type.as_str(),
            shares = shares.len().max(recovery_keys.len()),
            "storage initialized"
        );
        // An auto-unseal seal needs no keys: the node is unsealed at once, as Vault's.
        if auto_seal.is_some() {
            self.note_wrapped_root_key(wrapped_seen);
            self.finish_unseal(&root_key).await?;
        }
        Ok(InitResult {
            keys: shares,
            recovery_keys,
            root_token,
        })
    }

    /// Submits one unseal key share. Returns the seal status after the submission.
    pub async fn unseal(&self, key: &[u8]) -> Result<SealStatus, Error> {
        self.unseal_migrate(key, false).await
    }

    /// Submits one key share, `migrate` as `sys/unseal` carries it: with Shamir an
    /// unseal-key share; with an auto-unseal seal a recovery-key share (to unseal after
    /// a manual seal); during a seal migration the old seal's keys, which `migrate`
    /// must confirm.
    pub async fn unseal_migrate(&self, key: &[u8], migrate: bool) -> Result<SealStatus, Error> {
        if let Some(pending) = self.pending_join() {
            if migrate {
                return Err(Error::bad_request("Vault is not in seal migration mode"));
            }
            return self.unseal_joining(pending, key).await;
        }
        let config = self
            .read_seal_config()
            .await?
            .ok_or(Error::NotInitialized)?;
        if !self.is_sealed() {
            return self.seal_status().await;
        }
        let mode = self.seal_mode(&config);
        match (&mode, migrate) {
            (crate::auto_seal::SealMode::Missing(_), _) => {
                return Err(self
                    .root_key_from_seal(&config)
                    .await
                    .err()
                    .unwrap_or_else(|| Error::internal("the stored seal is not configured")));
            }
            (m, false) if m.is_migration() => {
                return Err(Error::bad_request(
                    "migrate option not provided and seal migration is pending",
                ));
            }
            (m, true) if !m.is_migration() => {
                return Err(Error::bad_request("Vault is not in seal migration mode"));
            }
            _ => {}
        }
        let holders = self.key_holder_config(&config).await?;
        let combined = self.submit_unseal_share(&holders, key).await?;
        if let Some(combined) = combined {
            *self.unseal_progress.lock().await = None;
            let root_key = if mode.is_migration() {
                self.unseal_for_migration(&mode, &config, &combined).await
            } else if config.is_auto() {
                self.root_key_from_key_holders(&config, &combined).await
            } else {
                self.root_key_from_kek(&combined)
                    .await
                    .map_err(|_| Error::bad_request("Unseal failed, invalid key"))
            }?;
            self.finish_unseal(&root_key).await?;
        }
        self.seal_status().await
    }

    /// Adds one share to the current unseal attempt for `config`; the combined KEK once
    /// the threshold is reached.
    pub(crate) async fn submit_unseal_share(
        &self,
        config: &SealConfig,
        key: &[u8],
    ) -> Result<Option<Key32>, Error> {
        let mut progress = self.unseal_progress.lock().await;
        if progress.is_none() {
            *progress = Some(UnsealProgress::new(config).map_err(Error::internal)?);
        }
        let Some(attempt) = progress.as_mut() else {
            return Err(Error::internal("unseal progress is missing"));
        };
        attempt
            .submit(key)
            .map_err(|e| Error::bad_request(e.to_string()))
    }

    /// Unseals the barrier with the root key and loads what lives behind it. The root key
    /// is also kept to encrypt raft join challenges for new nodes.
    pub(crate) async fn finish_unseal(&self, root_key: &Key32) -> Result<(), Error> {
        self.barrier.unseal(root_key).await.map_err(barrier_err)?;
        self.load_cluster_identity().await?;
        if let Err(e) = self.start_cluster_tls().await {
            self.barrier.seal();
            return Err(e);
        }
        self.membership.set_root_key(Some(root_key));
        self.load_audit_devices().await;
        tracing::info!("vault is unsealed");
        Ok(())
    }

    /// Forgets the key shares submitted so far (`sys/unseal` with `reset`).
    pub async fn reset_unseal(&self) {
        *self.unseal_progress.lock().await = None;
    }

    /// Seals this node: the keyring is dropped and only status routes answer.
    pub async fn seal(&self) {
        self.barrier.seal();
        self.stop_cluster_tls();
        self.membership.set_root_key(None);
        self.routes.write().await.clear();
        self.audit.clear();
        *self.identity.write().unwrap_or_else(|p| p.into_inner()) = None;
        *self.unseal_progress.lock().await = None;
        *self.pending_migration.lock().await = None;
        *self.root_key_seen.lock().unwrap_or_else(|p| p.into_inner()) = None;
        tracing::info!("vault is sealed");
    }

    /// The seal part of `sys/seal-status`. With an auto-unseal seal `t`/`n` are the
    /// recovery keys' (as Vault reports them).
    pub async fn seal_status(&self) -> Result<SealStatus, Error> {
        let config = self.effective_seal_config().await?;
        let (kind, holders, migration) = match &config {
            Some(c) if c.is_auto() => (
                c.seal_type.clone(),
                self.read_recovery_config().await?,
                self.seal_mode(c).is_migration(),
            ),
            Some(c) => (
                c.seal_type.clone(),
                Some(c.clone()),
                self.pending_join().is_none() && self.seal_mode(c).is_migration(),
            ),
            None => (self.configured_seal_type().to_string(), None, false),
        };
        // Before init, what the configured seal will use (the CLI's init reads this).
        let recovery_seal = match &config {
            Some(c) => c.is_auto(),
            None => self.enabled_auto_seal().is_some(),
        };
        let config = holders;
        let progress = self.unseal_progress.lock().await;
        Ok(SealStatus {
            kind,
            recovery_seal,
            migration,
            initialized: self.initialized().await?,
            sealed: self.is_sealed(),
            t: config
                .as_ref()
                .map(|c| c.secret_threshold as u32)
                .unwrap_or(0),
            n: config.as_ref().map(|c| c.secret_shares as u32).unwrap_or(0),
            progress: progress.as_ref().map(|p| p.progress() as u32).unwrap_or(0),
            nonce: progress
                .as_ref()
                .map(|p| p.nonce().to_string())
                .unwrap_or_default(),
        })
    }
}

/// Maps barrier failures to request errors without leaking details of keys.
pub(crate) fn barrier_err(e: arca_barrier::BarrierError) -> Error {
    e.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_rules_match_vault() {
        assert!(validate_shares(5, 3).is_ok());
        assert!(validate_shares(1, 1).is_ok());
        assert!(validate_shares(0, 0).is_err());
        assert!(validate_shares(3, 1).is_err());
        assert!(validate_shares(3, 4).is_err());
        assert!(validate_shares(256, 3).is_err());
    }
}
