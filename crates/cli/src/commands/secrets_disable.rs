//! `vault secrets disable PATH`: unmounts a secrets engine.

use crate::commands::Ctx;
use crate::commands::common;
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
    let p = match common::parse(ctx, argv, &[], false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = common::expect_args(ctx, &p, 1, 1) {
        return code;
    }
    let path = ensure_trailing_slash(&sanitize_path(&p.positionals[0]));
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
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
