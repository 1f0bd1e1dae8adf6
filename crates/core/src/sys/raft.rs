//! `sys/storage/raft/configuration` and `sys/storage/raft/remove-peer` (token required).

use std::sync::Weak;

use arca_sdk::{Error, Field, FieldType, Operation, Path, Response};

use super::with_core;
use crate::{Core, raft_bootstrap::configuration_json};

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
    ]
}
