//! Secret IDs in storage.
//!
//! An entry lives at `secret_id/<hmac(role name)>/<hmac(secret id)>` (under
//! `secret_id_local/` for roles with `local_secret_ids`), both HMACs keyed by the
//! role's own key, so the secret never appears in storage. Its accessor, a public
//! handle that can look the entry up or destroy it, is indexed at `accessor/<accessor>`.

use std::collections::BTreeMap;

use arca_crypto::ct_eq;
use arca_sdk::{Error, Map, Storage, StorageExt};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{AppRoleError, ids, role::RoleEntry, timefmt::rfc3339_nanos};

/// What is stored about one secret ID. Times are Unix nanoseconds; an
/// `expiration_time` of 0 means "never".
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct SecretIdEntry {
    /// The HMAC this entry is filed under, checked again on login.
    pub secret_id_hmac: String,
    pub secret_id_accessor: String,
    /// Logins left; 0: unlimited.
    pub secret_id_num_uses: u64,
    /// Seconds the secret ID was issued for; 0: no expiry.
    pub secret_id_ttl: u64,
    pub creation_time: i64,
    pub expiration_time: i64,
    pub last_updated_time: i64,
    pub metadata: BTreeMap<String, String>,
    pub cidr_list: Vec<String>,
    pub token_bound_cidrs: Vec<String>,
}

impl SecretIdEntry {
    /// True once the secret ID's TTL has run out.
    pub(crate) fn is_expired(&self, now: i64) -> bool {
        self.expiration_time != 0 && now >= self.expiration_time
    }

    /// The properties Vault shows on lookups (never the secret itself).
    pub(crate) fn to_response_data(&self) -> Map {
        let value = json!({
            "secret_id_accessor": self.secret_id_accessor,
            "secret_id_num_uses": self.secret_id_num_uses,
            "secret_id_ttl": self.secret_id_ttl,
            "creation_time": rfc3339_nanos(self.creation_time),
            "expiration_time": rfc3339_nanos(self.expiration_time),
            "last_updated_time": rfc3339_nanos(self.last_updated_time),
            "metadata": self.metadata,
            "cidr_list": self.cidr_list,
            "token_bound_cidrs": self.token_bound_cidrs,
        });
        match value {
            serde_json::Value::Object(m) => m,
            _ => Map::new(),
        }
    }
}

/// The accessor index entry: where the secret ID it stands for is filed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AccessorEntry {
    pub secret_id_hmac: String,
    pub role_hmac: String,
}

/// Storage prefixes of shared and cluster-local secret IDs and accessors.
pub(crate) const PREFIXES: [(&str, &str); 2] = [
    ("secret_id/", "accessor/"),
    ("secret_id_local/", "accessor_local/"),
];

/// The secret IDs of one role.
pub(crate) struct SecretIdStore {
    key: String,
    role_hmac: String,
    prefix: &'static str,
    accessor_prefix: &'static str,
}

impl SecretIdStore {
    /// The store of role `name` (normalised).
    pub(crate) fn new(role: &RoleEntry, name: &str) -> Result<Self, Error> {
        let (prefix, accessor_prefix) = PREFIXES[usize::from(role.local_secret_ids)];
        Ok(SecretIdStore {
            role_hmac: ids::hmac_hex(&role.hmac_key, name)?,
            key: role.hmac_key.clone(),
            prefix,
            accessor_prefix,
        })
    }

    /// The folder holding this role's entries.
    pub(crate) fn role_dir(&self) -> String {
        format!("{}{}/", self.prefix, self.role_hmac)
    }

    fn entry_key(&self, secret_hmac: &str) -> String {
        format!("{}{}", self.role_dir(), secret_hmac)
    }

    fn accessor_key(&self, accessor: &str) -> Option<String> {
        ids::is_safe_segment(accessor).then(|| format!("{}{accessor}", self.accessor_prefix))
    }

    /// The entry of `secret_id` with its HMAC, if this role issued it.
    pub(crate) async fn find(
        &self,
        storage: &dyn Storage,
        secret_id: &str,
    ) -> Result<Option<(String, SecretIdEntry)>, Error> {
        let hmac = ids::hmac_hex(&self.key, secret_id)?;
        Ok(self.load(storage, &hmac).await?.map(|e| (hmac, e)))
    }

    /// The entry filed under `secret_hmac`. An entry whose recorded HMAC differs (a
    /// corrupted or misplaced record) counts as absent; the comparison is constant-time.
    pub(crate) async fn load(
        &self,
        storage: &dyn Storage,
        secret_hmac: &str,
    ) -> Result<Option<SecretIdEntry>, Error> {
        let entry: Option<SecretIdEntry> = storage.get_json(&self.entry_key(secret_hmac)).await?;
        Ok(entry.filter(|e| ct_eq(e.secret_id_hmac.as_bytes(), secret_hmac.as_bytes())))
    }

    /// Stores a new secret ID and its accessor. Refuses a secret ID already issued.
    pub(crate) async fn register(
        &self,
        storage: &dyn Storage,
        secret_id: &str,
        mut entry: SecretIdEntry,
    ) -> Result<SecretIdEntry, Error> {
        let hmac = ids::hmac_hex(&self.key, secret_id)?;
        if storage.get(&self.entry_key(&hmac)).await?.is_some() {
            return Err(AppRoleError::Invalid(
                "failed to store secret_id: SecretID is already registered".into(),
            )
            .into());
        }
        entry.secret_id_hmac = hmac.clone();
        entry.secret_id_accessor = ids::new_uuid();
        let accessor_key = self
            .accessor_key(&entry.secret_id_accessor)
            .ok_or_else(|| Error::internal("generated accessor is not a safe key"))?;
        storage
            .put_json(
                &accessor_key,
                &AccessorEntry {
                    secret_id_hmac: hmac.clone(),
                    role_hmac: self.role_hmac.clone(),
                },
            )
            .await?;
        self.save(storage, &entry).await?;
        Ok(entry)
    }

    /// Writes an updated entry back (e.g. a decremented use count).
    pub(crate) async fn save(
        &self,
        storage: &dyn Storage,
        entry: &SecretIdEntry,
    ) -> Result<(), Error> {
        storage
            .put_json(&self.entry_key(&entry.secret_id_hmac), entry)
            .await
    }

    /// Deletes an entry and its accessor.
    pub(crate) async fn remove(
        &self,
        storage: &dyn Storage,
        entry: &SecretIdEntry,
    ) -> Result<(), Error> {
        self.delete_accessor(storage, &entry.secret_id_accessor)
            .await?;
        storage.delete(&self.entry_key(&entry.secret_id_hmac)).await
    }

    /// The accessor entry, if it exists and belongs to this role.
    pub(crate) async fn accessor(
        &self,
        storage: &dyn Storage,
        accessor: &str,
    ) -> Result<Option<AccessorEntry>, Error> {
        let Some(key) = self.accessor_key(accessor) else {
            return Ok(None);
        };
        let entry: Option<AccessorEntry> = storage.get_json(&key).await?;
        Ok(entry.filter(|a| a.role_hmac == self.role_hmac))
    }

    /// Deletes an accessor index entry (missing is fine).
    pub(crate) async fn delete_accessor(
        &self,
        storage: &dyn Storage,
        accessor: &str,
    ) -> Result<(), Error> {
        match self.accessor_key(accessor) {
            Some(key) => storage.delete(&key).await,
            None => Ok(()),
        }
    }

    /// The accessors of every secret ID of this role, sorted.
    pub(crate) async fn list_accessors(&self, storage: &dyn Storage) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for hmac in storage.list(&self.role_dir()).await? {
            if let Some(entry) = self.load(storage, &hmac).await? {
                out.push(entry.secret_id_accessor);
            }
        }
        out.sort();
        Ok(out)
    }
}
