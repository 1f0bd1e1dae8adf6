//! Auto-unseal seals (static, transit) and seal migration.
//!
//! With an auto-unseal seal the root key is wrapped by the seal itself, so the node
//! unseals at start without operators; operators hold *recovery keys* instead, whose
//! combined key is stored encrypted under the root key ([`RECOVERY_KEY_KEY`]) so it can
//! be checked, and which authorise rekeying them, root token generation and unsealing
//! after a manual seal. Their share configuration is [`RECOVERY_CONFIG_KEY`].
//!
//! Seal migration follows Vault: the stored seal and the configured one differ (a new
//! `seal` stanza over a Shamir cluster, or the stanza marked `disabled = true`), the
//! node reports `migration: true` ([`SealMode::is_migration`]), does not unseal itself,
//! and the operator unseals it with the old keys and `migrate`; `crate::seal_migration`
//! then rewraps the root key for the new seal (on the active node) and the old unseal
//! keys become recovery keys (Shamir → auto), or the recovery keys become unseal keys
//! (auto → Shamir).

use std::sync::Arc;

use arca_crypto::{Key32, ct_eq};
use arca_sdk::Error;
use arca_seal::{Seal, SealConfig};
use arca_storage::Op;

use crate::{Core, seal_state::ROOT_KEY_KEY};

/// Physical key of the recovery-key share configuration (plaintext JSON).
pub const RECOVERY_CONFIG_KEY: &str = "core/recovery-config";
/// Physical key of the recovery key, encrypted under the root key.
pub const RECOVERY_KEY_KEY: &str = "core/recovery-key";
/// Associated data of the stored recovery key.
const RECOVERY_AAD: &[u8] = b"arca/recovery-key";

/// The seal named in the server configuration.
pub struct ConfiguredSeal {
    /// The seal.
    pub seal: Arc<dyn Seal>,
    /// `disabled = true`: only kept to migrate away from it.
    pub disabled: bool,
}

/// How this node's stored seal and its configured seal relate.
pub(crate) enum SealMode {
    /// Shamir stored, no (enabled) seal configured.
    Shamir,
    /// The configured auto seal is the stored one.
    Auto(Arc<dyn Seal>),
    /// Shamir stored, an auto seal configured: migrate to it.
    MigrateToAuto(Arc<dyn Seal>),
    /// An auto seal stored and configured `disabled`: migrate to Shamir.
    MigrateToShamir(Arc<dyn Seal>),
    /// An auto seal stored but not configured (or another one): cannot unseal.
    Missing(String),
}

impl SealMode {
    /// True while a seal migration is pending (`sys/seal-status` `migration`).
    pub(crate) fn is_migration(&self) -> bool {
        matches!(
            self,
            SealMode::MigrateToAuto(_) | SealMode::MigrateToShamir(_)
        )
    }
}

impl Core {
    /// Installs the seal from the server configuration (once, before serving).
    pub fn set_seal(&self, seal: ConfiguredSeal) -> Result<(), Error> {
        self.configured_seal
            .set(seal)
            .map_err(|_| Error::internal("the seal is already configured"))
    }

    /// The seal type the configuration asks for (`shamir` without a seal stanza).
    pub fn configured_seal_type(&self) -> &'static str {
        match self.configured_seal.get() {
            Some(c) if !c.disabled => c.seal.seal_type(),
            _ => arca_seal::SEAL_TYPE_SHAMIR,
        }
    }

    /// The enabled auto seal, if one is configured.
    pub(crate) fn enabled_auto_seal(&self) -> Option<Arc<dyn Seal>> {
        self.configured_seal
            .get()
            .filter(|c| !c.disabled)
            .map(|c| c.seal.clone())
    }

    pub(crate) fn seal_mode(&self, stored: &SealConfig) -> SealMode {
        let configured = self.configured_seal.get();
        match (stored.is_auto(), configured) {
            (false, Some(c)) if !c.disabled => SealMode::MigrateToAuto(c.seal.clone()),
            (false, _) => SealMode::Shamir,
            (true, Some(c)) if c.seal.seal_type() == stored.seal_type => {
                if c.disabled {
                    SealMode::MigrateToShamir(c.seal.clone())
                } else {
                    SealMode::Auto(c.seal.clone())
                }
            }
            (true, _) => SealMode::Missing(stored.seal_type.clone()),
        }
    }

    /// The stored recovery-key configuration (auto-unseal seals only).
    pub(crate) async fn read_recovery_config(&self) -> Result<Option<SealConfig>, Error> {
        match self
            .physical
            .get(RECOVERY_CONFIG_KEY)
            .await
            .map_err(Error::storage)?
        {
            Some(b) => Ok(Some(serde_json::from_slice(&b).map_err(|e| {
                Error::internal(format!("decoding recovery configuration: {e}"))
            })?)),
            None => Ok(None),
        }
    }

    /// The share configuration operators hold keys of: the recovery configuration
    /// with an auto-unseal seal, the seal configuration with Shamir.
    pub(crate) async fn key_holder_config(&self, stored: &SealConfig) -> Result<SealConfig, Error> {
        if stored.is_auto() {
            self.read_recovery_config()
                .await?
                .ok_or_else(|| Error::internal("recovery configuration is missing"))
        } else {
            Ok(stored.clone())
        }
    }

    /// Checks a combined recovery key against the stored one (needs the root key).
    pub(crate) async fn check_recovery_key(
        &self,
        candidate: &Key32,
        root_key: &Key32,
    ) -> Result<(), Error> {
        let blob = self
            .physical
            .get(RECOVERY_KEY_KEY)
            .await
            .map_err(Error::storage)?
            .ok_or_else(|| Error::internal("recovery key is missing"))?;
        let stored = arca_crypto::open(root_key, &blob, RECOVERY_AAD)
            .map_err(|_| Error::internal("the stored recovery key cannot be read"))?;
        if !ct_eq(&stored, candidate.as_bytes()) {
            tracing::warn!("recovery key shares given are wrong");
            return Err(Error::bad_request(
                "recovery key verification failed: the given key shares are wrong",
            ));
        }
        Ok(())
    }

    /// Combined key shares → the root key, whatever the seal: with Shamir the shares
    /// unwrap the stored root key; with an auto seal they must match the recovery key
    /// and the root key comes from the seal (or memory when unsealed).
    pub(crate) async fn root_key_from_key_holders(
        &self,
        stored: &SealConfig,
        combined: &Key32,
    ) -> Result<Key32, Error> {
        if !stored.is_auto() {
            return self.root_key_from_kek(combined).await;
        }
        let root_key = match self.membership.root_key() {
            Some(k) => k,
            None => self.root_key_from_seal(stored).await?,
        };
        self.check_recovery_key(combined, &root_key).await?;
        Ok(root_key)
    }

    /// Asks the configured seal (enabled or disabled) to unwrap the stored root key.
    pub(crate) async fn root_key_from_seal(&self, stored: &SealConfig) -> Result<Key32, Error> {
        let seal = match self.seal_mode(stored) {
            SealMode::Auto(s) | SealMode::MigrateToShamir(s) => s,
            SealMode::Missing(t) => return Err(missing_seal(&t)),
            SealMode::Shamir | SealMode::MigrateToAuto(_) => {
                return Err(Error::internal("the root key is not held by an auto seal"));
            }
        };
        let wrapped = self.wrapped_root_key().await?;
        let root_key = seal.unwrap_root_key(&wrapped).await.map_err(|e| match e {
            arca_seal::SealError::Backend(m) => Error::Unavailable(m),
            other => Error::internal(format!("unwrapping the root key: {other}")),
        })?;
        self.note_wrapped_root_key(arca_storage::fingerprint(&wrapped));
        Ok(root_key)
    }

    /// Remembers which wrapped root key this node's barrier key came from.
    pub(crate) fn note_wrapped_root_key(&self, fingerprint: [u8; 32]) {
        *self.root_key_seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(fingerprint);
    }

    /// On an unsealed node with an auto seal: when the stored wrapped root key is not
    /// the one this node unsealed with (a barrier rekey on the active node), unwraps it
    /// with the seal and adopts it, so the keyring stays readable after the next key
    /// rotation. Returns true when it adopted a new key.
    pub(crate) async fn follow_root_key(&self) -> Result<bool, Error> {
        // Shamir nodes (most) do not even read storage.
        if self.enabled_auto_seal().is_none() || self.is_sealed() || self.pending_join().is_some() {
            return Ok(false);
        }
        let Some(stored) = self.read_seal_config().await? else {
            return Ok(false);
        };
        let SealMode::Auto(seal) = self.seal_mode(&stored) else {
            return Ok(false);
        };
        let wrapped = self.wrapped_root_key().await?;
        let seen = arca_storage::fingerprint(&wrapped);
        if *self.root_key_seen.lock().unwrap_or_else(|p| p.into_inner()) == Some(seen) {
            return Ok(false);
        }
        let root_key = seal.unwrap_root_key(&wrapped).await.map_err(seal_err)?;
        let adopted = self
            .barrier
            .adopt_root_key(&root_key)
            .await
            .map_err(crate::seal_state::barrier_err)?;
        if adopted {
            self.membership.set_root_key(Some(&root_key));
            tracing::info!("adopted the root key of a barrier rekey made on the active node");
        }
        self.note_wrapped_root_key(seen);
        Ok(adopted)
    }

    pub(crate) async fn wrapped_root_key(&self) -> Result<Vec<u8>, Error> {
        self.physical
            .get(ROOT_KEY_KEY)
            .await
            .map_err(Error::storage)?
            .ok_or_else(|| Error::internal("wrapped root key is missing"))
    }

    /// Unseals with the configured auto seal, as a node does at start (or once it has
    /// received a raft join challenge from a cluster using the same seal). `Ok(false)`
    /// when there is nothing to do (not initialised, already unsealed, Shamir, a
    /// migration pending, which needs an operator, or a join still replicating).
    pub async fn auto_unseal(&self) -> Result<bool, Error> {
        if !self.is_sealed() {
            return Ok(false);
        }
        // Joining a cluster whose root key this node's seal can unwrap.
        if let Some(pending) = self.pending_join() {
            return match self.enabled_auto_seal() {
                Some(seal) if pending.seal_config.seal_type == seal.seal_type() => {
                    self.unseal_joining_auto(pending, seal).await
                }
                _ => Ok(false),
            };
        }
        let Some(stored) = self.read_seal_config().await? else {
            return Ok(false);
        };
        match self.seal_mode(&stored) {
            SealMode::Auto(_) => {}
            SealMode::Missing(t) => return Err(missing_seal(&t)),
            _ => return Ok(false),
        }
        let root_key = self.root_key_from_seal(&stored).await?;
        self.finish_unseal(&root_key).await?;
        Ok(true)
    }

    /// Stores a new recovery key and its configuration (init, rekey, migration).
    pub(crate) fn recovery_ops(
        config: &SealConfig,
        recovery_key: &Key32,
        root_key: &Key32,
    ) -> Result<Vec<Op>, Error> {
        let sealed = arca_crypto::seal(root_key, recovery_key.as_bytes(), RECOVERY_AAD)
            .map_err(Error::internal)?;
        Ok(vec![
            Op::Put {
                key: RECOVERY_CONFIG_KEY.into(),
                value: serde_json::to_vec(config)?,
            },
            Op::Put {
                key: RECOVERY_KEY_KEY.into(),
                value: sealed,
            },
        ])
    }
}

/// A seal failure as a request error: unreachable seal → 503, others → 500.
pub(crate) fn seal_err(e: arca_seal::SealError) -> Error {
    match e {
        arca_seal::SealError::Backend(m) => Error::Unavailable(m),
        other => Error::internal(format!("seal: {other}")),
    }
}

fn missing_seal(stored_type: &str) -> Error {
    Error::Unavailable(format!(
        "the root key is protected by a {stored_type:?} seal, but no such seal is configured"
    ))
}
