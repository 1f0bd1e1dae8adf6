//! `sys/ha-status` (the active node and the standbys it hears from) and `sys/step-down`
//! (the active node hands over to another voter; sudo, like Vault).

use std::sync::Weak;

use arca_sdk::{Operation, Path, Response};
use serde_json::json;

use super::with_core;
use crate::Core;

pub(super) fn paths(core: &Weak<Core>) -> Vec<Path> {
    vec![
        Path::new("ha-status")
            .on(
                Operation::Read,
                with_core(core, |core, _req, _data| async move {
                    let nodes = core
                        .cluster
                        .raft()
                        .map(|r| r.ha_nodes())
                        .unwrap_or_default();
                    Ok(Some(Response::from_json(json!({ "nodes": nodes }))))
                }),
            )
            .help(
                "Check the HA status of the cluster.",
                "Lists the active node and the standbys whose heartbeats it received since it became active.",
            ),
        Path::new("step-down")
            .on(
                Operation::Update,
                with_core(core, |core, _req, _data| async move {
                    core.raft_control()?.step_down().await?;
                    Ok(None)
                }),
            )
            .help(
                "Cause the node to give up active status.",
                "The active node hands leadership to the most up-to-date other voter, which becomes the active node.",
            ),
    ]
}
