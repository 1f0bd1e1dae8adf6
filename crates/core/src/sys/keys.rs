//! `sys/seal`, `sys/key-status` and `sys/rotate`.

use std::sync::Weak;

use arca_sdk::{Operation, Path, Response};

use super::with_core;
use crate::{Core, seal_state::barrier_err};

pub(super) fn paths(core: &Weak<Core>) -> Vec<Path> {
    vec![
        Path::new("seal")
            .on(
                Operation::Update,
                with_core(core, |core, _req, _data| async move {
                    core.seal().await;
                    Ok(None)
                }),
            )
            .help("Seal this node.", "Drops the keyring from memory; only status routes answer until it is unsealed again."),
        Path::new("key-status")
            .on(
                Operation::Read,
                with_core(core, |core, _req, _data| async move {
                    let s = core.barrier.key_status().map_err(barrier_err)?;
                    Ok(Some(Response::from_json(serde_json::json!({
                        "term": s.term,
                        "install_time": s.install_time,
                        "encryptions": s.encryptions,
                    }))))
                }),
            )
            .help("The active barrier key term.", ""),
        Path::new("rotate")
            .on(
                Operation::Update,
                with_core(core, |core, _req, _data| async move {
                    let s = core.barrier.rotate().await.map_err(barrier_err)?;
                    tracing::info!(term = s.term, "barrier key rotated");
                    Ok(None)
                }),
            )
            .help("Rotate the barrier encryption key.", "New writes use the new term; older terms stay readable."),
    ]
}
