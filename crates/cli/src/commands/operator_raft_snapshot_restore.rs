//! `vault operator raft snapshot restore [-force] FILE`: returns the cluster to the state
//! of a backup.

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common;

/// One-line description for the command list.
pub const SYNOPSIS: &str =
    "Installs the provided snapshot, returning the cluster to the state defined in it";
/// Help text.
pub const HELP: &str = "Usage: vault operator raft snapshot restore <snapshot_file>

  Installs the provided snapshot, returning the cluster to the state defined in it.

      $ vault operator raft snapshot restore raft.snap

Command Options:

  -force
      This bypasses checks ensuring the Autounseal or shamir keys are
      consistent with the snapshot data.";

const FLAGS: &[FlagSpec] = &[FlagSpec::bool("force")];

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, FLAGS, false));
    if p.positionals.len() != 1 {
        return common::usage_error(
            ctx,
            format!(
                "Incorrect arguments (expected 1, got {})",
                p.positionals.len()
            ),
        );
    }
    let file = p.positionals[0].trim().to_string();
    if file.is_empty() {
        return common::usage_error(ctx, "Snapshot file name is required");
    }
    let force = match p.bool_or("force", false) {
        Ok(f) => f,
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client
        .snapshot_restore(std::path::Path::new(&file), force)
        .await
    {
        ctx.ui.error(&format!("Error installing the snapshot: {e}"));
        return common::EXIT_API;
    }
    0
}
