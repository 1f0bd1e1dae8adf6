//! `vault operator raft list-peers`: the raft configuration as a table.

use crate::commands::Ctx;
use crate::commands::common;
use crate::format::{self, Format, columns};
use crate::raft::peer_rows;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Returns the Raft peer set";
/// Help text.
pub const HELP: &str = "Usage: vault operator raft list-peers

  Provides the details of all the peers in the Raft cluster.

      $ vault operator raft list-peers";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, &[], false));
    let client = common::or_exit!(common::client(ctx, &p));
    let secret = match client.raft_configuration().await {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.ui.error("No raft cluster configuration found");
            return common::EXIT_API;
        }
        Err(e) => {
            return common::api_error(
                ctx,
                format!("Error reading the raft cluster configuration: {e}"),
            );
        }
    };
    if ctx.ui.format != Format::Table {
        return format::output_secret(&mut ctx.ui, &secret);
    }
    let data = secret.data.clone().unwrap_or_default();
    ctx.ui.output(&columns::table(&peer_rows(&data), "|"));
    0
}
