//! The command tree: names, one-line descriptions, help texts and dispatch.

pub mod audit_disable;
pub mod audit_enable;
pub mod audit_list;
pub mod auth_disable;
pub mod auth_enable;
pub mod auth_list;
pub mod auth_tune;
pub mod common;
pub mod delete;
pub mod kv_delete;
pub mod kv_destroy;
pub mod kv_get;
pub mod kv_list;
pub mod kv_metadata_delete;
pub mod kv_metadata_get;
pub mod kv_metadata_patch;
pub mod kv_metadata_put;
pub mod kv_patch;
pub mod kv_put;
pub mod kv_rollback;
pub mod kv_undelete;
pub mod kv_versions;
pub mod lease_lookup;
pub mod lease_renew;
pub mod lease_revoke;
pub mod list;
pub mod login;
pub mod login_methods;
pub mod operator_generate_root;
pub mod operator_init;
pub mod operator_key_status;
pub mod operator_members;
pub mod operator_raft_autopilot_get_config;
pub mod operator_raft_autopilot_set_config;
pub mod operator_raft_autopilot_state;
pub mod operator_raft_join;
pub mod operator_raft_list_peers;
pub mod operator_raft_remove_peer;
pub mod operator_raft_snapshot_restore;
pub mod operator_raft_snapshot_save;
pub mod operator_rekey;
pub mod operator_rotate;
pub mod operator_seal;
pub mod operator_step_down;
pub mod operator_unseal;
pub mod path_help;
pub mod policy_delete;
pub mod policy_fmt;
pub mod policy_list;
pub mod policy_read;
pub mod policy_write;
pub mod print_token;
pub mod read;
pub mod secrets_disable;
pub mod secrets_enable;
pub mod secrets_list;
pub mod secrets_tune;
pub mod server;
pub mod status;
pub mod token_capabilities;
pub mod token_create;
pub mod token_lookup;
pub mod token_renew;
pub mod token_revoke;
pub mod unwrap;
pub mod version;
pub mod write;

use crate::env::Env;
use crate::ui::Ui;

/// What a command runs with: the terminal and the environment.
pub struct Ctx {
    /// Output streams and output settings.
    pub ui: Ui,
    /// Environment variables.
    pub env: Env,
}

/// Every leaf command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    /// `version`
    Version,
    /// `status`
    Status,
    /// `server`
    Server,
    /// `read`
    Read,
    /// `write`
    Write,
    /// `delete`
    Delete,
    /// `list`
    List,
    /// `login`
    Login,
    /// `path-help`
    PathHelp,
    /// `operator init`
    OperatorInit,
    /// `operator unseal`
    OperatorUnseal,
    /// `operator seal`
    OperatorSeal,
    /// `operator key-status`
    OperatorKeyStatus,
    /// `operator rotate`
    OperatorRotate,
    /// `operator rekey`
    OperatorRekey,
    /// `operator generate-root`
    OperatorGenerateRoot,
    /// `operator raft join`
    OperatorRaftJoin,
    /// `operator raft list-peers`
    OperatorRaftListPeers,
    /// `operator raft remove-peer`
    OperatorRaftRemovePeer,
    /// `operator step-down`
    OperatorStepDown,
    /// `operator members`
    OperatorMembers,
    /// `operator raft autopilot state`
    OperatorRaftAutopilotState,
    /// `operator raft autopilot get-config`
    OperatorRaftAutopilotGetConfig,
    /// `operator raft autopilot set-config`
    OperatorRaftAutopilotSetConfig,
    /// `operator raft snapshot save`
    OperatorRaftSnapshotSave,
    /// `operator raft snapshot restore`
    OperatorRaftSnapshotRestore,
    /// `policy list`
    PolicyList,
    /// `policy read`
    PolicyRead,
    /// `policy write`
    PolicyWrite,
    /// `policy delete`
    PolicyDelete,
    /// `secrets enable`
    SecretsEnable,
    /// `secrets disable`
    SecretsDisable,
    /// `secrets list`
    SecretsList,
    /// `secrets tune`
    SecretsTune,
    /// `token create`
    TokenCreate,
    /// `token lookup`
    TokenLookup,
    /// `token renew`
    TokenRenew,
    /// `token revoke`
    TokenRevoke,
    /// `token capabilities`
    TokenCapabilities,
    /// `unwrap`
    Unwrap,
    /// `audit enable`
    AuditEnable,
    /// `audit disable`
    AuditDisable,
    /// `audit list`
    AuditList,
    /// `auth enable`
    AuthEnable,
    /// `auth disable`
    AuthDisable,
    /// `auth list`
    AuthList,
    /// `auth tune`
    AuthTune,
    /// `kv put`
    KvPut,
    /// `kv get`
    KvGet,
    /// `kv patch`
    KvPatch,
    /// `kv delete`
    KvDelete,
    /// `kv undelete`
    KvUndelete,
    /// `kv destroy`
    KvDestroy,
    /// `kv list`
    KvList,
    /// `kv rollback`
    KvRollback,
    /// `print token`
    PrintToken,
    /// `policy fmt`
    PolicyFmt,
    /// `kv metadata get`
    KvMetadataGet,
    /// `kv metadata put`
    KvMetadataPut,
    /// `kv metadata patch`
    KvMetadataPatch,
    /// `kv metadata delete`
    KvMetadataDelete,
    /// `lease lookup`
    LeaseLookup,
    /// `lease renew`
    LeaseRenew,
    /// `lease revoke`
    LeaseRevoke,
}

/// A node of the command tree: a leaf (`cmd` set) or a group such as `kv`.
pub struct Entry {
    /// Words that name it.
    pub path: &'static [&'static str],
    /// The command, for leaves.
    pub cmd: Option<Cmd>,
    /// One-line description.
    pub synopsis: &'static str,
    /// Help text (groups list their children instead).
    pub help: &'static str,
}

macro_rules! leaf {
    ([$($w:literal),+], $cmd:ident, $module:ident) => {
        Entry { path: &[$($w),+], cmd: Some(Cmd::$cmd), synopsis: $module::SYNOPSIS, help: $module::HELP }
    };
}

macro_rules! group {
    ([$($w:literal),+], $syn:literal, $help:literal) => {
        Entry { path: &[$($w),+], cmd: None, synopsis: $syn, help: $help }
    };
}

/// The whole command tree.
pub const ENTRIES: &[Entry] = &[
    leaf!(["version"], Version, version),
    leaf!(["status"], Status, status),
    leaf!(["server"], Server, server),
    leaf!(["read"], Read, read),
    leaf!(["write"], Write, write),
    leaf!(["delete"], Delete, delete),
    leaf!(["list"], List, list),
    leaf!(["login"], Login, login),
    leaf!(["path-help"], PathHelp, path_help),
    leaf!(["unwrap"], Unwrap, unwrap),
    group!(
        ["operator"],
        "Perform operator-specific tasks",
        "Usage: vault operator <subcommand> [options] [args]\n\n  This command groups subcommands for operators interacting with Vault. Most\n  users will not need to interact with these commands."
    ),
    leaf!(["operator", "init"], OperatorInit, operator_init),
    leaf!(["operator", "unseal"], OperatorUnseal, operator_unseal),
    leaf!(["operator", "seal"], OperatorSeal, operator_seal),
    leaf!(
        ["operator", "key-status"],
        OperatorKeyStatus,
        operator_key_status
    ),
    leaf!(["operator", "rotate"], OperatorRotate, operator_rotate),
    leaf!(["operator", "rekey"], OperatorRekey, operator_rekey),
    leaf!(
        ["operator", "generate-root"],
        OperatorGenerateRoot,
        operator_generate_root
    ),
    group!(
        ["operator", "raft"],
        "Interact with Vault's raft storage backend",
        "Usage: vault operator raft <subcommand> [options] [args]\n\n  This command groups subcommands for operators interacting with the Vault\n  integrated Raft storage backend. Most users will not need to interact with these\n  commands. Here are a few examples of the Raft operator commands:\n\n  Joins a node to the Raft cluster:\n\n      $ vault operator raft join https://127.0.0.1:8200\n\n  Returns the set of Raft peers:\n\n      $ vault operator raft list-peers\n\n  Removes a node from the Raft cluster:\n\n      $ vault operator raft remove-peer node1\n\n  Please see the individual subcommand help for detailed usage information."
    ),
    leaf!(
        ["operator", "raft", "join"],
        OperatorRaftJoin,
        operator_raft_join
    ),
    leaf!(
        ["operator", "raft", "list-peers"],
        OperatorRaftListPeers,
        operator_raft_list_peers
    ),
    leaf!(
        ["operator", "raft", "remove-peer"],
        OperatorRaftRemovePeer,
        operator_raft_remove_peer
    ),
    leaf!(
        ["operator", "step-down"],
        OperatorStepDown,
        operator_step_down
    ),
    leaf!(["operator", "members"], OperatorMembers, operator_members),
    group!(
        ["operator", "raft", "autopilot"],
        "Raft auto pilot",
        "Usage: vault operator raft autopilot <subcommand> [options] [args]\n\n  This command groups subcommands for interacting with autopilot of the\n  integrated storage:\n\n      $ vault operator raft autopilot state\n      $ vault operator raft autopilot get-config\n      $ vault operator raft autopilot set-config -server-stabilization-time=30s"
    ),
    leaf!(
        ["operator", "raft", "autopilot", "state"],
        OperatorRaftAutopilotState,
        operator_raft_autopilot_state
    ),
    leaf!(
        ["operator", "raft", "autopilot", "get-config"],
        OperatorRaftAutopilotGetConfig,
        operator_raft_autopilot_get_config
    ),
    leaf!(
        ["operator", "raft", "autopilot", "set-config"],
        OperatorRaftAutopilotSetConfig,
        operator_raft_autopilot_set_config
    ),
    group!(
        ["operator", "raft", "snapshot"],
        "Restores and saves snapshots from the Raft cluster",
        "Usage: vault operator raft snapshot <subcommand> [options] [args]\n\n  This command groups subcommands for operators interacting with the snapshot\n  functionality of the integrated Raft storage backend:\n\n      $ vault operator raft snapshot save raft.snap\n      $ vault operator raft snapshot restore raft.snap"
    ),
    leaf!(
        ["operator", "raft", "snapshot", "save"],
        OperatorRaftSnapshotSave,
        operator_raft_snapshot_save
    ),
    leaf!(
        ["operator", "raft", "snapshot", "restore"],
        OperatorRaftSnapshotRestore,
        operator_raft_snapshot_restore
    ),
    group!(
        ["policy"],
        "Interact with policies",
        "Usage: vault policy <subcommand> [options] [args]\n\n  This command groups subcommands for interacting with policies. Users can\n  write, read, and list policies in Vault.\n\n      $ vault policy list\n      $ vault policy write my-policy ./my-policy.hcl"
    ),
    leaf!(["policy", "list"], PolicyList, policy_list),
    leaf!(["policy", "read"], PolicyRead, policy_read),
    leaf!(["policy", "write"], PolicyWrite, policy_write),
    leaf!(["policy", "delete"], PolicyDelete, policy_delete),
    leaf!(["policy", "fmt"], PolicyFmt, policy_fmt),
    group!(
        ["print"],
        "Prints runtime configurations",
        "Usage: vault print <subcommand>\n\n  This command groups subcommands for interacting with Vault's runtime values."
    ),
    leaf!(["print", "token"], PrintToken, print_token),
    group!(
        ["secrets"],
        "Interact with secrets engines",
        "Usage: vault secrets <subcommand> [options] [args]\n\n  This command groups subcommands for interacting with Vault's secrets engines.\n  Each secret engine behaves differently. Please see the documentation for\n  more information."
    ),
    leaf!(["secrets", "enable"], SecretsEnable, secrets_enable),
    leaf!(["secrets", "disable"], SecretsDisable, secrets_disable),
    leaf!(["secrets", "list"], SecretsList, secrets_list),
    leaf!(["secrets", "tune"], SecretsTune, secrets_tune),
    group!(
        ["token"],
        "Interact with tokens",
        "Usage: vault token <subcommand> [options] [args]\n\n  This command groups subcommands for interacting with tokens. Users can\n  create, lookup, renew, and revoke tokens.\n\n  Create a new token:\n\n      $ vault token create\n\n  Revoke a token:\n\n      $ vault token revoke 96ddf4bc-d217-f3ba-f9bd-017055595017\n\n  Renew a token:\n\n      $ vault token renew 96ddf4bc-d217-f3ba-f9bd-017055595017\n\n  Please see the individual subcommand help for detailed usage information."
    ),
    leaf!(["token", "create"], TokenCreate, token_create),
    leaf!(["token", "lookup"], TokenLookup, token_lookup),
    leaf!(["token", "renew"], TokenRenew, token_renew),
    leaf!(["token", "revoke"], TokenRevoke, token_revoke),
    leaf!(
        ["token", "capabilities"],
        TokenCapabilities,
        token_capabilities
    ),
    group!(
        ["auth"],
        "Interact with auth methods",
        "Usage: vault auth <subcommand> [options] [args]\n\n  This command groups subcommands for interacting with Vault's auth methods.\n  Users can list, enable, disable, and get help for different auth methods.\n\n  To authenticate to Vault as a user or machine, use the \"vault login\" command\n  instead. This command is for interacting with the auth methods themselves, not\n  authenticating to Vault.\n\n  List all enabled auth methods:\n\n      $ vault auth list\n\n  Enable a new auth method \"userpass\";\n\n      $ vault auth enable userpass\n\n  Please see the individual subcommand help for detailed usage information."
    ),
    group!(
        ["audit"],
        "Interact with audit devices",
        "Usage: vault audit <subcommand> [options] [args]\n\n  This command groups subcommands for interacting with Vault's audit devices.\n  Users can list, enable, and disable audit devices.\n\n  List all enabled audit devices:\n\n      $ vault audit list\n\n  Enable a new audit device \"file\";\n\n       $ vault audit enable file file_path=/var/log/audit.log\n\n  Please see the individual subcommand help for detailed usage information."
    ),
    leaf!(["audit", "enable"], AuditEnable, audit_enable),
    leaf!(["audit", "disable"], AuditDisable, audit_disable),
    leaf!(["audit", "list"], AuditList, audit_list),
    leaf!(["auth", "enable"], AuthEnable, auth_enable),
    leaf!(["auth", "disable"], AuthDisable, auth_disable),
    leaf!(["auth", "list"], AuthList, auth_list),
    leaf!(["auth", "tune"], AuthTune, auth_tune),
    group!(
        ["kv"],
        "Interact with Vault's Key-Value storage",
        "Usage: vault kv <subcommand> [options] [args]\n\n  This command has subcommands for interacting with Vault's key-value\n  store. Here are some simple examples, and more detailed examples are\n  available in the subcommands or the documentation.\n\n      $ vault kv put -mount=secret foo bar=baz\n      $ vault kv get -mount=secret foo"
    ),
    leaf!(["kv", "put"], KvPut, kv_put),
    leaf!(["kv", "get"], KvGet, kv_get),
    leaf!(["kv", "patch"], KvPatch, kv_patch),
    leaf!(["kv", "delete"], KvDelete, kv_delete),
    leaf!(["kv", "undelete"], KvUndelete, kv_undelete),
    leaf!(["kv", "destroy"], KvDestroy, kv_destroy),
    leaf!(["kv", "list"], KvList, kv_list),
    leaf!(["kv", "rollback"], KvRollback, kv_rollback),
    group!(
        ["kv", "metadata"],
        "Interact with Vault's Key-Value storage",
        "Usage: vault kv metadata <subcommand> [options] [args]\n\n  This command has subcommands for interacting with the metadata endpoint in\n  Vault's key-value store."
    ),
    leaf!(["kv", "metadata", "get"], KvMetadataGet, kv_metadata_get),
    leaf!(["kv", "metadata", "put"], KvMetadataPut, kv_metadata_put),
    leaf!(
        ["kv", "metadata", "patch"],
        KvMetadataPatch,
        kv_metadata_patch
    ),
    leaf!(
        ["kv", "metadata", "delete"],
        KvMetadataDelete,
        kv_metadata_delete
    ),
    group!(
        ["lease"],
        "Interact with leases",
        "Usage: vault lease <subcommand> [options] [args]\n\n  This command groups subcommands for interacting with leases. Users can revoke\n  or renew leases.\n\n  Renew a lease:\n\n      $ vault lease renew database/creds/readonly/2f6a614c...\n\n  Revoke a lease:\n\n      $ vault lease revoke database/creds/readonly/2f6a614c..."
    ),
    leaf!(["lease", "lookup"], LeaseLookup, lease_lookup),
    leaf!(["lease", "renew"], LeaseRenew, lease_renew),
    leaf!(["lease", "revoke"], LeaseRevoke, lease_revoke),
];

/// Finds the deepest entry named by the leading `words`; returns it and how many words it
/// used.
pub fn lookup(words: &[String]) -> Option<(&'static Entry, usize)> {
    ENTRIES
        .iter()
        .filter(|e| {
            e.path.len() <= words.len() && e.path.iter().zip(words).all(|(a, b)| *a == b.as_str())
        })
        .max_by_key(|e| e.path.len())
        .map(|e| (e, e.path.len()))
}

/// The direct children of a group, for its help text.
pub fn children(group: &Entry) -> Vec<&'static Entry> {
    ENTRIES
        .iter()
        .filter(|e| e.path.len() == group.path.len() + 1 && e.path.starts_with(group.path))
        .collect()
}

/// Runs an asynchronous leaf command.
pub async fn run_async(cmd: Cmd, ctx: &mut Ctx, args: &[String]) -> i32 {
    match cmd {
        Cmd::Version => version::run(ctx, args),
        Cmd::Server => 1,
        Cmd::Status => status::run(ctx, args).await,
        Cmd::Read => read::run(ctx, args).await,
        Cmd::Write => write::run(ctx, args).await,
        Cmd::Delete => delete::run(ctx, args).await,
        Cmd::List => list::run(ctx, args).await,
        Cmd::Login => login::run(ctx, args).await,
        Cmd::PathHelp => path_help::run(ctx, args).await,
        Cmd::OperatorInit => operator_init::run(ctx, args).await,
        Cmd::OperatorUnseal => operator_unseal::run(ctx, args).await,
        Cmd::OperatorSeal => operator_seal::run(ctx, args).await,
        Cmd::OperatorKeyStatus => operator_key_status::run(ctx, args).await,
        Cmd::OperatorRotate => operator_rotate::run(ctx, args).await,
        Cmd::OperatorRekey => operator_rekey::run(ctx, args).await,
        Cmd::OperatorGenerateRoot => operator_generate_root::run(ctx, args).await,
        Cmd::OperatorRaftJoin => operator_raft_join::run(ctx, args).await,
        Cmd::OperatorRaftListPeers => operator_raft_list_peers::run(ctx, args).await,
        Cmd::OperatorRaftRemovePeer => operator_raft_remove_peer::run(ctx, args).await,
        Cmd::OperatorStepDown => operator_step_down::run(ctx, args).await,
        Cmd::OperatorMembers => operator_members::run(ctx, args).await,
        Cmd::OperatorRaftAutopilotState => operator_raft_autopilot_state::run(ctx, args).await,
        Cmd::OperatorRaftAutopilotGetConfig => {
            operator_raft_autopilot_get_config::run(ctx, args).await
        }
        Cmd::OperatorRaftAutopilotSetConfig => {
            operator_raft_autopilot_set_config::run(ctx, args).await
        }
        Cmd::OperatorRaftSnapshotSave => operator_raft_snapshot_save::run(ctx, args).await,
        Cmd::OperatorRaftSnapshotRestore => operator_raft_snapshot_restore::run(ctx, args).await,
        Cmd::PolicyList => policy_list::run(ctx, args).await,
        Cmd::PolicyRead => policy_read::run(ctx, args).await,
        Cmd::PolicyWrite => policy_write::run(ctx, args).await,
        Cmd::PolicyDelete => policy_delete::run(ctx, args).await,
        Cmd::SecretsEnable => secrets_enable::run(ctx, args).await,
        Cmd::SecretsDisable => secrets_disable::run(ctx, args).await,
        Cmd::SecretsList => secrets_list::run(ctx, args).await,
        Cmd::SecretsTune => secrets_tune::run(ctx, args).await,
        Cmd::TokenCreate => token_create::run(ctx, args).await,
        Cmd::TokenLookup => token_lookup::run(ctx, args).await,
        Cmd::TokenRenew => token_renew::run(ctx, args).await,
        Cmd::TokenRevoke => token_revoke::run(ctx, args).await,
        Cmd::TokenCapabilities => token_capabilities::run(ctx, args).await,
        Cmd::Unwrap => unwrap::run(ctx, args).await,
        Cmd::AuditEnable => audit_enable::run(ctx, args).await,
        Cmd::AuditDisable => audit_disable::run(ctx, args).await,
        Cmd::AuditList => audit_list::run(ctx, args).await,
        Cmd::AuthEnable => auth_enable::run(ctx, args).await,
        Cmd::AuthDisable => auth_disable::run(ctx, args).await,
        Cmd::AuthList => auth_list::run(ctx, args).await,
        Cmd::AuthTune => auth_tune::run(ctx, args).await,
        Cmd::KvPut => kv_put::run(ctx, args).await,
        Cmd::KvGet => kv_get::run(ctx, args).await,
        Cmd::KvPatch => kv_patch::run(ctx, args).await,
        Cmd::KvDelete => kv_delete::run(ctx, args).await,
        Cmd::KvUndelete => kv_undelete::run(ctx, args).await,
        Cmd::KvDestroy => kv_destroy::run(ctx, args).await,
        Cmd::KvList => kv_list::run(ctx, args).await,
        Cmd::KvRollback => kv_rollback::run(ctx, args).await,
        Cmd::PolicyFmt => policy_fmt::run(ctx, args),
        Cmd::PrintToken => print_token::run(ctx, args),
        Cmd::KvMetadataGet => kv_metadata_get::run(ctx, args).await,
        Cmd::KvMetadataPut => kv_metadata_put::run(ctx, args).await,
        Cmd::KvMetadataPatch => kv_metadata_patch::run(ctx, args).await,
        Cmd::KvMetadataDelete => kv_metadata_delete::run(ctx, args).await,
        Cmd::LeaseLookup => lease_lookup::run(ctx, args).await,
        Cmd::LeaseRenew => lease_renew::run(ctx, args).await,
        Cmd::LeaseRevoke => lease_revoke::run(ctx, args).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn deepest_match_wins() {
        let (e, n) = lookup(&w(&["kv", "metadata", "get", "x"])).unwrap();
        assert_eq!(e.cmd, Some(Cmd::KvMetadataGet));
        assert_eq!(n, 3);
        let (e, n) = lookup(&w(&["kv", "bogus"])).unwrap();
        assert!(e.cmd.is_none());
        assert_eq!(n, 1);
        assert!(lookup(&w(&["nope"])).is_none());
        let (e, _) = lookup(&w(&["operator", "unseal", "key"])).unwrap();
        assert_eq!(e.cmd, Some(Cmd::OperatorUnseal));
    }

    #[test]
    fn groups_list_children() {
        let (kv, _) = lookup(&w(&["kv"])).unwrap();
        let names: Vec<&str> = children(kv).iter().map(|e| e.path[1]).collect();
        assert!(names.contains(&"metadata") && names.contains(&"put"));
    }
}
