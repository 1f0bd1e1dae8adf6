//! The request path's token checks: authentication (expiry, CIDR binding), use counting,
//! and the token-type rules of engines (batch tokens have no cubbyhole).

use arca_sdk::{Error, Storage};
use zeroize::Zeroizing;

use super::{Found, TokenEntry, TokenStore, caller::Caller};
use crate::{Core, request::CoreRequest, router::Route};

impl Core {
    /// The caller's live token. A missing, revoked or expired token, or one used from
    /// outside its `bound_cidrs`, is refused with 403. An expired service token found
    /// here is revoked (with its children) right away.
    pub(crate) async fn authenticate(
        &self,
        storage: &dyn Storage,
        req: &CoreRequest,
    ) -> Result<Caller, Error> {
        let Some(token) = req.token.as_deref().filter(|t| !t.is_empty()) else {
            return Err(Error::PermissionDenied);
        };
        match TokenStore::find(storage, token, self.now_ms()).await? {
            Found::Live(entry) => {
                let allowed = entry.bound_cidrs.is_empty()
                    || req.remote_addr.as_deref().is_some_and(|addr| {
                        arca_sdk::cidr::remote_addr_allowed(addr, &entry.bound_cidrs)
                    });
                if !allowed {
                    tracing::debug!("token used from outside its bound CIDRs");
                    return Err(Error::PermissionDenied);
                }
                Ok(Caller {
                    token: Zeroizing::new(token.to_string()),
                    entry,
                })
            }
            Found::Expired(entry) => {
                if !entry.is_batch() {
                    self.revoke_in_own_transaction(&entry.id_hash).await;
                }
                Err(Error::PermissionDenied)
            }
            Found::Missing => Err(Error::PermissionDenied),
        }
    }

    /// Engine rules on token types, then one use of a use-limited token. Returns true
    /// when this request is the token's last use (revoke it after the request).
    pub(crate) async fn use_token(
        &self,
        storage: &dyn Storage,
        entry: &TokenEntry,
        route: &Route,
    ) -> Result<bool, Error> {
        if entry.is_batch() && route.mount.kind == "cubbyhole" {
            return Err(Error::bad_request(
                "cubbyhole operations are only supported by \"service\" type tokens",
            ));
        }
        TokenStore::use_once(storage, entry).await
    }

    /// A request that failed in its backend still used the token, as in Vault; its
    /// transaction is discarded, so the use is counted in one of its own.
    pub(crate) async fn count_failed_use(&self, entry: &TokenEntry) {
        if entry.num_uses == 0 || entry.is_batch() {
            return;
        }
        let tx = self.barrier.begin();
        let result = async {
            if TokenStore::use_once(&tx, entry).await? {
                TokenStore::revoke_tree(&tx, &entry.id_hash).await?;
            }
            self.barrier
                .commit(&tx)
                .await
                .map_err(crate::seal_state::barrier_err)
        }
        .await;
        if let Err(e) = result {
            tracing::debug!(error = %e, "could not count the use of a token");
        }
    }

    /// Revokes a token tree outside the request's transaction (the request itself fails).
    /// Best effort: the expiration worker catches what this misses.
    async fn revoke_in_own_transaction(&self, id_hash: &str) {
        let tx = self.barrier.begin();
        let result = async {
            TokenStore::revoke_tree(&tx, id_hash).await?;
            self.barrier
                .commit(&tx)
                .await
                .map_err(crate::seal_state::barrier_err)
        }
        .await;
        if let Err(e) = result {
            tracing::debug!(error = %e, "could not revoke an expired token");
        }
    }
}
