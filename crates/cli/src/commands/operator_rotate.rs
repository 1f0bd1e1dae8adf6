//! `vault operator rotate`: installs a new barrier key term and prints the key status.

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::commands::operator_key_status;
use crate::format::{self, Format};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Rotates the underlying encryption key";
/// Help text.
pub const HELP: &str = "Usage: vault operator rotate [options]

  Rotates the underlying encryption key which is used to secure data written
  to the storage backend. The new key is added to the keyring and used for new
  writes; older keys remain available to decrypt existing data.

      $ vault operator rotate";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let (_, client) = common::or_exit!(common::setup(ctx, argv, &[], false, Arity::NONE));
    if let Err(e) = client.rotate().await {
        ctx.ui.error(&format!("Error rotating key: {e}"));
        return common::EXIT_API;
    }
    let ks = match client.key_status().await {
        Ok(ks) => ks,
        Err(e) => return common::api_error(ctx, format!("Error reading key status: {e}")),
    };
    if ctx.ui.format == Format::Table {
        ctx.ui.output("Success! Rotated key");
        ctx.ui.output("");
        ctx.ui.output(&operator_key_status::key_status_table(&ks));
        return 0;
    }
    format::output_structured(&mut ctx.ui, &ks)
}
