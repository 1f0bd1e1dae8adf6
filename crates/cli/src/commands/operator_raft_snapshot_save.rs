//! `vault operator raft snapshot save FILE`: downloads a backup of the cluster's data.

use crate::commands::Ctx;
use crate::commands::common;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Saves a snapshot of the current state of the Raft cluster into a file";
/// Help text.
pub const HELP: &str = "Usage: vault operator raft snapshot save <snapshot_file>

  Saves a snapshot of the current state of the Raft cluster into a file.

      $ vault operator raft snapshot save raft.snap";

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
    let path = p.positionals[0].trim().to_string();
    if path.is_empty() {
        return common::usage_error(ctx, "Output file name is required");
    }
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client.snapshot_save(std::path::Path::new(&path)).await {
        ctx.ui.error(&format!("Error taking the snapshot: {e}"));
        return common::EXIT_API;
    }
    0
}
