//! `sys/storage/raft/configuration`, `remove-peer`, `autopilot/*` and `snapshot*`
//! (token required).

use std::sync::Weak;

use arca_sdk::{Error, Field, FieldType, Operation, Path, Response, StorageExt};

use super::with_core;
use crate::{
    Core,
    autopilot::{AUTOPILOT_CONFIG_PATH, load_stored},
    raft_bootstrap::configuration_json,
};

pub(super) fn paths(core: &Weak<Core>) -> Vec<Path> {
    vec![
        Path::new("storage/raft/configuration")
            .on(
                Operation::Read,
                with_core(core, |core, _req, _data| async move {
                    Ok(Some(Response::from_json(configuration_json(&core)?)))
                }),
            )
            .help(
                "Returns the raft cluster configuration.",
                "The servers of the raft configuration: node id, cluster address, whether each is the leader and whether it votes.",
            ),
        Path::new("storage/raft/remove-peer")
            .field(Field::new(
                "server_id",
                FieldType::String,
                "The node id of the server to remove.",
            ))
            .on(
                Operation::Update,
                with_core(core, |core, _req, data| async move {
                    let server_id = data.get_str("server_id")?;
                    let server_id = server_id.trim();
                    if server_id.is_empty() {
                        return Err(Error::bad_request("no server id provided"));
                    }
                    core.raft_control()?.remove_peer(server_id).await?;
                    Ok(None)
                }),
            )
            .help(
                "Removes a server from the raft cluster.",
                "The removed node notices, reports removed_from_cluster and refuses to rejoin with its old data.",
            ),
        autopilot_configuration(core),
        Path::new("storage/raft/autopilot/state")
            .on(
                Operation::Read,
                with_core(core, |core, req, _data| async move {
                    let raft = core.raft_control()?;
                    let config = load_stored(req.storage.as_ref()).await?.effective();
                    let state = raft.autopilot_state(&config).ok_or_else(|| {
                        Error::Unavailable("autopilot is not running on this node yet".into())
                    })?;
                    Ok(Some(Response::from_json(serde_json::to_value(state)?)))
                }),
            )
            .help(
                "Returns the state of the raft cluster under integrated storage as seen by autopilot.",
                "Health, failure tolerance, and for each server its contact, log position, voting status and stability.",
            ),
        // The snapshot routes carry raw bodies, so the HTTP layer serves them through
        // `Core::raft_snapshot_save`/`raft_snapshot_restore`, which first send the same
        // request without its body through the normal path: these handlers are that
        // authorisation step (token, ACL, standby and seal checks) and do nothing else.
        Path::new("storage/raft/snapshot")
            .on(Operation::Read, authorised_only(core))
            .on(Operation::Update, authorised_only(core))
            .help(
                "Saves or restores a snapshot of the raft cluster's data.",
                "GET streams a snapshot of the encrypted data; POST restores one taken from this cluster.",
            ),
        Path::new("storage/raft/snapshot-force")
            .on(Operation::Update, authorised_only(core))
            .help(
                "Restores a snapshot, even one taken from another cluster.",
                "The node must then be unsealed with the keys of the cluster the snapshot came from.",
            ),
    ]
}

fn authorised_only(core: &Weak<Core>) -> arca_sdk::Handler {
    with_core(core, |core, _req, _data| async move {
        core.raft_control()?;
        Ok(None)
    })
}

fn autopilot_configuration(core: &Weak<Core>) -> Path {
    let duration = |name, text| Field::new(name, FieldType::DurationSecond, text);
    Path::new("storage/raft/autopilot/configuration")
        .field(Field::new(
            "cleanup_dead_servers",
            FieldType::Bool,
            "Whether to remove dead servers from the raft peer list.",
        ))
        .field(duration(
            "last_contact_threshold",
            "Limit on the time a server can go without leader contact before being considered unhealthy.",
        ))
        .field(duration(
            "dead_server_last_contact_threshold",
            "Limit on the time a server can go without leader contact before being considered failed.",
        ))
        .field(Field::new(
            "max_trailing_logs",
            FieldType::Int,
            "Amount of entries in the raft log that a server can be behind before being considered unhealthy.",
        ))
        .field(Field::new(
            "min_quorum",
            FieldType::Int,
            "Minimum number of voters autopilot never prunes below.",
        ))
        .field(duration(
            "server_stabilization_time",
            "Minimum time a server must be healthy before it is promoted to voter.",
        ))
        .field(Field::new(
            "disable_upgrade_migration",
            FieldType::Bool,
            "Automated version upgrades (Vault Enterprise only).",
        ))
        .on(
            Operation::Read,
            with_core(core, |core, req, _data| async move {
                core.raft_control()?;
                let config = load_stored(req.storage.as_ref()).await?.effective();
                Ok(Some(Response::from_json(config.to_json())))
            }),
        )
        .on(
            Operation::Update,
            with_core(core, |core, req, data| async move {
                core.raft_control()?;
                let mut stored = load_stored(req.storage.as_ref()).await?;
                stored.merge_request(&data)?;
                stored.effective().validate()?;
                req.storage.put_json(AUTOPILOT_CONFIG_PATH, &stored).await?;
                Ok(None)
            }),
        )
        .help(
            "Configures autopilot for integrated storage.",
            "Dead-server cleanup, health thresholds and the stabilization time before non-voters are promoted.",
        )
}
