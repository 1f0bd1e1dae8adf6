//! A named key (Vault calls it a policy): its versions and its configuration, stored as
//! one JSON document under `policy/<name>` in the mount's storage.

use std::collections::BTreeMap;

use arca_sdk::{Error, Map, Storage, StorageExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::{ecdsa, ed25519, error::TransitError, keytype::KeyType, material::KeyEntry};

/// Storage prefix of the key documents.
pub const POLICY_PREFIX: &str = "policy/";
/// The only key derivation function of new keys (Vault's `hkdf_sha256`).
pub const KDF_HKDF_SHA256: &str = "hkdf_sha256";
/// Convergent scheme version: nonce from an HMAC key derived with the encryption key.
pub const CONVERGENT_VERSION: u32 = 3;
/// Default and bounds of `key_size` for HMAC keys (bytes).
pub const HMAC_DEFAULT_KEY_SIZE: usize = 32;
/// Smallest HMAC key Vault accepts.
pub const HMAC_MIN_KEY_SIZE: usize = 32;
/// Largest HMAC key Vault accepts.
pub const HMAC_MAX_KEY_SIZE: usize = 512;
/// `auto_rotate_period` is 0 (off) or at least an hour.
pub const MIN_AUTO_ROTATE_SECS: u64 = 3600;

/// The parameters of key creation (`keys/:name` and the upsert of `encrypt`).
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub derived: bool,
    pub convergent: bool,
    pub exportable: bool,
    pub allow_plaintext_backup: bool,
    pub auto_rotate_period: u64,
    /// Bytes, HMAC keys only; 0 for the default.
    pub key_size: usize,
}

/// Records of the last backup or restore (shown in key reads).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OperationInfo {
    pub time: String,
    pub version: u64,
}

/// A named key and all its versions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    #[serde(rename = "type")]
    pub key_type: KeyType,
    pub derived: bool,
    #[serde(default)]
    pub kdf: String,
    pub convergent_encryption: bool,
    #[serde(default)]
    pub convergent_version: u32,
    pub exportable: bool,
    pub deletion_allowed: bool,
    pub allow_plaintext_backup: bool,
    pub min_decryption_version: u64,
    pub min_encryption_version: u64,
    #[serde(default)]
    pub min_available_version: u64,
    pub latest_version: u64,
    /// Seconds; 0 disables automatic rotation.
    pub auto_rotate_period: u64,
    /// Bytes (HMAC keys), 0 otherwise.
    #[serde(default)]
    pub key_size: usize,
    pub keys: BTreeMap<u64, KeyEntry>,
    #[serde(default)]
    pub backup_info: Option<OperationInfo>,
    #[serde(default)]
    pub restore_info: Option<OperationInfo>,
}

impl Policy {
    /// A new key with its first version, after Vault's validation of the options.
    pub fn create(
        name: &str,
        kind: KeyType,
        opts: &CreateOptions,
        now: OffsetDateTime,
    ) -> Result<Self, TransitError> {
        if opts.auto_rotate_period != 0 && opts.auto_rotate_period < MIN_AUTO_ROTATE_SECS {
            return Err(TransitError::invalid(
                "auto rotate period must be 0 to disable or at least an hour",
            ));
        }
        if opts.convergent && !opts.derived {
            return Err(TransitError::invalid(
                "convergent encryption requires derivation to be enabled",
            ));
        }
        if opts.key_size != 0 {
            if kind != KeyType::Hmac {
                return Err(TransitError::invalid(format!(
                    "key_size is not valid for algorithm {kind}"
                )));
            }
            if !(HMAC_MIN_KEY_SIZE..=HMAC_MAX_KEY_SIZE).contains(&opts.key_size) {
                return Err(TransitError::invalid(format!(
                    "invalid key_size {}",
                    opts.key_size
                )));
            }
        }
        match kind {
            _ if kind.is_aead() => {}
            KeyType::Ed25519 if opts.convergent => {
                return Err(TransitError::invalid(format!(
                    "convergent encryption not supported for keys of type {kind}"
                )));
            }
            KeyType::Ed25519 => {}
            _ if opts.derived || opts.convergent => {
                return Err(TransitError::invalid(format!(
                    "key derivation and convergent encryption not supported for keys of type {kind}"
                )));
            }
            _ => {}
        }
        let key_size = match kind {
            KeyType::Hmac if opts.key_size == 0 => HMAC_DEFAULT_KEY_SIZE,
            KeyType::Hmac => opts.key_size,
            _ => 0,
        };
        let mut p = Policy {
            name: name.to_string(),
            key_type: kind,
            derived: opts.derived,
            kdf: if opts.derived {
                KDF_HKDF_SHA256.into()
            } else {
                String::new()
            },
            convergent_encryption: opts.convergent,
            convergent_version: if opts.convergent {
                CONVERGENT_VERSION
            } else {
                0
            },
            exportable: opts.exportable,
            deletion_allowed: false,
            allow_plaintext_backup: opts.allow_plaintext_backup,
            min_decryption_version: 1,
            min_encryption_version: 0,
            min_available_version: 0,
            latest_version: 0,
            auto_rotate_period: opts.auto_rotate_period,
            key_size,
            keys: BTreeMap::new(),
            backup_info: None,
            restore_info: None,
        };
        p.rotate(now)?;
        Ok(p)
    }

    /// Storage key of the document of key `name`.
    pub fn storage_key(name: &str) -> String {
        format!("{POLICY_PREFIX}{name}")
    }

    /// Loads key `name`, or `None`.
    pub async fn load(storage: &dyn Storage, name: &str) -> Result<Option<Self>, Error> {
        storage.get_json(&Self::storage_key(name)).await
    }

    /// Stores the key (one atomic write with the rest of the request).
    pub async fn save(&self, storage: &dyn Storage) -> Result<(), Error> {
        storage.put_json(&Self::storage_key(&self.name), self).await
    }

    /// Adds a new latest version.
    pub fn rotate(&mut self, now: OffsetDateTime) -> Result<(), TransitError> {
        let entry = KeyEntry::generate(self.key_type, self.key_size, now)?;
        self.latest_version += 1;
        self.keys.insert(self.latest_version, entry);
        Ok(())
    }

    /// Rotates when `auto_rotate_period` has passed since the latest version was made.
    /// Arca has no background worker for engines yet, so this runs when a key is used.
    pub fn rotate_if_due(&mut self, now: OffsetDateTime) -> Result<bool, TransitError> {
        if self.auto_rotate_period == 0 {
            return Ok(false);
        }
        let Some(latest) = self.keys.get(&self.latest_version) else {
            return Ok(false);
        };
        let age = now - latest.created();
        if age.whole_seconds() < 0 || (age.whole_seconds() as u64) < self.auto_rotate_period {
            return Ok(false);
        }
        self.rotate(now)?;
        Ok(true)
    }

    /// The entry of `version` ("no such key version" after a trim).
    pub fn entry(&self, version: u64) -> Result<&KeyEntry, TransitError> {
        self.keys
            .get(&version)
            .ok_or_else(|| TransitError::invalid("no such key version"))
    }

    /// The version to encrypt, sign or HMAC with: `requested` (0 for the latest) within
    /// the latest version and `min_encryption_version`. `op` names the operation in
    /// Vault's texts ("encryption", "signing").
    pub fn version_for_use(&self, requested: i64, op: &str) -> Result<u64, TransitError> {
        if requested == 0 {
            return Ok(self.latest_version);
        }
        if requested < 0 {
            return Err(TransitError::invalid(format!(
                "requested version for {op} is negative"
            )));
        }
        let v = requested as u64;
        if v > self.latest_version {
            return Err(TransitError::invalid(format!(
                "requested version for {op} is higher than the latest key version"
            )));
        }
        if self.min_encryption_version > 0 && v < self.min_encryption_version {
            return Err(TransitError::invalid(format!(
                "requested version for {op} is less than the minimum encryption key version"
            )));
        }
        Ok(v)
    }

    /// Checks a version found in a ciphertext or signature: not newer than the latest,
    /// not older than `min_decryption_version`. `what` names the value in errors.
    pub fn version_for_read(&self, version: i64, what: &'static str) -> Result<u64, TransitError> {
        if version > self.latest_version as i64 {
            return Err(TransitError::TooNew(what));
        }
        if version < self.min_decryption_version as i64 || version < 1 {
            return Err(TransitError::TooOld);
        }
        Ok(version as u64)
    }

    /// The versions a read or an export shows: those still allowed to decrypt.
    pub fn live_versions(&self) -> impl Iterator<Item = (u64, &KeyEntry)> {
        self.keys
            .range(self.min_decryption_version..)
            .map(|(v, e)| (*v, e))
    }

    /// The key as Vault's `GET keys/:name` shows it. `context` gives the public key of a
    /// derived Ed25519 key.
    pub fn info(&self, context: Option<&[u8]>) -> Result<Map, TransitError> {
        let kind = self.key_type;
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("type".into(), json!(kind.as_str()));
        m.insert("derived".into(), json!(self.derived));
        m.insert("deletion_allowed".into(), json!(self.deletion_allowed));
        m.insert(
            "min_available_version".into(),
            json!(self.min_available_version),
        );
        m.insert(
            "min_decryption_version".into(),
            json!(self.min_decryption_version),
        );
        m.insert(
            "min_encryption_version".into(),
            json!(self.min_encryption_version),
        );
        m.insert("latest_version".into(), json!(self.latest_version));
        m.insert("exportable".into(), json!(self.exportable));
        m.insert(
            "allow_plaintext_backup".into(),
            json!(self.allow_plaintext_backup),
        );
        m.insert(
            "supports_encryption".into(),
            json!(kind.supports_encryption()),
        );
        m.insert(
            "supports_decryption".into(),
            json!(kind.supports_decryption()),
        );
        m.insert("supports_signing".into(), json!(kind.supports_signing()));
        m.insert(
            "supports_derivation".into(),
            json!(kind.supports_derivation()),
        );
        m.insert("auto_rotate_period".into(), json!(self.auto_rotate_period));
        m.insert("imported_key".into(), json!(false));
        if self.key_size != 0 {
            m.insert("key_size".into(), json!(self.key_size));
        }
        if let Some(b) = &self.backup_info {
            m.insert("backup_info".into(), json!(b));
        }
        if let Some(r) = &self.restore_info {
            m.insert("restore_info".into(), json!(r));
        }
        if self.derived {
            m.insert("kdf".into(), json!(KDF_HKDF_SHA256));
            m.insert(
                "convergent_encryption".into(),
                json!(self.convergent_encryption),
            );
            if self.convergent_encryption {
                m.insert(
                    "convergent_encryption_version".into(),
                    json!(self.convergent_version),
                );
            }
        }
        if kind.is_aead() {
            let keys: Map = self
                .live_versions()
                .map(|(v, e)| (v.to_string(), json!(e.creation_time)))
                .collect();
            m.insert("keys".into(), Value::Object(keys));
        } else if kind.supports_signing() {
            let mut keys = Map::new();
            for (v, e) in self.live_versions() {
                keys.insert(v.to_string(), self.public_entry(e, context)?);
            }
            m.insert("keys".into(), Value::Object(keys));
        }
        Ok(m)
    }

    fn public_entry(&self, e: &KeyEntry, context: Option<&[u8]>) -> Result<Value, TransitError> {
        let kind = self.key_type;
        let name = match kind {
            KeyType::EcdsaP256 | KeyType::EcdsaP384 => ecdsa::curve_name(kind),
            other => other.as_str(),
        };
        let public_key = match (kind, self.derived, context) {
            (KeyType::Ed25519, true, Some(ctx)) if !ctx.is_empty() => {
                let seed = crate::kdf::derive(e.key.as_slice(), ctx, ed25519::SEED_LEN)?;
                ed25519::public_key_b64(&seed)?
            }
            (KeyType::Ed25519, true, _) => String::new(),
            _ => e.public_key.clone(),
        };
        Ok(json!({
            "name": name,
            "public_key": public_key,
            "certificate_chain": "",
            "creation_time": e.time,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    #[test]
    fn create_validates_like_vault() {
        let opts = |f: fn(&mut CreateOptions)| {
            let mut o = CreateOptions::default();
            f(&mut o);
            o
        };
        let err = |kind, o: CreateOptions| {
            Policy::create("k", kind, &o, now())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(KeyType::Aes256Gcm96, opts(|o| o.convergent = true)),
            "convergent encryption requires derivation to be enabled"
        );
        assert_eq!(
            err(KeyType::EcdsaP256, opts(|o| o.derived = true)),
            "key derivation and convergent encryption not supported for keys of type ecdsa-p256"
        );
        assert_eq!(
            err(KeyType::Aes256Gcm96, opts(|o| o.auto_rotate_period = 60)),
            "auto rotate period must be 0 to disable or at least an hour"
        );
        assert_eq!(
            err(KeyType::Aes256Gcm96, opts(|o| o.key_size = 64)),
            "key_size is not valid for algorithm aes256-gcm96"
        );
        assert_eq!(
            err(KeyType::Hmac, opts(|o| o.key_size = 8)),
            "invalid key_size 8"
        );
        let p = Policy::create("k", KeyType::Hmac, &CreateOptions::default(), now()).unwrap();
        assert_eq!(p.key_size, 32);
        assert_eq!(p.latest_version, 1);
        assert_eq!(p.min_decryption_version, 1);
    }

    #[test]
    fn versions_and_auto_rotation() {
        let o = CreateOptions {
            auto_rotate_period: 3600,
            ..Default::default()
        };
        let t0 = now();
        let mut p = Policy::create("k", KeyType::Aes256Gcm96, &o, t0).unwrap();
        assert!(!p.rotate_if_due(t0 + time::Duration::minutes(59)).unwrap());
        assert!(p.rotate_if_due(t0 + time::Duration::hours(2)).unwrap());
        assert_eq!(p.latest_version, 2);
        assert_eq!(p.version_for_use(0, "encryption").unwrap(), 2);
        assert_eq!(p.version_for_use(1, "encryption").unwrap(), 1);
        p.min_encryption_version = 2;
        assert_eq!(
            p.version_for_use(1, "encryption").unwrap_err().to_string(),
            "requested version for encryption is less than the minimum encryption key version"
        );
        assert!(p.version_for_use(3, "encryption").is_err());
        assert!(p.version_for_use(-1, "encryption").is_err());
        p.min_decryption_version = 2;
        assert_eq!(
            p.version_for_read(1, "ciphertext"),
            Err(TransitError::TooOld)
        );
        assert_eq!(
            p.version_for_read(3, "ciphertext"),
            Err(TransitError::TooNew("ciphertext"))
        );
        assert_eq!(p.live_versions().count(), 1);
    }

    #[test]
    fn json_round_trip_keeps_keys() {
        let p = Policy::create(
            "k",
            KeyType::ChaCha20Poly1305,
            &CreateOptions::default(),
            now(),
        )
        .unwrap();
        let bytes = serde_json::to_vec(&p).unwrap();
        let back: Policy = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back.keys[&1].key, p.keys[&1].key);
        assert!(!format!("{back:?}").contains(&format!("{:?}", p.keys[&1].key.as_slice())));
    }
}
