//! The role entry and its storage: `role/<name>` holds the role, `role_id/<hmac>`
//! maps a role ID back to its role name (the index a login starts from).

use arca_sdk::{Error, Storage, StorageExt, storage::delete_prefix, tokenutil::TokenParams};
use serde::{Deserialize, Serialize};

use crate::{
    AppRoleError,
    ids::{self, MAX_HMAC_INPUT},
    secret_id::SecretIdStore,
};

/// Everything set on a role. `hmac_key` keys the hashes of this role's secret IDs, so
/// it is never shown to clients.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct RoleEntry {
    #[serde(flatten)]
    pub token: TokenParams,
    pub role_id: String,
    pub hmac_key: String,
    pub bind_secret_id: bool,
    pub secret_id_bound_cidrs: Vec<String>,
    pub secret_id_num_uses: u64,
    /// Seconds; 0: secret IDs do not expire.
    pub secret_id_ttl: u64,
    /// Secret IDs of this role stay on this cluster (set only at creation).
    pub local_secret_ids: bool,
}

#[derive(Serialize, Deserialize)]
struct RoleIdIndex {
    name: String,
}

/// Role names are case-insensitive, as for roles Vault created since 0.9.
pub(crate) fn normalize_name(raw: &str) -> Result<String, Error> {
    if raw.is_empty() {
        return Err(AppRoleError::MissingRoleName.into());
    }
    if raw.len() > MAX_HMAC_INPUT {
        return Err(AppRoleError::Invalid(format!(
            "role_name is longer than maximum of {MAX_HMAC_INPUT} bytes"
        ))
        .into());
    }
    Ok(raw.to_lowercase())
}

fn role_key(name: &str) -> String {
    format!("role/{name}")
}

impl RoleEntry {
    /// The role `name` (already normalised), if it exists.
    pub(crate) async fn load(storage: &dyn Storage, name: &str) -> Result<Option<Self>, Error> {
        storage.get_json(&role_key(name)).await
    }

    /// Vault's `validateRoleConstraints`: a role must require a secret ID or bind logins
    /// or tokens to CIDR blocks.
    pub(crate) fn check_constraints(&self) -> Result<(), Error> {
        if self.bind_secret_id
            || !self.secret_id_bound_cidrs.is_empty()
            || !self.token.token_bound_cidrs.is_empty()
        {
            Ok(())
        } else {
            Err(AppRoleError::NoConstraint.into())
        }
    }

    /// Stores the role and keeps the role-ID index in step (`previous_role_id` is the
    /// ID before this write, empty for a new role). A role ID used by another role is
    /// refused.
    pub(crate) async fn save(
        &self,
        storage: &dyn Storage,
        name: &str,
        previous_role_id: &str,
    ) -> Result<(), Error> {
        self.check_constraints()?;
        if self.role_id.is_empty() {
            return Err(AppRoleError::Invalid(
                "invalid role_id supplied, or failed to generate a role_id".into(),
            )
            .into());
        }
        let salt = ids::salt_or_create(storage).await?;
        let index_key = index_key(&salt, &self.role_id)?;
        if let Some(existing) = storage.get_json::<RoleIdIndex>(&index_key).await?
            && existing.name != name
        {
            return Err(AppRoleError::RoleIdInUse.into());
        }
        if !previous_role_id.is_empty() && previous_role_id != self.role_id {
            storage
                .delete(&self::index_key(&salt, previous_role_id)?)
                .await?;
        }
        storage.put_json(&role_key(name), self).await?;
        storage
            .put_json(
                &index_key,
                &RoleIdIndex {
                    name: name.to_string(),
                },
            )
            .await
    }

    /// Deletes the role, its role-ID index and every secret ID issued for it.
    pub(crate) async fn delete(&self, storage: &dyn Storage, name: &str) -> Result<(), Error> {
        let store = SecretIdStore::new(self, name)?;
        for accessor in store.list_accessors(storage).await? {
            store.delete_accessor(storage, &accessor).await?;
        }
        delete_prefix(storage, &store.role_dir()).await?;
        if let Some(salt) = ids::salt(storage).await? {
            storage.delete(&index_key(&salt, &self.role_id)?).await?;
        }
        storage.delete(&role_key(name)).await
    }
}

/// The name of the role whose role ID is `role_id`, if any.
pub(crate) async fn name_for_role_id(
    storage: &dyn Storage,
    role_id: &str,
) -> Result<Option<String>, Error> {
    let Some(salt) = ids::salt(storage).await? else {
        return Ok(None);
    };
    if role_id.len() > MAX_HMAC_INPUT {
        return Ok(None);
    }
    Ok(storage
        .get_json::<RoleIdIndex>(&index_key(&salt, role_id)?)
        .await?
        .map(|i| i.name))
}

fn index_key(salt: &str, role_id: &str) -> Result<String, Error> {
    Ok(format!("role_id/{}", ids::hmac_hex(salt, role_id)?))
}

/// Names of all roles, sorted.
pub(crate) async fn list(storage: &dyn Storage) -> Result<Vec<String>, Error> {
    Ok(storage
        .list("role/")
        .await?
        .into_iter()
        .filter(|k| !k.ends_with('/'))
        .collect())
}
