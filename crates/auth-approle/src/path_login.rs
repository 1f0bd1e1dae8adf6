//! `login`: exchanges a role ID (and, when the role requires it, a secret ID) for the
//! token settings of the role. The core turns the returned [`Auth`] into a token.
//!
//! Every way a credential can be wrong — unknown role ID, unknown, expired or used-up
//! secret ID — answers the same "invalid role or secret ID". Failed logins change
//! nothing (the request's writes are discarded with the error), so a use is only
//! consumed by a login that succeeds.

use std::{collections::BTreeMap, sync::Arc};

use arca_sdk::{
    Auth, Error, Field, FieldData, FieldType, Operation, Request, Response, cidr, framework::Path,
};

use crate::{
    AppRoleError,
    backend::{State, with_state},
    ids::MAX_HMAC_INPUT,
    role::{self, RoleEntry},
    secret_id::{SecretIdEntry, SecretIdStore},
};

/// The `login` route.
pub(crate) fn path(state: &Arc<State>) -> Path {
    Path::new("login")
        .field(Field::new(
            "role_id",
            FieldType::String,
            "Unique identifier of the Role. Required to be supplied when the 'bind_secret_id' \
constraint is set.",
        ))
        .field(Field::new(
            "secret_id",
            FieldType::String,
            "SecretID belong to the App role",
        ))
        .on(Operation::Update, with_state(state, login))
        .help(
            "Issue a token based on the credentials supplied",
            "While the credential 'role_id' is required at all times, other credentials \
required depend on the properties of the role to which the 'role_id' belongs. The \
'bind_secret_id' constraint (enabled by default) requires the 'secret_id' credential too.",
        )
}

async fn login(state: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let storage = req.storage.as_ref();
    let role_id = fd.get_str("role_id")?;
    let role_id = role_id.trim();
    if role_id.is_empty() {
        return Err(AppRoleError::MissingRoleId.into());
    }
    let Some(name) = role::name_for_role_id(storage, role_id).await? else {
        return Err(AppRoleError::InvalidCredentials.into());
    };
    let Some(role) = RoleEntry::load(storage, &name).await? else {
        return Err(AppRoleError::InvalidCredentials.into());
    };
    let remote = req.remote_addr.clone().unwrap_or_default();

    let mut metadata = BTreeMap::new();
    let mut secret_token_cidrs = Vec::new();
    if role.bind_secret_id {
        let secret_id = fd.get_str("secret_id")?;
        let secret_id = secret_id.trim();
        if secret_id.is_empty() {
            return Err(AppRoleError::MissingSecretId.into());
        }
        let store = SecretIdStore::new(&role, &name)?;
        let entry = use_secret_id(&state, &req, &store, &role, secret_id, &remote).await?;
        metadata = entry.metadata;
        secret_token_cidrs = entry.token_bound_cidrs;
    }
    if !role.secret_id_bound_cidrs.is_empty()
        && !cidr::remote_addr_allowed(&remote, &role.secret_id_bound_cidrs)
    {
        return Err(AppRoleError::CidrDenied {
            addr: remote,
            on: "role",
        }
        .into());
    }

    metadata.insert("role_name".to_string(), name);
    let mut auth = Auth::default();
    role.token.populate_auth(&mut auth);
    // A secret ID's own token CIDRs (a subset of the role's) take precedence.
    if !secret_token_cidrs.is_empty() {
        auth.bound_cidrs = secret_token_cidrs;
    }
    auth.metadata = Some(metadata);
    Ok(Some(Response {
        auth: Some(auth),
        ..Default::default()
    }))
}

/// Validates a secret ID for a login and consumes one use of it. Returns its entry.
async fn use_secret_id(
    state: &State,
    req: &Request,
    store: &SecretIdStore,
    role: &RoleEntry,
    secret_id: &str,
    remote: &str,
) -> Result<SecretIdEntry, Error> {
    let storage = req.storage.as_ref();
    if secret_id.len() > MAX_HMAC_INPUT {
        return Err(AppRoleError::InvalidCredentials.into());
    }
    let Some((_, mut entry)) = store.find(storage, secret_id).await? else {
        return Err(AppRoleError::InvalidCredentials.into());
    };
    let now = state.now();
    // Vault leaves expired entries to its periodic tidy, which can lag; expiry is
    // enforced here so a secret ID never outlives its TTL.
    if entry.is_expired(now)
        || store
            .accessor(storage, &entry.secret_id_accessor)
            .await?
            .is_none()
    {
        return Err(AppRoleError::InvalidCredentials.into());
    }
    if !cidr::is_subset(&entry.cidr_list, &role.secret_id_bound_cidrs) {
        return Err(AppRoleError::Invalid(
            "failed to verify subset relationship between CIDR blocks on the role and CIDR \
blocks on the secret ID"
                .into(),
        )
        .into());
    }
    if !entry.cidr_list.is_empty() && !cidr::remote_addr_allowed(remote, &entry.cidr_list) {
        return Err(AppRoleError::CidrDenied {
            addr: remote.to_string(),
            on: "secret ID",
        }
        .into());
    }
    match entry.secret_id_num_uses {
        0 => {}
        1 => store.remove(storage, &entry).await?,
        n => {
            entry.secret_id_num_uses = n - 1;
            entry.last_updated_time = now;
            store.save(storage, &entry).await?;
        }
    }
    Ok(entry)
}
