//! The token check of `sys/metrics`, which every node answers for itself: a standby has
//! the replicated token store and policies, so it checks locally instead of forwarding.

use arca_sdk::{Error, Operation};

use crate::{Core, request::CoreRequest};

impl Core {
    /// Allows a `read` of `req.path` for `req.token` against this node's replicated
    /// token store and policies, without routing to a backend or forwarding. Sealed
    /// nodes refuse (503): they cannot read tokens. Used by `sys/metrics`.
    pub async fn authorize_local_read(&self, req: &CoreRequest) -> Result<(), Error> {
        if self.is_sealed() {
            return Err(Error::Sealed);
        }
        let tx = self.barrier.begin();
        let route = self.route(&tx, &req.path).await?;
        let caller = self.authenticate(&tx, req).await?;
        self.check_access(&tx, &caller.entry, req, Operation::Read, &route)
            .await
    }
}
