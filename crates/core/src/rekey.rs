//! Rekeying: new unseal-key shares (and a new share count and threshold) from a quorum
//! of the current ones, as Vault's `sys/rekey/*`.
//!
//! With Shamir the root key does not change: a rekey makes a new key-encryption key,
//! splits it into the new shares and stores the root key wrapped under it, together
//! with the new seal configuration, in one storage batch, so a node never sees one
//! without the other. Under an auto seal (as in Vault) a barrier rekey is authorised by
//! the recovery keys and makes a new root key instead, which the seal wraps and keeps
//! (`stored_shares` 1, no shares handed out); the keyring is re-encrypted under it in
//! the same batch. The
//! operation lives in memory on the active node (as in Vault): its nonce, the shares
//! given so far and, with `require_verification`, the new key waiting for a quorum of
//! the new shares before it replaces the old one.

use arca_crypto::{Key32, Zeroizing, ct_eq};
use arca_sdk::Error;
use arca_seal::{SealConfig, UnsealProgress};
use arca_storage::{Batch, Op};
use serde::Deserialize;

use crate::{
    Core,
    seal_state::{ROOT_KEY_KEY, SEAL_CONFIG_KEY, validate_shares},
};

/// Parameters of `PUT sys/rekey/init` (Vault's names).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RekeyInitParams {
    #[serde(default)]
    pub secret_shares: i64,
    #[serde(default)]
    pub secret_threshold: i64,
    #[serde(default)]
    pub pgp_keys: Option<Vec<String>>,
    #[serde(default)]
    pub backup: bool,
    #[serde(default)]
    pub require_verification: bool,
}

/// The rekey operation under way on this node.
pub(crate) struct RekeyOp {
    /// Rekeys the recovery keys (`sys/rekey-recovery-key`) rather than the unseal keys.
    recovery: bool,
    nonce: String,
    new_config: SealConfig,
    verification_required: bool,
    /// Shares of the current key given so far.
    progress: UnsealProgress,
    /// With `require_verification`: the new key, handed out but not yet in effect.
    pending: Option<PendingRekey>,
}

/// A finished rekey waiting for its new shares to be proven (`sys/rekey/verify`).
struct PendingRekey {
    nonce: String,
    new_kek: Key32,
    progress: UnsealProgress,
}

/// What `sys/rekey/init` (GET) reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekeyStatus {
    pub nonce: String,
    pub started: bool,
    pub t: usize,
    pub n: usize,
    pub progress: usize,
    pub required: usize,
    pub verification_required: bool,
    pub verification_nonce: String,
}

/// What `sys/rekey/verify` (GET) reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekeyVerifyStatus {
    pub nonce: String,
    pub started: bool,
    pub t: usize,
    pub n: usize,
    pub progress: usize,
}

/// The new shares, shown once when the threshold of old shares is reached.
pub struct RekeyResult {
    pub nonce: String,
    pub keys: Vec<Zeroizing<Vec<u8>>>,
    pub verification_required: bool,
    pub verification_nonce: String,
}

/// The answer to one `sys/rekey/update`.
pub enum RekeyUpdate {
    /// More shares are needed.
    Progress(RekeyStatus),
    /// The threshold was reached: the new shares.
    Done(RekeyResult),
}

/// The answer to one `sys/rekey/verify` update.
pub enum RekeyVerifyUpdate {
    /// More new shares are needed.
    Progress(RekeyVerifyStatus),
    /// The new key is in effect; the verification nonce.
    Done(String),
}

fn no_rekey(recovery: bool) -> Error {
    Error::bad_request(if recovery {
        "no recovery rekey in progress"
    } else {
        "no barrier rekey in progress"
    })
}

/// The operation of the asked kind, if that is the one under way.
fn op_of(op: &mut Option<RekeyOp>, recovery: bool) -> Result<&mut RekeyOp, Error> {
    op.as_mut()
        .filter(|o| o.recovery == recovery)
        .ok_or_else(|| no_rekey(recovery))
}

impl Core {
    /// Checks that this node may run a rekey or a root generation: unsealed and active.
    pub(crate) fn require_active_unsealed(&self) -> Result<(), Error> {
        if self.is_sealed() {
            return Err(Error::Sealed);
        }
        if !self.cluster.is_active() {
            return Err(Error::Unavailable(
                "this node is a standby and request forwarding is not available".into(),
            ));
        }
        Ok(())
    }

    /// The stored seal configuration of an initialised node.
    pub(crate) async fn current_seal_config(&self) -> Result<SealConfig, Error> {
        self.read_seal_config().await?.ok_or(Error::NotInitialized)
    }

    /// Unwraps the stored root key with a candidate KEK (combined from shares). A wrong
    /// KEK gives Vault's message for undecryptable stored keys (400).
    pub(crate) async fn root_key_from_kek(&self, kek: &Key32) -> Result<Key32, Error> {
        let wrapped = self
            .physical
            .get(ROOT_KEY_KEY)
            .await
            .map_err(Error::storage)?
            .ok_or_else(|| Error::internal("wrapped root key is missing"))?;
        arca_seal::unwrap_root_key(kek, &wrapped).map_err(|e| {
            tracing::warn!("key shares given for a rekey or root generation are wrong");
            Error::bad_request(format!("failed to read root key: {e}"))
        })
    }

    /// The share configuration a rekey of this kind replaces, checked against the seal:
    /// recovery keys exist only with an auto-unseal seal, whose barrier key is not
    /// split among operators.
    async fn rekey_target(&self, recovery: bool) -> Result<SealConfig, Error> {
        self.rekey_target_of(&self.current_seal_config().await?, recovery)
            .await
    }

    async fn rekey_target_of(
        &self,
        stored: &SealConfig,
        recovery: bool,
    ) -> Result<SealConfig, Error> {
        match (recovery, stored.is_auto()) {
            (true, false) => Err(Error::bad_request("recovery rekeying not supported")),
            // A barrier rekey under an auto seal is authorised by the recovery keys.
            _ => self.key_holder_config(stored).await,
        }
    }

    /// `GET sys/rekey[-recovery-key]/init`.
    pub async fn rekey_status(&self, recovery: bool) -> Result<RekeyStatus, Error> {
        self.require_active_unsealed()?;
        let current = self.rekey_target(recovery).await?;
        let op = self.rekey.lock().await;
        Ok(status_of(
            op.as_ref().filter(|o| o.recovery == recovery),
            current.secret_threshold,
        ))
    }

    /// `PUT sys/rekey[-recovery-key]/init`: starts a rekey to `params`' shares and
    /// threshold.
    pub async fn rekey_init(
        &self,
        params: RekeyInitParams,
        recovery: bool,
    ) -> Result<RekeyStatus, Error> {
        self.require_active_unsealed()?;
        let stored = self.current_seal_config().await?;
        let current = self.rekey_target_of(&stored, recovery).await?;
        if !recovery && stored.is_auto() {
            return self.rekey_init_auto(params, &stored, &current).await;
        }
        if params.pgp_keys.as_ref().is_some_and(|k| !k.is_empty()) {
            return Err(Error::bad_request(
                "PGP-encrypted key shares are not supported yet",
            ));
        }
        if params.backup {
            return Err(Error::bad_request(
                "cannot request a backup of the new keys without providing PGP keys for encryption",
            ));
        }
        validate_shares(params.secret_shares, params.secret_threshold).map_err(|e| {
            Error::bad_request(e.to_string().replace(
                "invalid seal configuration",
                "invalid rekey seal configuration",
            ))
        })?;
        let mut op = self.rekey.lock().await;
        if op.is_some() {
            return Err(Error::bad_request("rekey already in progress"));
        }
        let new_config = SealConfig::shamir(
            params.secret_shares as usize,
            params.secret_threshold as usize,
        );
        self.start_rekey(
            &mut op,
            new_config,
            recovery,
            params.require_verification,
            &current,
        )
    }

    /// Barrier rekey under an auto seal, as Vault: the recovery keys authorise it, the
    /// seal stores the one new key (`stored_shares` 1, shares and threshold forced to
    /// 1), so nothing is handed out and PGP, backups and verification do not apply.
    async fn rekey_init_auto(
        &self,
        params: RekeyInitParams,
        stored: &SealConfig,
        current: &SealConfig,
    ) -> Result<RekeyStatus, Error> {
        if params.secret_threshold > params.secret_shares {
            return Err(Error::bad_request(
                "provided threshold greater than the total shares",
            ));
        }
        if params.pgp_keys.as_ref().is_some_and(|k| !k.is_empty()) {
            return Err(Error::bad_request(
                "PGP key encryption not supported when using stored keys",
            ));
        }
        if params.backup {
            return Err(Error::bad_request(
                "key backup not supported when using stored keys",
            ));
        }
        if params.require_verification {
            return Err(Error::bad_request(
                "requiring verification not supported when rekeying the barrier key with recovery keys",
            ));
        }
        let mut op = self.rekey.lock().await;
        if op.is_some() {
            return Err(Error::bad_request("rekey already in progress"));
        }
        let new_config = SealConfig::auto(&stored.seal_type);
        self.start_rekey(&mut op, new_config, false, false, current)
    }

    /// Records a new rekey operation in `op` (checked to be empty by the caller).
    fn start_rekey(
        &self,
        op: &mut Option<RekeyOp>,
        new_config: SealConfig,
        recovery: bool,
        verification_required: bool,
        current: &SealConfig,
    ) -> Result<RekeyStatus, Error> {
        let (shares, threshold) = (new_config.secret_shares, new_config.secret_threshold);
        *op = Some(RekeyOp {
            recovery,
            nonce: uuid::Uuid::new_v4().to_string(),
            new_config,
            verification_required,
            progress: UnsealProgress::new(current).map_err(Error::internal)?,
            pending: None,
        });
        tracing::info!(shares, threshold, recovery, "rekey initialized");
        Ok(status_of(op.as_ref(), current.secret_threshold))
    }

    /// `DELETE sys/rekey[-recovery-key]/init`: forgets the operation and every share
    /// given to it.
    pub async fn rekey_cancel(&self, recovery: bool) -> Result<(), Error> {
        self.require_active_unsealed()?;
        self.rekey_target(recovery).await?;
        let mut op = self.rekey.lock().await;
        if op.as_ref().is_some_and(|o| o.recovery == recovery) {
            *op = None;
            tracing::info!(recovery, "rekey canceled");
        }
        Ok(())
    }

    /// `PUT sys/rekey/update`: one share of the current key. At the threshold the shares
    /// must recover the root key; then the new shares are made and (without
    /// verification) put in effect. Wrong shares change nothing stored.
    pub async fn rekey_update(
        &self,
        key: &[u8],
        nonce: &str,
        recovery: bool,
    ) -> Result<RekeyUpdate, Error> {
        self.require_active_unsealed()?;
        let stored = self.current_seal_config().await?;
        let current = self.rekey_target(recovery).await?;
        let mut guard = self.rekey.lock().await;
        let op = op_of(&mut guard, recovery)?;
        if !ct_eq(nonce.as_bytes(), op.nonce.as_bytes()) {
            return Err(Error::bad_request(format!(
                "incorrect nonce supplied; nonce for this rekey operation is {:?}",
                op.nonce
            )));
        }
        if let Some(p) = &op.pending {
            return Err(Error::bad_request(format!(
                "rekey operation already finished; verification must be performed; nonce for the verification operation is {:?}",
                p.nonce
            )));
        }
        let Some(kek) = op
            .progress
            .submit(key)
            .map_err(|e| Error::bad_request(e.to_string()))?
        else {
            return Ok(RekeyUpdate::Progress(status_of(
                Some(&*op),
                current.secret_threshold,
            )));
        };
        let root_key = self.root_key_from_key_holders(&stored, &kek).await?;
        if !recovery && stored.is_auto() {
            let nonce = op.nonce.clone();
            self.rekey_auto_root(&stored, &kek).await?;
            *guard = None;
            // The new key is the seal's to keep: no shares are handed out.
            return Ok(RekeyUpdate::Done(RekeyResult {
                nonce,
                keys: Vec::new(),
                verification_required: false,
                verification_nonce: String::new(),
            }));
        }
        let (new_kek, shares) =
            arca_seal::generate_shamir(&op.new_config).map_err(Error::internal)?;
        let mut result = RekeyResult {
            nonce: op.nonce.clone(),
            keys: shares,
            verification_required: op.verification_required,
            verification_nonce: String::new(),
        };
        if op.verification_required {
            let verify_nonce = uuid::Uuid::new_v4().to_string();
            result.verification_nonce = verify_nonce.clone();
            op.pending = Some(PendingRekey {
                nonce: verify_nonce,
                new_kek,
                progress: UnsealProgress::new(&op.new_config).map_err(Error::internal)?,
            });
            return Ok(RekeyUpdate::Done(result));
        }
        let new_config = op.new_config.clone();
        self.store_rekeyed(&new_config, &new_kek, &root_key, recovery)
            .await?;
        *guard = None;
        Ok(RekeyUpdate::Done(result))
    }

    /// `GET sys/rekey[-recovery-key]/verify`.
    pub async fn rekey_verify_status(&self, recovery: bool) -> Result<RekeyVerifyStatus, Error> {
        self.require_active_unsealed()?;
        self.rekey_target(recovery).await?;
        let mut guard = self.rekey.lock().await;
        let op = op_of(&mut guard, recovery)?;
        verify_status_of(op)
    }

    /// `DELETE sys/rekey/verify`: restarts the verification with a new nonce.
    pub async fn rekey_verify_restart(&self, recovery: bool) -> Result<RekeyVerifyStatus, Error> {
        self.require_active_unsealed()?;
        self.rekey_target(recovery).await?;
        let mut guard = self.rekey.lock().await;
        let op = op_of(&mut guard, recovery)?;
        let config = op.new_config.clone();
        let pending = op.pending.as_mut().ok_or_else(no_verification)?;
        pending.nonce = uuid::Uuid::new_v4().to_string();
        pending.progress = UnsealProgress::new(&config).map_err(Error::internal)?;
        verify_status_of(op)
    }

    /// `PUT sys/rekey/verify`: one of the new shares. When the new threshold is reached
    /// and the shares give the new key, the rekey takes effect.
    pub async fn rekey_verify_update(
        &self,
        key: &[u8],
        nonce: &str,
        recovery: bool,
    ) -> Result<RekeyVerifyUpdate, Error> {
        self.require_active_unsealed()?;
        self.rekey_target(recovery).await?;
        let mut guard = self.rekey.lock().await;
        let op = op_of(&mut guard, recovery)?;
        let new_config = op.new_config.clone();
        let pending = op.pending.as_mut().ok_or_else(no_verification)?;
        if !ct_eq(nonce.as_bytes(), pending.nonce.as_bytes()) {
            return Err(Error::bad_request(format!(
                "incorrect nonce supplied; nonce for this verify operation is {:?}",
                pending.nonce
            )));
        }
        let Some(kek) = pending
            .progress
            .submit(key)
            .map_err(|e| Error::bad_request(e.to_string()))?
        else {
            return Ok(RekeyVerifyUpdate::Progress(verify_status_of(op)?));
        };
        if !ct_eq(kek.as_bytes(), pending.new_kek.as_bytes()) {
            return Err(Error::bad_request(
                "rekey verification failed: the given keys do not match the new key",
            ));
        }
        let verify_nonce = pending.nonce.clone();
        let new_kek = pending.new_kek.clone();
        // The old key still unwraps the stored root key: recover it through the keyring
        // the barrier holds (the node is unsealed).
        let root_key = self.membership.root_key().ok_or(Error::Sealed)?;
        self.store_rekeyed(&new_config, &new_kek, &root_key, recovery)
            .await?;
        *guard = None;
        Ok(RekeyVerifyUpdate::Done(verify_nonce))
    }

    /// Barrier rekey under an auto seal: a new root key, wrapped by the seal, the keyring
    /// re-encrypted under it and the recovery key (stored under the root key) sealed
    /// again, all in one batch. Standbys pick the new root key up through their seal
    /// (`Core::follow_root_key`).
    async fn rekey_auto_root(
        &self,
        stored: &SealConfig,
        recovery_key: &Key32,
    ) -> Result<(), Error> {
        let seal = match self.seal_mode(stored) {
            crate::auto_seal::SealMode::Auto(seal) => seal,
            _ => {
                return Err(Error::bad_request(
                    "the configured seal is not the stored one; finish the seal migration before rekeying",
                ));
            }
        };
        let recovery = self.key_holder_config(stored).await?;
        let new_root = Key32::generate();
        let wrapped = seal
            .wrap_root_key(&new_root)
            .await
            .map_err(crate::auto_seal::seal_err)?;
        let seen = arca_storage::fingerprint(&wrapped);
        let mut ops = Self::recovery_ops(&recovery, recovery_key, &new_root)?;
        ops.push(Op::Put {
            key: ROOT_KEY_KEY.into(),
            value: wrapped,
        });
        ops.push(Op::Put {
            key: SEAL_CONFIG_KEY.into(),
            value: serde_json::to_vec(&SealConfig::auto(&stored.seal_type))?,
        });
        self.barrier
            .rekey_root(&new_root, ops)
            .await
            .map_err(crate::seal_state::barrier_err)?;
        self.membership.set_root_key(Some(&new_root));
        self.note_wrapped_root_key(seen);
        tracing::info!(
            seal = stored.seal_type.as_str(),
            "security barrier rekeyed: a new root key, wrapped by the seal"
        );
        Ok(())
    }

    /// Puts the new key in effect, in one batch: the root key wrapped by `new_kek` with
    /// `config` (unseal keys), or the new recovery key and its configuration.
    async fn store_rekeyed(
        &self,
        config: &SealConfig,
        new_kek: &Key32,
        root_key: &Key32,
        recovery: bool,
    ) -> Result<(), Error> {
        let ops = if recovery {
            Self::recovery_ops(config, new_kek, root_key)?
        } else {
            let wrapped = arca_seal::wrap_root_key(new_kek, root_key).map_err(Error::internal)?;
            vec![
                Op::Put {
                    key: ROOT_KEY_KEY.into(),
                    value: wrapped,
                },
                Op::Put {
                    key: SEAL_CONFIG_KEY.into(),
                    value: serde_json::to_vec(config)?,
                },
            ]
        };
        self.physical
            .commit(Batch {
                conditions: vec![],
                ops,
            })
            .await
            .map_err(Error::storage)?;
        tracing::info!(
            shares = config.secret_shares,
            threshold = config.secret_threshold,
            recovery,
            "rekey complete: the new keys are in effect"
        );
        Ok(())
    }
}

fn no_verification() -> Error {
    Error::bad_request("no rekey verification in progress")
}

fn status_of(op: Option<&RekeyOp>, required: usize) -> RekeyStatus {
    match op {
        None => RekeyStatus {
            nonce: String::new(),
            started: false,
            t: 0,
            n: 0,
            progress: 0,
            required,
            verification_required: false,
            verification_nonce: String::new(),
        },
        Some(op) => RekeyStatus {
            nonce: op.nonce.clone(),
            started: true,
            t: op.new_config.secret_threshold,
            n: op.new_config.secret_shares,
            // Once the new keys are handed out the old quorum is complete.
            progress: if op.pending.is_some() {
                required
            } else {
                op.progress.progress()
            },
            required,
            verification_required: op.verification_required,
            verification_nonce: op
                .pending
                .as_ref()
                .map(|p| p.nonce.clone())
                .unwrap_or_default(),
        },
    }
}

fn verify_status_of(op: &RekeyOp) -> Result<RekeyVerifyStatus, Error> {
    let pending = op.pending.as_ref().ok_or_else(no_verification)?;
    Ok(RekeyVerifyStatus {
        nonce: pending.nonce.clone(),
        started: true,
        t: op.new_config.secret_threshold,
        n: op.new_config.secret_shares,
        progress: pending.progress.progress(),
    })
}
