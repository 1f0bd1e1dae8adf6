//! `vault kv metadata delete`: removes a KV v2 key with all its versions and metadata.

use crate::commands::Ctx;
use crate::commands::common::{self, Arity, MOUNT_FLAG};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Deletes all versions and metadata for a key in the KV store";
/// Help text.
pub const HELP: &str = "Usage: vault kv metadata delete [options] PATH

  Deletes all versions and metadata for the provided key.

      $ vault kv metadata delete -mount=secret foo";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let (p, client) = common::or_exit!(common::setup(
        ctx,
        argv,
        &[MOUNT_FLAG],
        false,
        Arity::exactly(1)
    ));
    let target = common::or_exit!(common::kv_target(ctx, &client, &p, &p.positionals[0]).await);
    if !target.v2 {
        return common::usage_error(ctx, "Metadata not supported on KV Version 1");
    }
    let full_path = target.v2_path("metadata", false);
    if let Err(e) = client.delete(&full_path, Vec::new()).await {
        ctx.ui.error(&format!("Error deleting {full_path}: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output(&format!(
        "Success! Data deleted (if it existed) at: {full_path}"
    ));
    0
}
