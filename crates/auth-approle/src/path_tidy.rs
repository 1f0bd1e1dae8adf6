//! `tidy/secret-id`: removes expired secret IDs, and accessors or entries that lost
//! their counterpart.
//!
//! Logins already refuse expired secret IDs; tidying only reclaims storage. It runs
//! inside the request, so its deletions commit atomically with it.

use std::{collections::BTreeSet, sync::Arc};

use arca_sdk::{Error, FieldData, Operation, Request, Response, StorageExt, framework::Path};

use crate::{
    backend::{State, with_state},
    secret_id::{AccessorEntry, PREFIXES, SecretIdEntry},
};

/// The `tidy/secret-id` route.
pub(crate) fn path(state: &Arc<State>) -> Path {
    Path::new("tidy/secret-id")
        .on(Operation::Update, with_state(state, tidy))
        .help(
            "Trigger the clean-up of expired SecretID entries.",
            "SecretIDs will have expiration time attached to them. The periodic function of \
the backend will look for expired entries and delete them. This endpoint triggers the clean-up.",
        )
}

async fn tidy(state: Arc<State>, req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let storage = req.storage.as_ref();
    let now = state.now();
    for (prefix, accessor_prefix) in PREFIXES {
        // Live secret IDs, as (role hmac, secret hmac).
        let mut live: BTreeSet<(String, String)> = BTreeSet::new();
        for role_dir in storage.list(prefix).await? {
            let Some(role_hmac) = role_dir.strip_suffix('/') else {
                continue;
            };
            let dir = format!("{prefix}{role_dir}");
            for hmac in storage.list(&dir).await? {
                let key = format!("{dir}{hmac}");
                let Some(entry) = storage.get_json::<SecretIdEntry>(&key).await? else {
                    continue;
                };
                let accessor_key = format!("{accessor_prefix}{}", entry.secret_id_accessor);
                let has_accessor = storage.get(&accessor_key).await?.is_some();
                if entry.is_expired(now) || !has_accessor {
                    storage.delete(&key).await?;
                    storage.delete(&accessor_key).await?;
                } else {
                    live.insert((role_hmac.to_string(), hmac));
                }
            }
        }
        for accessor in storage.list(accessor_prefix).await? {
            let key = format!("{accessor_prefix}{accessor}");
            let dangling = match storage.get_json::<AccessorEntry>(&key).await? {
                Some(a) => !live.contains(&(a.role_hmac, a.secret_id_hmac)),
                None => false,
            };
            if dangling {
                storage.delete(&key).await?;
            }
        }
    }
    Ok(Some(
        Response {
            status: Some(202),
            ..Default::default()
        }
        .warn(
            "Tidy operation successfully started. Any information from the operation will be \
printed to Vault's server logs.",
        ),
    ))
}
