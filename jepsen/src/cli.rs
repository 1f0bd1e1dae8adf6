//! Command-line arguments of the `arca-jepsen` binary.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::client::Token;
use crate::suite::SuiteNemesis;
use crate::workload::WorkloadKind;

/// Jepsen-style tests for Vault-compatible servers: run workloads under faults, record
/// histories, check them for linearizability.
#[derive(Debug, Parser)]
#[command(name = "arca-jepsen", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run workloads against running nodes and check the histories.
    Run(Box<RunArgs>),
    /// Re-check a recorded history (JSON lines).
    Check(CheckArgs),
    /// Start local clusters (one network namespace per node; needs root) and run every
    /// nemesis against them; write the reports and the summary.
    Suite(Box<SuiteArgs>),
}

/// Which faults to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NemesisArg {
    /// No faults.
    None,
    /// SIGSTOP a random node, SIGCONT on heal (needs --pid).
    Pause,
    /// SIGKILL a random node, restart on heal (needs --pid and --restart-cmd).
    Kill,
    /// Alternate pauses and kills, hitting the leader half of the time.
    KillPause,
}

impl NemesisArg {
    /// Name for reports.
    pub fn name(self) -> &'static str {
        match self {
            NemesisArg::None => "none",
            NemesisArg::Pause => "pause",
            NemesisArg::Kill => "kill",
            NemesisArg::KillPause => "kill+pause",
        }
    }
}

/// Search bounds.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Most operations per object the linearizability search accepts.
    #[arg(long, default_value_t = 2_000)]
    pub max_ops_per_key: usize,
    /// Most search steps per object before the answer is "unknown".
    #[arg(long, default_value_t = 1_000_000)]
    pub max_steps: u64,
}

/// `run` arguments.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Node API address (repeat for every node), e.g. http://127.0.0.1:8200.
    #[arg(long = "node", required = true)]
    pub nodes: Vec<String>,
    /// Token with rights on the kv mount and auth/token.
    #[arg(long, env = "VAULT_TOKEN", hide_env_values = true)]
    pub token: Token,
    /// The workload.
    #[arg(long, value_enum, default_value_t = WorkloadKind::Register)]
    pub workload: WorkloadKind,
    /// The faults.
    #[arg(long, value_enum, default_value_t = NemesisArg::None)]
    pub nemesis: NemesisArg,
    /// Process id of each node, in --node order (for pause and kill).
    #[arg(long = "pid")]
    pub pids: Vec<u32>,
    /// Command restarting each node after a kill, in --node order (split on whitespace,
    /// no shell), e.g. "/usr/local/bin/arca server -config=/etc/arca/n1.hcl".
    #[arg(long = "restart-cmd")]
    pub restart_cmds: Vec<String>,
    /// File with unseal keys (one per line) to submit after a restart.
    #[arg(long)]
    pub unseal_key_file: Option<PathBuf>,
    /// The kv-v2 mount.
    #[arg(long, default_value = "secret")]
    pub mount: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 5)]
    pub concurrency: usize,
    /// Most client operations per run.
    #[arg(long, default_value_t = 2_000)]
    pub ops: u64,
    /// Longest run time in seconds.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Request timeout in milliseconds (a timeout is recorded as `info`).
    #[arg(long, default_value_t = 2_000)]
    pub timeout_ms: u64,
    /// Objects in use at a time.
    #[arg(long, default_value_t = 4)]
    pub keys: usize,
    /// Operations per object before it is replaced by a fresh one.
    #[arg(long, default_value_t = 200)]
    pub ops_per_key: usize,
    /// Healthy seconds before the first fault.
    #[arg(long, default_value_t = 2.0)]
    pub quiet_seconds: f64,
    /// Seconds each fault lasts.
    #[arg(long, default_value_t = 3.0)]
    pub fault_seconds: f64,
    /// Healthy seconds between faults.
    #[arg(long, default_value_t = 3.0)]
    pub heal_seconds: f64,
    /// Runs in a row.
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
    /// Output directory (one sub-directory per run, summary.json and index.html).
    #[arg(long, default_value = "jepsen/results/latest")]
    pub out: PathBuf,
    /// Random seed (default: from the clock).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Search bounds.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `suite` arguments.
#[derive(Debug, Clone, Args)]
pub struct SuiteArgs {
    /// The `arca` binary (default: `arca` next to this program).
    #[arg(long, env = "ARCA_BIN")]
    pub arca_bin: Option<PathBuf>,
    /// Nodes per cluster.
    #[arg(long, default_value_t = 5)]
    pub nodes: usize,
    /// Nemeses, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "partition,kill,pause,membership,clock,disk,chaos"
    )]
    pub nemeses: Vec<SuiteNemesis>,
    /// Workloads, comma-separated, used in turn by the runs of each nemesis.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "register,set,token"
    )]
    pub workloads: Vec<WorkloadKind>,
    /// Runs per nemesis.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Seconds of client operations per run.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 5)]
    pub concurrency: usize,
    /// Most client operations per run.
    #[arg(long, default_value_t = 1_000_000)]
    pub ops: u64,
    /// Request timeout in milliseconds (a timeout is recorded as `info`).
    #[arg(long, default_value_t = 3_000)]
    pub timeout_ms: u64,
    /// Objects in use at a time.
    #[arg(long, default_value_t = 5)]
    pub keys: usize,
    /// Operations per object before it is replaced by a fresh one.
    #[arg(long, default_value_t = 150)]
    pub ops_per_key: usize,
    /// Healthy seconds before the first fault.
    #[arg(long, default_value_t = 3.0)]
    pub quiet_seconds: f64,
    /// Seconds each fault lasts.
    #[arg(long, default_value_t = 5.0)]
    pub fault_seconds: f64,
    /// Healthy seconds between faults.
    #[arg(long, default_value_t = 4.0)]
    pub heal_seconds: f64,
    /// Longest wait for a cluster to start, a node to rejoin, the cluster to recover.
    #[arg(long, default_value_t = 60)]
    pub cluster_timeout: u64,
    /// Output directory (one sub-directory per run, summary.json and index.html).
    #[arg(long, default_value = "jepsen/results/latest")]
    pub out: PathBuf,
    /// Random seed (default: from the clock).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Search bounds.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `check` arguments.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The history file.
    pub file: PathBuf,
    /// Write report.json and report.html into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Search bounds.
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_run_and_check() {
        let cli = Cli::try_parse_from([
            "arca-jepsen",
            "run",
            "--node",
            "http://a:1",
            "--node",
            "http://b:2",
            "--token",
            "t",
            "--nemesis",
            "pause",
            "--pid",
            "10",
            "--pid",
            "11",
            "--workload",
            "set",
        ])
        .unwrap();
        let Command::Run(r) = cli.command else {
            panic!("expected run")
        };
        assert_eq!(r.nodes.len(), 2);
        assert_eq!(r.pids, vec![10, 11]);
        assert_eq!(r.nemesis, NemesisArg::Pause);
        assert_eq!(r.workload, WorkloadKind::Set);
        assert_eq!(r.limits.max_steps, 1_000_000);
        assert_eq!(r.token.expose(), "t");
        assert!(
            !format!("{r:?}").contains("token: \"t\""),
            "the token is redacted"
        );
        let cli =
            Cli::try_parse_from(["arca-jepsen", "check", "h.jsonl", "--max-steps", "5"]).unwrap();
        let Command::Check(c) = cli.command else {
            panic!("expected check")
        };
        assert_eq!(c.limits.max_steps, 5);
        assert!(Cli::try_parse_from(["arca-jepsen", "run", "--token", "t"]).is_err());
    }
}
