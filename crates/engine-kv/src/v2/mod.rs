//! kv version 2: versioned secrets with check-and-set, soft delete and metadata.
//!
//! Routes (relative to the mount), as in Vault:
//! `config`, `data/<path>`, `metadata/<path>`, `delete/<path>`, `undelete/<path>`,
//! `destroy/<path>`, `subkeys/<path>`; anything else answers 404 with a warning that
//! points at the right endpoint.

mod config;
mod data;
mod invalid;
mod metadata;
mod model;
mod subkeys;
mod versions;

#[cfg(test)]
mod tests;

use std::{future::Future, sync::Arc};

use arca_sdk::{
    Error, FieldData, Map, Request, Response,
    framework::{Backend, BackendType, ExistenceCheck, Handler, existence, handler},
    response::RawResponse,
};
use serde_json::Value;

use arca_sdk::clock::{self, Clock};

const HELP: &str = "This backend provides a versioned key-value store. The kv backend reads and \
writes arbitrary secrets to the storage backend. The secrets are encrypted/decrypted by the \
barrier: they are never stored unencrypted. Each key can have a configured number of versions, \
and versions can be retrieved based on their version numbers.";

/// What the handlers share: only the clock, since all state lives in storage.
pub(crate) struct State {
    clock: Arc<dyn Clock>,
}

impl State {
    fn now(&self) -> i64 {
        self.clock.now_nanos()
    }
}

/// Builds a kv v2 backend.
pub fn backend() -> Result<Backend, Error> {
    backend_with_clock(clock::system())
}

/// Builds a kv v2 backend reading time from `clock` (tests move time by hand).
pub(crate) fn backend_with_clock(clock: Arc<dyn Clock>) -> Result<Backend, Error> {
    let state = Arc::new(State { clock });
    let mut paths = vec![
        config::path(),
        data::path(&state),
        metadata::path(&state),
        versions::destroy_path(),
        subkeys::path(&state),
        versions::delete_path(&state),
        versions::undelete_path(&state),
    ];
    // Last, so every valid route is tried first.
    paths.push(invalid::path());
    Backend::new(HELP, BackendType::Logical, paths).map_err(Error::internal)
}

/// Wraps a handler that needs the shared state.
fn with_state<F, Fut>(state: &Arc<State>, f: F) -> Handler
where
    F: Fn(Arc<State>, Request, FieldData) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Response>, Error>> + Send + 'static,
{
    let state = state.clone();
    handler(move |req, data| f(state.clone(), req, data))
}

/// The existence check of `data/` and `metadata/`: a secret exists once it has metadata.
fn metadata_exists() -> ExistenceCheck {
    existence(|req: Request, data: FieldData| async move {
        let path = data.get_str("path")?;
        crate::path_check::check_path(&path)?;
        Ok(model::KeyMetadata::load(req.storage.as_ref(), &path)
            .await?
            .is_some())
    })
}

/// A 404 that still carries a body, as Vault sends for deleted or destroyed versions
/// (clients read `deletion_time`/`destroyed` from it).
fn not_found_with(body: Value) -> Response {
    Response {
        status: Some(404),
        ..Response::from_json(body)
    }
}

/// A bare 404 with no body, as Vault's `RespondWithStatusCode(nil, 404)`.
fn bare_not_found() -> Response {
    Response {
        raw: Some(RawResponse {
            status: 404,
            content_type: "application/json".into(),
            body: Vec::new(),
        }),
        ..Response::default()
    }
}

/// The response of a successful write: the new version's metadata.
fn version_response(body: Value) -> Option<Response> {
    match body {
        Value::Object(m) => Some(Response::with_data(m)),
        _ => Some(Response::with_data(Map::new())),
    }
}
