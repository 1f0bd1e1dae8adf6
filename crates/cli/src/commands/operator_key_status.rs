//! `vault operator key-status`: the barrier key term and install time.

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::format::{self, Format, columns};
use crate::sys::KeyStatus;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Provides information about the active encryption key";
/// Help text.
pub const HELP: &str = "Usage: vault operator key-status [options]

  Provides information about the active encryption key: its term, when it was
  installed and how many encryptions it has performed.

      $ vault operator key-status";

/// The table Vault prints for a key status (no header row).
pub fn key_status_table(ks: &KeyStatus) -> String {
    let installed = format::rfc822_utc(&ks.install_time).unwrap_or_else(|| ks.install_time.clone());
    columns::columns(
        &[
            format!("Key Term | {}", ks.term),
            format!("Install Time | {installed}"),
            format!("Encryption Count | {}", ks.encryptions),
        ],
        "|",
    )
}

/// Prints a key status in the current format.
pub fn output_key_status(ctx: &mut Ctx, ks: &KeyStatus) -> i32 {
    if ctx.ui.format == Format::Table {
        ctx.ui.output(&key_status_table(ks));
        return 0;
    }
    format::output_structured(&mut ctx.ui, ks)
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let (_, client) = common::or_exit!(common::setup(ctx, argv, &[], false, Arity::NONE));
    match client.key_status().await {
        Ok(ks) => output_key_status(ctx, &ks),
        Err(e) => {
            ctx.ui.error(&format!("Error reading key status: {e}"));
            common::EXIT_API
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_layout() {
        let ks = KeyStatus {
            term: 3,
            install_time: "2026-11-28T10:20:30.5Z".into(),
            encryptions: 42,
        };
        assert_eq!(
            key_status_table(&ks),
            "Key Term            3\nInstall Time        28 Nov 26 10:20 UTC\nEncryption Count    42"
        );
    }
}
