//! `vault kv undelete -versions=N PATH`: restores soft-deleted versions.

use crate::commands::Ctx;
use crate::commands::kv_versions;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Undeletes versions in the KV store";
/// Help text.
pub const HELP: &str = "Usage: vault kv undelete [options] KEY

  Undeletes the data for the provided version and path in the key-value store.
  This restores the data, allowing it to be returned on get requests.

      $ vault kv undelete -mount=secret -versions=3 foo";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    kv_versions::run(ctx, argv, "undelete", "Undelete").await
}
