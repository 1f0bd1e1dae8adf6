//! `vault secrets disable PATH`: unmounts a secrets engine.

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::kv::{ensure_trailing_slash, sanitize_path};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Disable a secrets engine";
/// Help text.
pub const HELP: &str = "Usage: vault secrets disable [options] PATH

  Disables a secrets engine at the given PATH. All secrets created by this
  engine are revoked and its data is removed.

      $ vault secrets disable aws/";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        &[],
        false,
        Arity::exactly(1)
    ));
    let path = ensure_trailing_slash(&sanitize_path(&p.positionals[0]));
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client.unmount(&path).await {
        ctx.ui
            .error(&format!("Error disabling secrets engine at {path}: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output(&format!(
        "Success! Disabled the secrets engine (if it existed) at: {path}"
    ));
    0
}
