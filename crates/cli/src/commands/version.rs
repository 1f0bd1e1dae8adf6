//! `vault version`: prints the CLI version in Vault's format.
//!
//! Scripts parse `Vault v<semver>`; Arca reports the Vault API version it is compatible with
//! and names itself where Vault prints its git revision.

use crate::commands::Ctx;
use crate::commands::common;

/// Vault API version this build is compatible with (keep in sync with
/// `arca_core::version::VAULT_COMPAT_VERSION`).
pub const VAULT_COMPAT_VERSION: &str = "1.15.6";
/// Build date reported by the server (keep in sync with `arca_core::version::BUILD_DATE`).
pub const BUILD_DATE: &str = "2026-11-28T00:00:00Z";

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Prints the Vault CLI version";
/// Help text.
pub const HELP: &str = "Usage: vault version

  Prints the version of this binary in Vault's format.

      $ vault version";

/// The version line.
pub fn version_line() -> String {
    format!(
        "Vault v{VAULT_COMPAT_VERSION} (arca {}), built {BUILD_DATE}",
        env!("CARGO_PKG_VERSION")
    )
}

/// Runs the command.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    common::or_exit!(common::parse(ctx, argv, &[], false));
    ctx.ui.output(&version_line());
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_style_version_line() {
        let line = version_line();
        assert!(line.starts_with("Vault v1.15.6 (arca "));
        assert!(line.ends_with("), built 2026-11-28T00:00:00Z"));
    }
}
