//! `vault auth tune [options] PATH`: tunes an auth method (through
//! `sys/mounts/auth/<path>/tune`, as Vault's CLI does).

use serde_json::{Value, json};

use crate::args::{FlagSpec, ParsedArgs, UsageError};
use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::commands::secrets_enable::MOUNT_CONFIG_FLAGS;
use crate::commands::secrets_tune;
use crate::kv::{ensure_trailing_slash, sanitize_path};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Tunes an auth method configuration";
/// Help text.
pub const HELP: &str = "Usage: vault auth tune [options] PATH

  Tunes the configuration options for the auth method at the given PATH. The
  argument corresponds to the PATH where the auth method is enabled, not the
  TYPE!

      $ vault auth tune -default-lease-ttl=72h github/

Command Options:

  -default-lease-ttl, -max-lease-ttl, -description, -listing-visibility,
  -options, -token-type=<default-service|default-batch|service|batch>";

const FLAGS: &[FlagSpec] = &[FlagSpec::value("token-type")];

/// The tune body: what `secrets tune` sends plus `token_type`.
pub fn build(p: &ParsedArgs) -> Result<Value, UsageError> {
    let mut body = secrets_tune::build(p)?;
    if let (Some(t), Value::Object(m)) = (p.last("token-type"), &mut body) {
        m.insert("token_type".into(), json!(t));
    }
    Ok(body)
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let specs: Vec<FlagSpec> = [MOUNT_CONFIG_FLAGS, FLAGS].concat();
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        &specs,
        false,
        Arity::exactly(1)
    ));
    let body = match build(&p) {
        Ok(b) => b,
        Err(e) => return common::usage_error(ctx, e),
    };
    let path = ensure_trailing_slash(&sanitize_path(&p.positionals[0]));
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client.tune_mount(&format!("auth/{path}"), body).await {
        ctx.ui
            .error(&format!("Error tuning auth method {path}: {e}"));
        return common::EXIT_API;
    }
    ctx.ui
        .output(&format!("Success! Tuned the auth method at: {path}"));
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    #[test]
    fn token_type_is_added() {
        let a: Vec<String> = ["-default-lease-ttl=1m", "-token-type=batch"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let p = parse(&a, &[MOUNT_CONFIG_FLAGS, FLAGS].concat()).unwrap();
        assert_eq!(
            build(&p).unwrap(),
            json!({"default_lease_ttl": "1m0s", "token_type": "batch"})
        );
    }
}
