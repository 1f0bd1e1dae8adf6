//! `vault audit disable PATH`: disables an audit device.

use crate::commands::Ctx;
use crate::commands::common;
use crate::kv::{ensure_trailing_slash, sanitize_path};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Disables an audit device";
/// Help text.
pub const HELP: &str = "Usage: vault audit disable [options] PATH

  Disables an audit device. Once an audit device is disabled, no future audit
  logs are dispatched to it. The data associated with the audit device is not
  affected.

  The argument corresponds to the PATH of audit device, not the TYPE!

  Disable the audit device enabled at \"file/\":

      $ vault audit disable file/";

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
    if let Err(e) = client.disable_audit(&path).await {
        ctx.ui.error(&format!("Error disabling audit device: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output(&format!(
        "Success! Disabled audit device (if it was enabled) at: {path}"
    ));
    0
}
