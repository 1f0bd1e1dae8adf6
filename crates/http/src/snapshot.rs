//! `sys/storage/raft/snapshot` (GET: download) and `sys/storage/raft/snapshot[-force]`
//! (POST/PUT: restore). Their bodies are binary backup files, possibly far larger than
//! the JSON request limit, so they bypass the JSON envelope: the core authorises the
//! request through its normal path and then works on the raw bytes. Standbys redirect
//! these routes to the active node (see `forward`), as Vault does.

use arca_core::CoreRequest;
use arca_sdk::Error;
use axum::{
    extract::{ConnectInfo, Request},
    http::{HeaderValue, Method, StatusCode, header},
    response::IntoResponse,
};

use crate::{AppState, ClientAddr, parse};

/// Largest backup accepted for a restore. Far above `max_request_size` (32 MiB by
/// default), which is meant for JSON bodies.
const MAX_SNAPSHOT_BYTES: usize = 16 * 1024 * 1024 * 1024;

/// What a snapshot request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SnapshotOp {
    /// Download a backup.
    Save,
    /// Restore a backup; `force` skips the same-cluster check.
    Restore { force: bool },
}

/// The snapshot operation of `method` on `path` (without `/v1/`), if it is one.
pub(crate) fn route(method: &Method, path: &str) -> Option<SnapshotOp> {
    let write = *method == Method::POST || *method == Method::PUT;
    match path.trim_end_matches('/') {
        "sys/storage/raft/snapshot" if *method == Method::GET => Some(SnapshotOp::Save),
        "sys/storage/raft/snapshot" if write => Some(SnapshotOp::Restore { force: false }),
        "sys/storage/raft/snapshot-force" if write => Some(SnapshotOp::Restore { force: true }),
        _ => None,
    }
}

/// Serves a snapshot request: the backup file (200, `application/octet-stream`) or 204
/// after a restore.
pub(crate) async fn handle(
    state: &AppState,
    request_id: &str,
    req: Request,
    path: String,
    op: SnapshotOp,
) -> Result<axum::response::Response, Error> {
    let auth = CoreRequest {
        id: request_id.to_string(),
        path,
        token: parse::token(req.headers()),
        remote_addr: req
            .extensions()
            .get::<ConnectInfo<ClientAddr>>()
            .map(|c| c.0.0.ip().to_string()),
        ..Default::default()
    };
    match op {
        SnapshotOp::Save => {
            let bytes = state.core.raft_snapshot_save(auth).await?;
            let mut resp = (StatusCode::OK, bytes).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            Ok(resp)
        }
        SnapshotOp::Restore { force } => {
            let body = axum::body::to_bytes(req.into_body(), MAX_SNAPSHOT_BYTES)
                .await
                .map_err(|_| Error::Status {
                    status: 413,
                    message: format!(
                        "http: snapshot too large (the limit is {MAX_SNAPSHOT_BYTES} bytes)"
                    ),
                })?;
            state.core.raft_snapshot_restore(auth, &body, force).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_snapshot_routes_are_taken() {
        let p = "sys/storage/raft/snapshot";
        assert_eq!(route(&Method::GET, p), Some(SnapshotOp::Save));
        assert_eq!(
            route(&Method::POST, p),
            Some(SnapshotOp::Restore { force: false })
        );
        assert_eq!(
            route(&Method::PUT, "sys/storage/raft/snapshot-force"),
            Some(SnapshotOp::Restore { force: true })
        );
        assert_eq!(route(&Method::GET, "sys/storage/raft/snapshot-force"), None);
        assert_eq!(route(&Method::DELETE, p), None);
        assert_eq!(
            route(&Method::GET, "sys/storage/raft/snapshot-auto/config"),
            None
        );
        assert_eq!(route(&Method::GET, "sys/storage/raft/configuration"), None);
    }
}
