//! `vault operator raft remove-peer SERVER_ID`: removes a node from the raft cluster.

use crate::commands::Ctx;
use crate::commands::common;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Removes a node from the Raft cluster";
/// Help text.
pub const HELP: &str = "Usage: vault operator raft remove-peer <server_id>

  Removes a node from the Raft cluster.

      $ vault operator raft remove-peer node1";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, &[], false));
    if p.positionals.len() != 1 {
        return common::usage_error(
            ctx,
            format!(
                "Incorrect arguments (expected 1, got {})",
                p.positionals.len()
            ),
        );
    }
    let server_id = p.positionals[0].trim().to_string();
    if server_id.is_empty() {
        return common::usage_error(ctx, "Server id is required");
    }
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client.raft_remove_peer(&server_id).await {
        ctx.ui
            .error(&format!("Error removing the peer from raft cluster: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output("Peer removed successfully!");
    0
}
