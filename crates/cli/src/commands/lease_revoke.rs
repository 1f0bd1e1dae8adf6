//! `vault lease revoke [-prefix] [-force] [-sync=false] ID`: revokes one lease, or every
//! lease under a prefix (`sys/leases/revoke`, `revoke-prefix`, `revoke-force`).

use serde_json::json;

use crate::args::{FlagSpec, ParsedArgs};
use crate::commands::Ctx;
use crate::commands::common;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Revoke leases and secrets";
/// Help text.
pub const HELP: &str = "Usage: vault lease revoke [options] ID

  Revokes secrets by their lease ID. This command can revoke a single secret
  or multiple secrets based on a path-matched prefix.

  The default behavior when not using -force is to revoke asynchronously; Vault
  will queue the revocation and keep trying if it fails (including across
  restarts). The -sync flag can be used to force a synchronous operation, but
  it is then up to the caller to retry on failure. Force mode always operates
  synchronously.

  Revoke a single lease:

      $ vault lease revoke database/creds/readonly/2f6a614c...

  Revoke all leases for a role:

      $ vault lease revoke -prefix aws/creds/deploy

  Force delete leases from Vault even if secret engine revocation fails:

      $ vault lease revoke -force -prefix consul/creds

Command Options:

  -force
      Delete the lease from Vault even if the secret engine revocation fails.
      This is meant for recovery situations where the secret in the target
      secret engine was manually removed. If this flag is specified, -prefix is
      also required. The default is false.

  -prefix
      Treat the ID as a prefix instead of an exact lease ID. This can revoke
      multiple leases simultaneously. The default is false.

  -sync
      Make the operation synchronous instead of queuing the revocations to be
      done in the background. The default is true.";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::bool("force").with_aliases(&["f"]),
    FlagSpec::bool("prefix"),
    FlagSpec::bool("sync"),
];

/// What a revoke does: which path to call with which body, and what to print then.
#[derive(Debug, PartialEq)]
pub struct Plan {
    pub path: String,
    pub body: serde_json::Value,
    pub success: String,
    pub failure: String,
}

/// Turns the flags and the ID into a [`Plan`]; errors are usage errors in Vault's words.
pub fn plan(p: &ParsedArgs) -> Result<Plan, String> {
    let force = p.bool_or("force", false).map_err(|e| e.to_string())?;
    let prefix = p.bool_or("prefix", false).map_err(|e| e.to_string())?;
    let sync = p.bool_or("sync", true).map_err(|e| e.to_string())?;
    let n = p.positionals.len();
    if n < 1 {
        return Err("Not enough arguments (expected 1, got 0)".into());
    }
    if n > 1 {
        return Err(format!("Too many arguments (expected 1, got {n})"));
    }
    if force && !prefix {
        return Err("Specifying -force requires also specifying -prefix".into());
    }
    let id = p.positionals[0].trim().to_string();
    Ok(if force {
        Plan {
            path: format!("sys/leases/revoke-force/{id}"),
            body: json!({}),
            success: format!("Success! Force revoked any leases with prefix: {id}"),
            failure: format!("Error force revoking leases with prefix {id}"),
        }
    } else if prefix {
        Plan {
            path: format!("sys/leases/revoke-prefix/{id}"),
            body: json!({ "sync": sync }),
            success: format!("Success! Revoked any leases with prefix: {id}"),
            failure: format!("Error revoking leases with prefix {id}"),
        }
    } else {
        Plan {
            path: "sys/leases/revoke".into(),
            body: json!({ "lease_id": id, "sync": sync }),
            success: format!("Success! Revoked lease: {id}"),
            failure: format!("Error revoking lease {id}"),
        }
    })
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match common::parse(ctx, argv, FLAGS, false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let plan = match plan(&p) {
        Ok(v) => v,
        Err(e) => return common::usage_error(ctx, e),
    };
    let queued = plan.body.get("sync") == Some(&json!(false));
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(e) = client.write(&plan.path, plan.body).await {
        ctx.ui.error(&format!("{}: {e}", plan.failure));
        return common::EXIT_API;
    }
    if queued {
        ctx.ui
            .output("All revocation operations queued successfully!");
    } else {
        ctx.ui.output(&plan.success);
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    fn plan_of(args: &[&str]) -> Result<Plan, String> {
        let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        plan(&parse(&a, FLAGS).unwrap())
    }

    #[test]
    fn flags_pick_the_endpoint() {
        let one = plan_of(&["kv/x/abc"]).unwrap();
        assert_eq!(one.path, "sys/leases/revoke");
        assert_eq!(one.body, json!({"lease_id": "kv/x/abc", "sync": true}));
        assert_eq!(one.success, "Success! Revoked lease: kv/x/abc");
        let prefix = plan_of(&["-prefix", "-sync=false", "kv/"]).unwrap();
        assert_eq!(prefix.path, "sys/leases/revoke-prefix/kv/");
        assert_eq!(prefix.body, json!({"sync": false}));
        let force = plan_of(&["-force", "-prefix", "kv/"]).unwrap();
        assert_eq!(force.path, "sys/leases/revoke-force/kv/");
        assert_eq!(
            plan_of(&["-force", "kv/"]).unwrap_err(),
            "Specifying -force requires also specifying -prefix"
        );
        assert_eq!(
            plan_of(&[]).unwrap_err(),
            "Not enough arguments (expected 1, got 0)"
        );
        assert_eq!(
            plan_of(&["a", "b"]).unwrap_err(),
            "Too many arguments (expected 1, got 2)"
        );
    }
}
