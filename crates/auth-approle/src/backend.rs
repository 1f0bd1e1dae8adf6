//! Assembles the AppRole path table.

use std::{future::Future, sync::Arc};

use arca_sdk::{
    Error, FieldData, Request, Response,
    clock::{self, Clock},
    framework::{Backend, BackendType, Handler, handler},
};

use crate::{path_login, path_props, path_role, path_secret_id, path_tidy};

const HELP: &str = "Any registered role can authenticate itself with Vault. The credentials \
depend on the constraints that are set on the role. One common required credential is the \
'role_id' which is a unique identifier of the role. It can be retrieved from the \
'role/<appname>/role-id' endpoint. The default constraint configuration is 'bind_secret_id', \
which requires the credential 'secret_id' to be presented during login.";

/// What the handlers share: only the clock, since all state lives in storage.
pub(crate) struct State {
    clock: Arc<dyn Clock>,
}

impl State {
    /// Now, in Unix nanoseconds.
    pub(crate) fn now(&self) -> i64 {
        self.clock.now_nanos()
    }
}

/// Builds an AppRole backend.
pub fn backend() -> Result<Backend, Error> {
    backend_with_clock(clock::system())
}

/// Builds an AppRole backend reading time from `clock` (tests move time by hand).
pub(crate) fn backend_with_clock(clock: Arc<dyn Clock>) -> Result<Backend, Error> {
    let state = Arc::new(State { clock });
    let mut paths = vec![path_login::path(&state), path_role::list_path()];
    paths.extend(path_secret_id::paths(&state));
    paths.push(path_role::role_id_path());
    paths.extend(path_props::paths());
    paths.push(path_role::role_path());
    paths.push(path_tidy::path(&state));
    let mut b = Backend::new(HELP, BackendType::Credential, paths).map_err(Error::internal)?;
    b.unauthenticated_paths = vec!["login".to_string()];
    Ok(b)
}

/// Wraps a handler that needs the shared state.
pub(crate) fn with_state<F, Fut>(state: &Arc<State>, f: F) -> Handler
where
    F: Fn(Arc<State>, Request, FieldData) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Response>, Error>> + Send + 'static,
{
    let state = state.clone();
    handler(move |req, data| f(state.clone(), req, data))
}
