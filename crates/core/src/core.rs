//! The request path inside a node: status routes, seal check, token check, routing to a
//! mount, one barrier transaction per request, commit, and retry on conflict.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
};

use arca_barrier::Barrier;
use arca_sdk::{BackendFactory, Error, Operation, Request, Response, Storage, StorageView};
use arca_seal::UnsealProgress;
use arca_storage::Physical;
use tokio::sync::{Mutex, RwLock};

use crate::{
    cluster::ClusterInfo,
    request::CoreRequest,
    router::Routes,
    sys,
    token::{TokenEntry, TokenStore},
};

/// How often a request whose optimistic transaction conflicted is run again.
const MAX_CONFLICT_RETRIES: usize = 16;

/// How a request runs: on the active node, or as a standby's local read that must not
/// write anything (see [`Core::handle_standby_read`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The active node: reads behind the raft read barrier, writes committed.
    Active,
    /// A standby's read after the caller made it linearizable (ReadIndex): nothing is
    /// committed; a request that would write stops and is handed to the active node.
    StandbyRead,
}

/// A standby read attempt that found it has to write (a token use, a lease, a wrapped
/// response, ...): nothing was committed, and the whole request goes to the active node
/// (Vault's performance standbys do the same on `ErrReadOnly`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeedsActive;

/// The outcome of [`Core::handle_standby_read`].
#[derive(Debug)]
pub enum StandbyRead {
    /// Served by this standby; `None` means "nothing found", as with [`Core::handle`].
    /// Boxed: a response is large and the other variant empty.
    Served(Box<Option<Response>>),
    /// The request needs a write: forward it whole to the active node.
    Forward,
}

/// What the core is built from.
pub struct CoreOptions {
    pub physical: Arc<dyn Physical>,
    pub cluster: Arc<dyn ClusterInfo>,
    /// Engine factories by type name (`kv`, `cubbyhole`, ...).
    pub factories: Vec<Arc<dyn BackendFactory>>,
    /// The configured cluster name (`cluster_name`), stored at initialisation; empty
    /// picks `vault-cluster-<random>`.
    pub cluster_name: String,
}

/// One node's core. Cheap to share: wrap in `Arc` (see [`Core::new`]).
pub struct Core {
    pub(crate) physical: Arc<dyn Physical>,
    pub(crate) barrier: Barrier,
    pub(crate) cluster: Arc<dyn ClusterInfo>,
    pub(crate) factories: HashMap<String, Arc<dyn BackendFactory>>,
    pub(crate) unseal_progress: Mutex<Option<UnsealProgress>>,
    pub(crate) init_lock: Mutex<()>,
    pub(crate) routes: RwLock<Routes>,
    pub(crate) sys: OnceLock<Arc<arca_sdk::Backend>>,
    /// Raft join (joining side) and bootstrap (leader side) state.
    pub(crate) membership: crate::raft_join::MembershipState,
    pub(crate) configured_cluster_name: String,
    /// Loaded from the barrier at unseal; `None` while sealed.
    pub(crate) identity: std::sync::RwLock<Option<crate::cluster_identity::ClusterIdentity>>,
    /// The token store backend and the token clock.
    pub(crate) tokens: crate::token::TokenState,
    /// Parsed ACL policies, keyed by name and stored-ciphertext fingerprint.
    pub(crate) policy_cache: crate::policy_store::PolicyCache,
    /// The lease schedule of the expiration manager (see `expiration`).
    pub(crate) expiration: Arc<crate::expiration::Expiration>,
    /// The enabled audit devices of this node.
    pub(crate) audit: crate::audit::AuditState,
    /// The rekey operation under way (`sys/rekey/*`), if any.
    pub(crate) rekey: Mutex<Option<crate::rekey::RekeyOp>>,
    /// The root token generation under way (`sys/generate-root/*`), if any.
    pub(crate) generate_root: Mutex<Option<crate::generate_root::GenerateRootOp>>,
    /// The seal of the server configuration (none: Shamir).
    pub(crate) configured_seal: OnceLock<crate::auto_seal::ConfiguredSeal>,
    /// A seal migration this standby was unsealed for, committed once it is active.
    pub(crate) pending_migration: Mutex<Option<crate::seal_migration::PendingMigration>>,
    /// Fingerprint of the wrapped root key this node's barrier key came from (auto
    /// seals), to notice a barrier rekey made on another node.
    pub(crate) root_key_seen: std::sync::Mutex<Option<[u8; 32]>>,
}

impl Core {
    /// Builds a sealed core.
    pub fn new(opts: CoreOptions) -> Result<Arc<Core>, Error> {
        let barrier = Barrier::new(opts.physical.clone());
        let factories = opts
            .factories
            .into_iter()
            .map(|f| (f.type_name().to_string(), f))
            .collect();
        let core = Arc::new(Core {
            physical: opts.physical,
            barrier,
            cluster: opts.cluster,
            factories,
            unseal_progress: Mutex::new(None),
            init_lock: Mutex::new(()),
            routes: RwLock::new(Routes::default()),
            sys: OnceLock::new(),
            membership: Default::default(),
            configured_cluster_name: opts.cluster_name,
            identity: std::sync::RwLock::new(None),
            tokens: Default::default(),
            policy_cache: Default::default(),
            expiration: Default::default(),
            audit: Default::default(),
            rekey: Mutex::new(None),
            generate_root: Mutex::new(None),
            configured_seal: OnceLock::new(),
            pending_migration: Mutex::new(None),
            root_key_seen: std::sync::Mutex::new(None),
        });
        let _ = core.membership.me.set(Arc::downgrade(&core));
        let sys = sys::backend(Arc::downgrade(&core))
            .map_err(|e| Error::internal(format!("building the sys backend: {e}")))?;
        // Only this function sets it, once.
        let _ = core.sys.set(Arc::new(sys));
        let token_store = crate::token::backend(Arc::downgrade(&core))
            .map_err(|e| Error::internal(format!("building the token store: {e}")))?;
        let _ = core.tokens.backend.set(Arc::new(token_store));
        crate::expiration::worker::spawn(&core);
        crate::seal_worker::spawn(&core);
        Ok(core)
    }

    /// The cluster's (name, id), known once unsealed.
    pub fn cluster_identity(&self) -> Option<crate::cluster_identity::ClusterIdentity> {
        self.identity
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reads the stored identity into memory (after unseal).
    pub(crate) async fn load_cluster_identity(&self) -> Result<(), Error> {
        let tx = self.barrier.begin();
        let identity = crate::cluster_identity::ClusterIdentity::load(&tx).await?;
        *self.identity.write().unwrap_or_else(|p| p.into_inner()) = identity;
        Ok(())
    }

    /// The cluster seam (for status routes).
    pub fn cluster(&self) -> &Arc<dyn ClusterInfo> {
        &self.cluster
    }

    /// Serves a read (Read or List) on a standby without writing anything. The caller
    /// must first have made the read linearizable (the standby's state machine applied
    /// the leader's read index). Audit entries go to this node's own audit devices.
    pub async fn handle_standby_read(&self, req: CoreRequest) -> Result<StandbyRead, Error> {
        validate_path(&req.path)?;
        // `sys/*` answers from this node's own state in places (seal, HA, raft, rekey):
        // only the active node's view is authoritative there.
        if !matches!(req.op(), Operation::Read | Operation::List)
            || req.path.starts_with("sys/")
            || crate::wrapping::requested_ttl(&req.headers)?.is_some()
        {
            return Ok(StandbyRead::Forward);
        }
        if self.is_sealed() {
            return Err(Error::Sealed);
        }
        let _timer = crate::request_metrics::RequestTimer::start(&req.path);
        let attempt = Box::pin(self.handle_once(&req, Mode::StandbyRead));
        // Lease schedule hints are dropped: a standby neither grants nor renews leases.
        let (result, _leases) = crate::expiration::hints::track(attempt).await;
        match result {
            Ok(Ok(resp)) => Ok(StandbyRead::Served(Box::new(resp))),
            Ok(Err(NeedsActive)) | Err(Error::Conflict) => Ok(StandbyRead::Forward),
            // A failure of this node (storage, a keyring it cannot open yet, ...) is no
            // answer about the data: the active node gets the request instead.
            Err(e @ (Error::Storage(_) | Error::Internal(_) | Error::Unavailable(_))) => {
                tracing::debug!(error = %e, "standby read failed on this node; forwarding it");
                Ok(StandbyRead::Forward)
            }
            Err(e) => Err(e),
        }
    }

    /// Handles one request end to end. `Ok(None)` means "nothing found" (404 on reads).
    pub async fn handle(&self, req: CoreRequest) -> Result<Option<Response>, Error> {
        validate_path(&req.path)?;
        if let Some(result) = sys::status::handle(self, &req).await {
            return result;
        }
        let _timer = crate::request_metrics::RequestTimer::start(&req.path);
        crate::wrapping::requested_ttl(&req.headers)?;
        if self.is_sealed() {
            return Err(Error::Sealed);
        }
        if !self.cluster.is_active() {
            return Err(Error::Unavailable(
                "this node is a standby and request forwarding is not available".into(),
            ));
        }
        for _ in 0..MAX_CONFLICT_RETRIES {
            // Lease schedule changes take effect only once the attempt committed.
            // Boxed: one request's state (audit record, transaction, backend call, lease
            // and wrapping steps) is large, and would otherwise live on the caller's stack.
            let attempt = Box::pin(self.handle_once(&req, Mode::Active));
            let (result, leases) = crate::expiration::hints::track(attempt).await;
            // The active mode never stops for a write.
            let result = result.and_then(|r| {
                r.map_err(|NeedsActive| Error::internal("the active node refused to write"))
            });
            if result.is_ok() {
                self.expiration.apply(leases);
            }
            match result {
                Err(Error::Conflict) => {
                    tokio::task::yield_now().await;
                    continue;
                }
                other => return other,
            }
        }
        Err(Error::Unavailable(
            "too many concurrent conflicting writes, please retry".into(),
        ))
    }

    /// One attempt of a request, audited: failures are recorded too (see `audit`).
    /// A standby read that stops for a write ends with `Ok(Err(NeedsActive))`, and no
    /// response entry is audited for it (the active node audits the request).
    async fn handle_once(
        &self,
        req: &CoreRequest,
        mode: Mode,
    ) -> Result<Result<Option<Response>, NeedsActive>, Error> {
        if mode == Mode::Active {
            self.physical.read_barrier().await.map_err(Error::storage)?;
        }
        let mut audit = self.audit_record(req).await?;
        let result = self.handle_audited(req, &mut audit, mode).await;
        audit.finish(result)
    }

    async fn handle_audited(
        &self,
        req: &CoreRequest,
        audit: &mut crate::audit::Record,
        mode: Mode,
    ) -> Result<Result<Option<Response>, NeedsActive>, Error> {
        let tx = self.barrier.begin();
        let tx_storage: Arc<dyn Storage> = Arc::new(tx.clone());
        let route = match self.route(&tx, &req.path).await {
            Ok(route) => route,
            // As in Vault, only a valid token learns that a path has no mount: anyone
            // else gets 403, so mounts cannot be probed without credentials.
            Err(Error::UnsupportedPath(path)) => {
                self.authenticate(tx_storage.as_ref(), req).await?;
                return Err(Error::UnsupportedPath(path));
            }
            Err(e) => return Err(e),
        };
        let relative = req.path[route.mount.path.len().min(req.path.len())..].to_string();

        // Login paths of auth methods are reachable without a token (and ignore one).
        let login = crate::token::login::is_login_path(&route, &relative);
        // `sys/wrapping/*`: the wrapping token is checked first (and lookup needs no other).
        let wrapping = self.check_wrapping_token(tx_storage.as_ref(), req).await?;
        let unauthenticated = login || crate::wrapping::is_unauthenticated(&req.path);
        let check_token = (!unauthenticated)
            .then(|| arca_telemetry::emit::Timer::new(arca_telemetry::names::CORE_CHECK_TOKEN));
        let caller = if unauthenticated {
            None
        } else {
            Some(self.authenticate(tx_storage.as_ref(), req).await?)
        };
        audit.identify(&route, caller.as_ref());

        let mut op = req.op();
        let storage: Arc<dyn Storage> = match &route.storage_prefix {
            None => tx_storage.clone(),
            Some(prefix) => Arc::new(StorageView::new(tx_storage.clone(), prefix.clone())),
        };
        let backend = route.backend.clone();
        let mut backend_req = Request {
            id: req.id.clone(),
            operation: op,
            path: relative,
            mount_point: route.mount.path.clone(),
            data: req.data.clone(),
            client_token_id: caller.as_ref().map(|c| c.entry.id_hash.clone()),
            headers: req.headers.clone(),
            remote_addr: req.remote_addr.clone(),
            mount_default_lease_ttl: route.mount.effective_default_ttl(),
            storage,
        };
        if op == Operation::Update && backend.exists(&backend_req).await? == Some(false) {
            op = Operation::Create;
            backend_req.operation = op;
        }
        let mut last_use = false;
        if let Some(caller) = &caller {
            // After the existence check: a write to a missing key needs `create`.
            authorize(self, tx_storage.as_ref(), &caller.entry, req, op, &route).await?;
            last_use = self
                .use_token(tx_storage.as_ref(), &caller.entry, &route)
                .await?;
        }
        drop(check_token);
        // A token with limited uses was just counted: that is a write, so a standby
        // hands the request over before running it.
        if mode == Mode::StandbyRead && tx.has_writes() {
            return Ok(Err(NeedsActive));
        }
        audit.log_request(op)?;
        let handled = crate::token::caller::scope(
            caller.clone(),
            crate::wrapping::scope(wrapping, backend.handle(backend_req)),
        )
        .await;
        let resp = match handled {
            Ok(resp) => resp,
            Err(e) => {
                if let Some(caller) = &caller
                    && mode == Mode::Active
                {
                    self.count_failed_use(&caller.entry).await;
                }
                return Err(e);
            }
        };
        let resp = self
            .finish_auth(tx_storage.as_ref(), &route, req, login, resp)
            .await?;
        let owner = caller.as_ref().map(|c| &c.entry);
        let resp = self
            .register_lease(tx_storage.as_ref(), &route, req, owner, resp)
            .await?;
        let wrapped = self
            .wrap_response(&tx_storage, req, op, &route.mount.kind, resp.as_ref())
            .await?;
        if last_use && let Some(caller) = &caller {
            TokenStore::revoke_tree(tx_storage.as_ref(), &caller.entry.id_hash).await?;
        }
        if mode == Mode::StandbyRead {
            // Nothing is committed on a standby: a request that wrote (a lease, a wrapping
            // token, a login's token, a backend's own write) runs on the active node.
            if tx.has_writes() {
                return Ok(Err(NeedsActive));
            }
            audit.log_response(resp.as_ref())?;
            return Ok(Ok(wrapped.apply(resp)));
        }
        audit.log_response(resp.as_ref())?;
        self.barrier
            .commit(&tx)
            .await
            .map_err(crate::seal_state::barrier_err)?;
        crate::request_metrics::count_token_creation(resp.as_ref(), &route, login, &req.path);
        Ok(Ok(wrapped.apply(resp)))
    }
}

/// The access check: the token's ACL policies against the operation, the full path and
/// the parameters, plus `sudo` on the mount's root-protected paths (see `access`).
async fn authorize(
    core: &Core,
    storage: &dyn Storage,
    token: &TokenEntry,
    req: &CoreRequest,
    op: Operation,
    route: &crate::router::Route,
) -> Result<(), Error> {
    core.check_access(storage, token, req, op, route).await
}

/// Rejects paths that try to climb out of a mount or contain control characters.
fn validate_path(path: &str) -> Result<(), Error> {
    if path.split('/').any(|s| s == ".." || s == ".") {
        return Err(Error::bad_request(format!(
            "invalid request path {:?}: \"..\" and \".\" segments are not allowed",
            path
        )));
    }
    if path.chars().any(|c| c.is_control()) {
        return Err(Error::bad_request(
            "invalid request path: control characters are not allowed",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_validation() {
        assert!(validate_path("secret/data/a").is_ok());
        assert!(validate_path("secret/../sys").is_err());
        assert!(validate_path("secret/./x").is_err());
        assert!(validate_path("secret/a\u{0}b").is_err());
    }
}
