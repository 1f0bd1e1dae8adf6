//! `vault operator raft autopilot set-config`: changes autopilot's settings. Only the
//! flags given are sent; the server keeps the rest.

use serde_json::{Map, Value, json};

use crate::args::{FlagSpec, ParsedArgs};
use crate::commands::Ctx;
use crate::commands::common;
use crate::duration;
use crate::format;

/// One-line description for the command list.
pub const SYNOPSIS: &str =
    "Modify the configuration of the autopilot subsystem under integrated storage";
/// Help text.
pub const HELP: &str = "Usage: vault operator raft autopilot set-config [options]

  Modify the configuration of the autopilot subsystem under integrated storage.

Common Options:

  -cleanup-dead-servers
      Controls whether to remove dead servers from the Raft peer list
      periodically or when a new server joins.

  -dead-server-last-contact-threshold=<duration>
      Limit on the amount of time a server can go without leader contact before
      being considered failed. This takes effect only when cleanup_dead_servers
      is set.

  -disable-upgrade-migration
      Whether or not to perform automated version upgrades.

  -last-contact-threshold=<duration>
      Limit on the amount of time a server can go without leader contact before
      being considered unhealthy.

  -max-trailing-logs=<int>
      Amount of entries in the Raft Log that a server can be behind before being
      considered unhealthy.

  -min-quorum=<int>
      Minimum number of servers allowed in a cluster before autopilot can prune
      dead servers. This should at least be 3.

  -server-stabilization-time=<duration>
      Minimum amount of time a server must be in a stable, healthy state before
      it can be added to the cluster.";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::bool("cleanup-dead-servers"),
    FlagSpec::value("last-contact-threshold"),
    FlagSpec::value("dead-server-last-contact-threshold"),
    FlagSpec::value("max-trailing-logs"),
    FlagSpec::value("min-quorum"),
    FlagSpec::value("server-stabilization-time"),
    FlagSpec::bool("disable-upgrade-migration"),
    FlagSpec::value("dr-token"),
];

/// The request body from the flags, as Vault builds it (zero values are left out).
fn body(p: &ParsedArgs) -> Result<Map<String, Value>, String> {
    let mut data = Map::new();
    if let Some(v) = p
        .bool_opt("cleanup-dead-servers")
        .map_err(|e| e.to_string())?
    {
        data.insert("cleanup_dead_servers".into(), json!(v));
    }
    for (flag, field) in [
        ("max-trailing-logs", "max_trailing_logs"),
        ("min-quorum", "min_quorum"),
    ] {
        match p.int_opt(flag).map_err(|e| e.to_string())? {
            Some(n) if n < 0 => return Err(format!("invalid value for -{flag}: {n}")),
            Some(n) if n > 0 => {
                data.insert(field.into(), json!(n));
            }
            _ => {}
        }
    }
    for (flag, field) in [
        ("last-contact-threshold", "last_contact_threshold"),
        (
            "dead-server-last-contact-threshold",
            "dead_server_last_contact_threshold",
        ),
        ("server-stabilization-time", "server_stabilization_time"),
    ] {
        if let Some(nanos) = p.duration_opt(flag).map_err(|e| e.to_string())?
            && nanos > 0
        {
            data.insert(field.into(), json!(duration::format_go(nanos)));
        }
    }
    if let Some(v) = p
        .bool_opt("disable-upgrade-migration")
        .map_err(|e| e.to_string())?
    {
        data.insert("disable_upgrade_migration".into(), json!(v));
    }
    if let Some(t) = p.last("dr-token").filter(|t| !t.is_empty()) {
        data.insert("dr_operation_token".into(), json!(t));
    }
    Ok(data)
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, FLAGS, false));
    if !p.positionals.is_empty() {
        return common::usage_error(
            ctx,
            format!(
                "Incorrect arguments (expected 0, got {})",
                p.positionals.len()
            ),
        );
    }
    let data = match body(&p) {
        Ok(d) => d,
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    match client
        .write(
            "sys/storage/raft/autopilot/configuration",
            Value::Object(data),
        )
        .await
    {
        Ok(Some(secret)) => format::output_secret(&mut ctx.ui, &secret),
        Ok(None) => 0,
        Err(e) => {
            ctx.ui.error(&e.to_string());
            common::EXIT_API
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> ParsedArgs {
        let argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        crate::args::parse(&argv, FLAGS).unwrap()
    }

    #[test]
    fn only_given_flags_are_sent() {
        let b = body(&parsed(&[
            "-cleanup-dead-servers",
            "-server-stabilization-time=90",
            "-dead-server-last-contact-threshold=2m",
            "-min-quorum=3",
            "-max-trailing-logs=0",
        ]))
        .unwrap();
        assert_eq!(
            Value::Object(b),
            json!({
                "cleanup_dead_servers": true,
                "server_stabilization_time": "1m30s",
                "dead_server_last_contact_threshold": "2m0s",
                "min_quorum": 3,
            })
        );
        let b = body(&parsed(&["-cleanup-dead-servers=false"])).unwrap();
        assert_eq!(Value::Object(b), json!({"cleanup_dead_servers": false}));
        assert!(body(&parsed(&["-min-quorum=-1"])).is_err());
        assert!(body(&parsed(&["-last-contact-threshold=soon"])).is_err());
    }
}
