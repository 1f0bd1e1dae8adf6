//! How many service tokens the token store holds, for the `vault.token.count` gauge.

use arca_sdk::{Error, Storage};

use super::store::ID_PREFIX;

impl crate::Core {
    /// Service tokens stored under `sys/token/id/` (batch tokens are never stored, as in
    /// Vault). Expired tokens count until the expiration manager revokes them, which it
    /// does as they expire. Lists the entries, so call it at the usage-gauge interval,
    /// not per request. Fails while sealed.
    pub async fn token_count(&self) -> Result<usize, Error> {
        let tx = self.barrier.begin();
        Ok(tx.list(ID_PREFIX).await?.len())
    }
}
