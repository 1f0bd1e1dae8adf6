//! Renewing service tokens: a new TTL from now, within the token's max TTL since issue,
//! its explicit max TTL, or reset to its period for periodic tokens.

use arca_sdk::{Error, Response, Storage};

use super::{
    TokenEntry, TokenStore,
    roles::{self},
    ttl::{MountTtls, TtlRequest, calculate_ttl},
};
use crate::auth_mounts::{auth_mount_for, load_auth_table};

/// The TTL bounds of the auth mount serving the API path `path` (system defaults when
/// the mount is gone).
pub(crate) async fn mount_ttls_for(storage: &dyn Storage, path: &str) -> Result<MountTtls, Error> {
    let table = load_auth_table(storage).await?;
    Ok(auth_mount_for(&table, path)
        .map(MountTtls::of)
        .unwrap_or_else(MountTtls::system))
}

/// Renews `entry` by `increment` seconds (0: its usual TTL) at `now_ms`. `shown` is the
/// token as the response shows it (empty for `renew-accessor`).
pub(crate) async fn renew(
    storage: &dyn Storage,
    mut entry: TokenEntry,
    shown: &str,
    increment: u64,
    now_ms: i64,
) -> Result<Option<Response>, Error> {
    if entry.is_batch() {
        return Err(Error::bad_request("batch tokens cannot be renewed"));
    }
    if entry.expires_at_ms().is_none() || !entry.renewable {
        return Err(Error::bad_request("lease is not renewable"));
    }
    let (period, explicit_max_ttl) =
        if !entry.role.is_empty() && entry.path.starts_with("auth/token/") {
            let role = roles::get(storage, &entry.role).await?.ok_or_else(|| {
                Error::internal(format!(
                    "original token role {:?} could not be found, not renewing",
                    entry.role
                ))
            })?;
            (role.token_period, role.token_explicit_max_ttl)
        } else {
            (entry.period, entry.explicit_max_ttl)
        };
    let base = if entry.last_ttl > 0 {
        entry.last_ttl
    } else {
        entry.ttl
    };
    let (ttl, warnings) = calculate_ttl(
        mount_ttls_for(storage, &entry.path).await?,
        TtlRequest {
            increment,
            ttl: base,
            period,
            max_ttl: entry.max_ttl,
            explicit_max_ttl,
            start_ms: Some(entry.issue_time_ms()),
        },
        now_ms,
    )?;
    entry.expire_time_ms = now_ms.saturating_add((ttl as i64).saturating_mul(1000));
    entry.last_renewal_ms = now_ms;
    entry.last_ttl = ttl;
    TokenStore::update(storage, &entry).await?;
    crate::expiration::tokens::token_stored(storage, &entry).await?;
    Ok(Some(Response {
        auth: Some(entry.to_auth(shown, ttl)),
        warnings,
        ..Default::default()
    }))
}
