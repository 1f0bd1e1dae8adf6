//! `vault operator raft join [options] LEADER_API_ADDR`: asks this node to join a cluster.

use serde_json::json;
use zeroize::Zeroizing;

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common;
use crate::format::{self, Format, columns};
use crate::raft::{JoinRequest, flag_file};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Joins a node to the Raft cluster";
/// Help text.
pub const HELP: &str = "Usage: vault operator raft join [options] <leader-api-addr>

  Join the current node as a peer to the Raft cluster by providing the address
  of the Raft leader node.

      $ vault operator raft join \"http://127.0.0.2:8200\"

  TLS certificate data can also be consumed from a file on disk by prefixing with
  the \"@\" symbol. For example:

      $ vault operator raft join \"http://127.0.0.2:8200\" \\
        -leader-ca-cert=@leader_ca.crt \\
        -leader-client-cert=@leader_client.crt \\
        -leader-client-key=@leader.key

Command Options:

  -leader-ca-cert=<string>
      CA cert to use when verifying the Raft leader certificate.

  -leader-client-cert=<string>
      Client cert to use when authenticating with the Raft leader.

  -leader-client-key=<string>
      Client key to use when authenticating with the Raft leader.

  -non-voter
      This flag is used to make the server not participate in the Raft quorum,
      and have it only receive the data replication stream.

  -retry
      Continuously retry joining the Raft cluster upon failures.";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::value("leader-ca-cert"),
    FlagSpec::value("leader-client-cert"),
    FlagSpec::value("leader-client-key"),
    FlagSpec::bool("retry"),
    FlagSpec::bool("non-voter"),
    FlagSpec::value("auto-join-scheme"),
    FlagSpec::value("auto-join-port"),
];

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, FLAGS, false));
    if p.positionals.len() > 1 {
        return common::usage_error(
            ctx,
            format!(
                "Too many arguments (expected 0-1, got {})",
                p.positionals.len()
            ),
        );
    }
    let leader = p
        .positionals
        .first()
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if leader.contains("provider=") {
        return common::usage_error(ctx, "cloud auto-join is not supported by Arca");
    }
    let read = |name: &str, what: &str| -> Result<String, String> {
        flag_file(p.last(name).unwrap_or(""))
            .map_err(|e| format!("Failed to parse leader {what}: {e}"))
    };
    let files = (
        read("leader-ca-cert", "CA certificate"),
        read("leader-client-cert", "client certificate"),
        read("leader-client-key", "client key"),
    );
    let (ca, cert, key) = match files {
        (Ok(a), Ok(b), Ok(c)) => (a, b, Zeroizing::new(c)),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return common::usage_error(ctx, e),
    };
    let (retry, non_voter) = match (p.bool_or("retry", false), p.bool_or("non-voter", false)) {
        (Ok(r), Ok(n)) => (r, n),
        (Err(e), _) | (_, Err(e)) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    let req = JoinRequest {
        leader_api_addr: leader,
        leader_ca_cert: ca,
        leader_client_cert: cert,
        leader_client_key: key,
        retry,
        non_voter,
    };
    let resp = match client.raft_join(&req).await {
        Ok(r) => r,
        Err(e) => {
            return common::api_error(
                ctx,
                format!("Error joining the node to the Raft cluster: {e}"),
            );
        }
    };
    if ctx.ui.format != Format::Table {
        return format::output_structured(&mut ctx.ui, &json!({ "joined": resp.joined }));
    }
    let rows = vec![
        "Key | Value".to_string(),
        format!("Joined | {}", resp.joined),
    ];
    ctx.ui.output(&columns::table(&rows, "|"));
    0
}
