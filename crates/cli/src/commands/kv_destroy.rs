//! `vault kv destroy -versions=N PATH`: permanently removes versions.

use crate::commands::Ctx;
use crate::commands::kv_versions;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Permanently removes one or more versions in the KV store";
/// Help text.
pub const HELP: &str = "Usage: vault kv destroy [options] KEY

  Permanently removes the specified versions' data from the key-value store. If
  no key exists at the path, no action is taken.

      $ vault kv destroy -mount=secret -versions=3 foo";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    kv_versions::run(ctx, argv, "destroy", "Destroy").await
}
