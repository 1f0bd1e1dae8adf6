//! Secret leases: registering the lease of a response that carries a leased secret,
//! and renewing one through the backend that issued it.

use std::sync::Arc;

use arca_sdk::{Backend, Error, LeaseInfo, Operation, Request, Response, Storage, StorageView};

use super::{
    entry::{self, LeaseEntry},
    hints::{Hint, note},
};
use crate::{
    Core,
    request::CoreRequest,
    router::Route,
    token::{
        TokenEntry, random_base62,
        ttl::{MountTtls, TtlRequest, calculate_ttl},
    },
};

/// Random characters after the request path in a secret's lease id (Vault: 24).
const LEASE_RANDOM_LEN: usize = 24;

impl Core {
    /// Gives a leased secret in `resp` its lease: the TTL within the mount's bounds
    /// (system max → mount tune → backend), a lease id `<request path>/<random>`, and a
    /// record in the barrier owned by the calling service token. A lease without a
    /// secret type is a TTL hint and passes through untouched.
    pub(crate) async fn register_lease(
        &self,
        storage: &dyn Storage,
        route: &Route,
        req: &CoreRequest,
        owner: Option<&TokenEntry>,
        resp: Option<Response>,
    ) -> Result<Option<Response>, Error> {
        let Some(mut resp) = resp else {
            return Ok(None);
        };
        let Some(lease) = resp.lease.as_mut() else {
            return Ok(Some(resp));
        };
        if lease.secret_type.is_empty() || route.mount.kind == "system" {
            return Ok(Some(resp));
        }
        if !route
            .backend
            .secrets
            .iter()
            .any(|s| s.name == lease.secret_type)
        {
            tracing::error!(path = %req.path, "a backend returned a secret of a type it does not declare");
            return Err(Error::internal("unknown secret type in a backend response"));
        }
        let now = self.now_ms();
        let (ttl, warnings) = calculate_ttl(
            MountTtls::of(&route.mount),
            TtlRequest {
                ttl: lease.lease_duration,
                max_ttl: lease.max_ttl,
                ..Default::default()
            },
            now,
        )?;
        let lease_id = format!(
            "{}/{}",
            req.path.trim_end_matches('/'),
            random_base62(LEASE_RANDOM_LEN)
        );
        let record = LeaseEntry {
            lease_id: lease_id.clone(),
            path: req.path.clone(),
            client_token_hash: owner
                .filter(|t| !t.is_batch())
                .map(|t| t.id_hash.clone())
                .unwrap_or_default(),
            auth: false,
            issue_time_ms: now,
            expire_time_ms: now.saturating_add((ttl as i64).saturating_mul(1000)),
            renewable: lease.renewable,
            ttl,
            max_ttl: lease.max_ttl,
            secret_type: std::mem::take(&mut lease.secret_type),
            internal_data: std::mem::take(&mut lease.internal_data),
            ..Default::default()
        };
        entry::save(storage, &record).await?;
        note(Hint::Check(lease_id.clone(), record.expire_time_ms));
        lease.lease_id = lease_id;
        lease.lease_duration = ttl;
        resp.warnings.extend(warnings);
        Ok(Some(resp))
    }

    /// The backend that serves the API path `path` and a request to it over `storage`
    /// (the caller's transaction); `None` when no mount serves the path any more.
    pub(crate) async fn lease_backend(
        &self,
        storage: Arc<dyn Storage>,
        path: &str,
        op: Operation,
    ) -> Result<Option<(Route, Arc<Backend>, Request)>, Error> {
        let routing = self.barrier.begin();
        let route = match self.route(&routing, path).await {
            Ok(route) => route,
            Err(Error::UnsupportedPath(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let storage: Arc<dyn Storage> = match &route.storage_prefix {
            None => storage,
            Some(prefix) => Arc::new(StorageView::new(storage, prefix.clone())),
        };
        let relative = path.get(route.mount.path.len()..).unwrap_or_default();
        let mut req = Request::new(op, relative, storage);
        req.mount_point = route.mount.path.clone();
        req.mount_default_lease_ttl = route.mount.effective_default_ttl();
        let backend = route.backend.clone();
        Ok(Some((route, backend, req)))
    }

    /// `sys/leases/renew`: asks the issuing backend to renew the secret of `lease_id` by
    /// `increment` seconds (0: its usual TTL), within the lease's bounds since issue.
    pub(crate) async fn renew_lease(
        &self,
        storage: Arc<dyn Storage>,
        lease_id: &str,
        increment: u64,
    ) -> Result<Response, Error> {
        let now = self.now_ms();
        let Some(mut record) = entry::load(storage.as_ref(), lease_id).await? else {
            return Err(Error::bad_request("lease not found"));
        };
        match record.expires_at_ms() {
            None => return Err(Error::bad_request("lease is not renewable")),
            Some(at) if at <= now => return Err(Error::bad_request("lease expired")),
            Some(_) if !record.renewable => {
                return Err(Error::bad_request("lease is not renewable"));
            }
            Some(_) => {}
        }
        if record.auth {
            return Err(Error::bad_request(
                "tokens cannot be renewed through this endpoint",
            ));
        }
        let Some((route, backend, req)) = self
            .lease_backend(storage.clone(), &record.path, Operation::Update)
            .await?
        else {
            return Err(Error::bad_request(format!(
                "no handler for route {:?}: the mount of this lease is gone",
                record.path
            )));
        };
        let renewed = backend
            .renew_secret(req, record.to_lease_info(increment))
            .await?
            .unwrap_or_default();
        let granted = renewed.lease.clone().unwrap_or_default();
        let (ttl, warnings) = calculate_ttl(
            MountTtls::of(&route.mount),
            TtlRequest {
                increment,
                ttl: granted.lease_duration,
                max_ttl: record.max_ttl,
                start_ms: Some(record.issue_time_ms),
                ..Default::default()
            },
            now,
        )?;
        record.expire_time_ms = now.saturating_add((ttl as i64).saturating_mul(1000));
        record.last_renewal_ms = now;
        record.ttl = ttl;
        if !granted.internal_data.is_empty() {
            record.internal_data = granted.internal_data;
        }
        entry::save(storage.as_ref(), &record).await?;
        note(Hint::Check(record.lease_id.clone(), record.expire_time_ms));
        let mut out = Response {
            data: renewed.data,
            lease: Some(LeaseInfo {
                lease_id: record.lease_id,
                lease_duration: ttl,
                renewable: record.renewable,
                ..Default::default()
            }),
            warnings: renewed.warnings,
            ..Default::default()
        };
        out.warnings.extend(warnings);
        Ok(out)
    }
}
