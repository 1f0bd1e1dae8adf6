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

/// Parameters of `sys/init`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InitParams {
    #[serde(default)]
    pub secret_shares: i64,
    #[serde(default)]
    pub secret_threshold: i64,
    #[serde(default)]
    pub recovery_shares: i64,
    #[serde(default)]
    pub recovery_threshold: i64,
    #[serde(default)]
    pub pgp_keys: Option<Vec<String>>,
    #[serde(default)]
    pub root_token_pgp_key: Option<String>,
    #[serde(default)]
    pub stored_shares: i64,
}

/// Result of `sys/init`: the key shares (shown once) and the initial root token.
pub struct InitResult {
    pub keys: Vec<zeroize::Zeroizing<Vec<u8>>>,
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
        if params.recovery_shares > 0 || params.recovery_threshold > 0 {
            return Err(Error::bad_request(
                "recovery keys are only available with an auto-unseal seal, and this node uses the shamir seal",
            ));
        }
        validate_shares(params.secret_shares, params.secret_threshold)?;
        // Integrated storage becomes a one-node cluster now, not at start-up, so a node
        // that is going to join a cluster never bootstraps a cluster of its own.
        if let Some(raft) = self.cluster.raft() {
            self.stop_join_attempts();
            raft.bootstrap().await?;
        }
        let config = SealConfig::shamir(
            params.secret_shares as usize,
            params.secret_threshold as usize,
        );

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
        let (kek, shares) = arca_seal::generate_shamir(&config).map_err(Error::internal)?;
        let wrapped = arca_seal::wrap_root_key(&kek, &root_key).map_err(Error::internal)?;

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
        self.physical
            .commit(Batch {
                conditions: vec![],
                ops: vec![
                    Op::Put {
                        key: ROOT_KEY_KEY.into(),
                        value: wrapped,
                    },
                    Op::Put {
                        key: SEAL_CONFIG_KEY.into(),
                        value: config_json,
                    },
                ],
            })
            .await
            .map_err(Error::storage)?;
        tracing::info!(
            shares = params.secret_shares,
            threshold = params.secret_threshold,
            "storage initialized"
        );
        Ok(InitResult {
            keys: shares,
            root_token,
        })
    }

    /// Submits one unseal key share. Returns the seal status after the submission.
    pub async fn unseal(&self, key: &[u8]) -> Result<SealStatus, Error> {
        if let Some(pending) = self.pending_join() {
            return self.unseal_joining(pending, key).await;
        }
        let config = self
            .read_seal_config()
            .await?
            .ok_or(Error::NotInitialized)?;
        if !self.is_sealed() {
            return self.seal_status().await;
        }
        let kek = self.submit_unseal_share(&config, key).await?;
        if let Some(kek) = kek {
            *self.unseal_progress.lock().await = None;
            self.unseal_with_kek(&kek).await?;
        }
        self.seal_status().await
    }

    async fn unseal_with_kek(&self, kek: &Key32) -> Result<(), Error> {
        let wrapped = self
            .physical
            .get(ROOT_KEY_KEY)
            .await
            .map_err(Error::storage)?
            .ok_or_else(|| Error::internal("wrapped root key is missing"))?;
        let root_key = arca_seal::unwrap_root_key(kek, &wrapped)
            .map_err(|_| Error::bad_request("Unseal failed, invalid key"))?;
        self.finish_unseal(&root_key).await
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
        *self.identity.write().unwrap_or_else(|p| p.into_inner()) = None;
        *self.unseal_progress.lock().await = None;
        tracing::info!("vault is sealed");
    }

    /// The seal part of `sys/seal-status`.
    pub async fn seal_status(&self) -> Result<SealStatus, Error> {
        let config = self.effective_seal_config().await?;
        let progress = self.unseal_progress.lock().await;
        Ok(SealStatus {
            kind: "shamir".into(),
            initialized: config.is_some(),
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
