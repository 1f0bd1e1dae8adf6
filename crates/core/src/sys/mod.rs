//! The `sys/` backend: control endpoints for seal state, mounts and keys.
//!
//! Status routes (`init`, `unseal`, `seal-status`, `health`, `leader`) answer before the
//! seal and token checks, in [`status`]. Everything else is an ordinary path table
//! served after authentication, like any engine.

mod audit;
mod auth;
mod capabilities;
pub(crate) mod generate_root;
mod ha;
mod keys;
mod leases;
mod mounts;
mod policies;
mod raft;
mod raft_status;
pub(crate) mod rekey;
pub(crate) mod status;

use std::{
    future::Future,
    sync::{Arc, Weak},
};

use arca_sdk::{Backend, BackendType, Error, FieldData, Handler, Request, Response, handler};

use crate::Core;

/// Builds the sys path table; handlers reach the core through a weak reference so the
/// core can own its sys backend.
pub(crate) fn backend(core: Weak<Core>) -> Result<Backend, String> {
    let mut paths = Vec::new();
    paths.extend(mounts::paths(&core));
    paths.extend(auth::paths(&core));
    paths.extend(keys::paths(&core));
    paths.extend(policies::paths(&core));
    paths.extend(capabilities::paths(&core));
    paths.extend(raft::paths(&core));
    paths.extend(ha::paths(&core));
    paths.extend(crate::wrapping::paths(&core));
    paths.extend(leases::paths(&core));
    paths.extend(audit::paths(&core));
    paths.extend(rekey::paths(&core));
    let mut b = Backend::new(
        "system endpoints used for control, policy and debugging",
        BackendType::Logical,
        paths,
    )?;
    b.root_paths = crate::access::SYS_SUDO_PATHS
        .iter()
        .map(|p| p.to_string())
        .collect();
    Ok(b)
}

/// Wraps a handler that needs the core.
pub(crate) fn with_core<F, Fut>(core: &Weak<Core>, f: F) -> Handler
where
    F: Fn(Arc<Core>, Request, FieldData) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Response>, Error>> + Send + 'static,
{
    let core = core.clone();
    let f = Arc::new(f);
    handler(move |req, data| {
        let core = core.upgrade();
        let f = f.clone();
        async move {
            match core {
                Some(c) => f(c, req, data).await,
                None => Err(Error::Unavailable("the server is shutting down".into())),
            }
        }
    })
}
