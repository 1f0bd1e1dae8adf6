//! Token leases: every stored token created through a creation or login path has a lease
//! `<creation path>/<token hmac>` (Vault's `auth/token/create/<salted id>`), kept in step
//! with the token by the token store's create, renew and revoke.

use arca_sdk::{Error, Storage};

use super::{
    entry::{self, ID_PREFIX, LeaseEntry},
    hints::{Hint, note},
    index::NEVER,
};
use crate::token::TokenEntry;

/// The lease id of a stored token; `None` for batch tokens and tokens without a path.
pub(crate) fn token_lease_id(token: &TokenEntry) -> Option<String> {
    if token.is_batch() || token.path.is_empty() || token.id_hash.is_empty() {
        return None;
    }
    let id = format!("{}/{}", token.path.trim_end_matches('/'), token.id_hash);
    entry::valid_lease_id(&id).then_some(id)
}

fn lease_of(token: &TokenEntry, lease_id: String) -> LeaseEntry {
    LeaseEntry {
        lease_id,
        path: token.path.clone(),
        client_token_hash: token.id_hash.clone(),
        auth: true,
        issue_time_ms: token.issue_time_ms(),
        expire_time_ms: token.expires_at_ms().unwrap_or(0),
        last_renewal_ms: token.last_renewal_ms,
        renewable: token.renewable,
        ttl: if token.last_ttl > 0 {
            token.last_ttl
        } else {
            token.ttl
        },
        ..Default::default()
    }
}

/// Writes the lease of a token that was just stored (or renewed) and schedules it.
pub(crate) async fn token_stored(storage: &dyn Storage, token: &TokenEntry) -> Result<(), Error> {
    let Some(lease_id) = token_lease_id(token) else {
        return Ok(());
    };
    let lease = lease_of(token, lease_id.clone());
    entry::save(storage, &lease).await?;
    note(Hint::Check(
        lease_id,
        lease.expires_at_ms().unwrap_or(NEVER),
    ));
    Ok(())
}

/// Drops the lease of a token being revoked and schedules the secret leases it owns
/// for revocation now (they die with their token).
pub(crate) async fn token_revoked(storage: &dyn Storage, token: &TokenEntry) -> Result<(), Error> {
    if let Some(lease_id) = token_lease_id(token) {
        storage.delete(&format!("{ID_PREFIX}{lease_id}")).await?;
        note(Hint::Remove(lease_id));
    }
    for lease_id in entry::leases_of_token(storage, &token.id_hash).await? {
        note(Hint::Check(lease_id, 0));
    }
    Ok(())
}
