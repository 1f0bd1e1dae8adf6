//! Command-line flags of `arca-bench`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::duration::parse_duration;
use crate::workload::Workload;

/// A token given on the command line or in `VAULT_TOKEN`; its Debug output is redacted so it
/// never reaches logs or panic messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a secret read from a config file or generated.
    pub fn new(secret: String) -> Self {
        Token(secret)
    }

    /// The raw token, for the request header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl FromStr for Token {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Token(s.to_string()))
    }
}

/// Which kind of server `--address` points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetKind {
    /// A Vault-compatible server's kv-v2 mount (Arca, Vault).
    Vault,
    /// etcd v3 through its HTTP/JSON gateway (`/v3/kv/put`, `/v3/kv/range`), for comparison.
    Etcd,
    /// A Vault-compatible token store: writes create tokens (`--token-ttl`), reads look
    /// them up.
    VaultToken,
    /// A Vault-compatible AppRole mount (`--mount`): every request is a login with
    /// `--role-id` and `--secret-id`.
    VaultApprole,
    /// A Vault-compatible transit mount (`--mount`, key `bench`): writes encrypt, reads
    /// decrypt.
    Transit,
}

/// Output format of the report on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned human-readable table.
    Table,
    /// One JSON document (the same one `--json-out` writes).
    Json,
}

/// When a workload ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// After this much wall time (requests in flight still complete and count).
    Duration(Duration),
    /// After exactly this many requests in total across all workers.
    Ops(u64),
}

/// Drives kv-v2 writes and reads against a Vault-compatible server and reports throughput and
/// latency percentiles.
#[derive(Debug, Clone, Parser)]
#[command(name = "arca-bench", version, about)]
pub struct Args {
    /// Kind of server under test.
    #[arg(long, value_enum, default_value = "vault")]
    pub target: TargetKind,
    /// Server address.
    #[arg(long, env = "VAULT_ADDR", default_value = "http://127.0.0.1:8200")]
    pub address: String,
    /// Token sent as X-Vault-Token (required by the vault target).
    #[arg(long, env = "VAULT_TOKEN", hide_env_values = true)]
    pub token: Option<Token>,
    /// Mount path of the kv-v2 engine.
    #[arg(long, default_value = "secret")]
    pub mount: String,
    /// Number of requests kept in flight.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub concurrency: u32,
    /// Wall time of each workload, e.g. 10s, 500ms, 2m.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Run each workload for exactly this many requests instead of `--duration`.
    #[arg(long, conflicts_with = "duration", value_parser = clap::value_parser!(u64).range(1..))]
    pub ops: Option<u64>,
    /// Size in bytes of each written value.
    #[arg(long, default_value_t = 256)]
    pub value_size: usize,
    /// Number of distinct keys; requests pick one uniformly at random.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub keys: u64,
    /// Workloads to run in order, comma-separated (write, read, mixed).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "write")]
    pub workload: Vec<Workload>,
    /// Share of reads in the mixed workload, in percent.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub read_percent: u8,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Also write the JSON report to this file (parent directories are created).
    #[arg(long)]
    pub json_out: Option<PathBuf>,
    /// Keys are `<mount>/data/<key-prefix>/<n>`.
    #[arg(long, default_value = "arca-bench")]
    pub key_prefix: String,
    /// Seed for key choice and values; random when absent.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Per-request timeout; a timed-out request counts as an error.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// TTL of the tokens the vault-token target creates (each one is a live lease).
    #[arg(long, default_value = "10m")]
    pub token_ttl: String,
    /// Role id for the vault-approle target.
    #[arg(long, default_value = "")]
    pub role_id: String,
    /// Secret id for the vault-approle target.
    #[arg(long, env = "ARCA_BENCH_SECRET_ID", hide_env_values = true)]
    pub secret_id: Option<Token>,
    /// Free-form `KEY=VALUE` copied into the JSON report's `meta` object (machine, build,
    /// server version...), so saved reports say what they measured. Repeatable.
    #[arg(long = "meta", value_name = "KEY=VALUE", value_parser = parse_meta)]
    pub meta: Vec<(String, String)>,
}

/// Splits `KEY=VALUE` for `--meta`.
fn parse_meta(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got {text:?}")),
    }
}

impl Args {
    /// When each workload ends.
    pub fn stop(&self) -> Stop {
        match self.ops {
            Some(n) => Stop::Ops(n),
            None => Stop::Duration(self.duration),
        }
    }

    /// The mount without surrounding slashes, as it appears in URLs.
    pub fn mount_path(&self) -> &str {
        self.mount.trim_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &[&str]) -> Result<Args, clap::Error> {
        let mut argv = vec!["arca-bench", "--token", "s.test"];
        argv.extend_from_slice(extra);
        Args::try_parse_from(argv)
    }

    #[test]
    fn defaults() {
        let a = parse(&[]).unwrap();
        assert_eq!(a.mount_path(), "secret");
        assert_eq!(a.concurrency, 16);
        assert_eq!(a.stop(), Stop::Duration(Duration::from_secs(10)));
        assert_eq!(a.value_size, 256);
        assert_eq!(a.keys, 1000);
        assert_eq!(a.workload, vec![Workload::Write]);
        assert_eq!(a.read_percent, 90);
        assert_eq!(a.format, Format::Table);
        assert_eq!(a.token.as_ref().map(Token::expose), Some("s.test"));
        assert_eq!(a.target, TargetKind::Vault);
    }

    #[test]
    fn all_flags() {
        let a = parse(&[
            "--address",
            "http://10.0.0.1:8200",
            "--mount",
            "/kv/",
            "--concurrency",
            "4",
            "--ops",
            "500",
            "--value-size",
            "1024",
            "--keys",
            "10",
            "--workload",
            "write,read,mixed",
            "--read-percent",
            "50",
            "--format",
            "json",
            "--json-out",
            "/tmp/x.json",
            "--seed",
            "3",
            "--meta",
            "cpu=2 cores",
            "--meta",
            "build=dev=1",
        ])
        .unwrap();
        assert_eq!(a.address, "http://10.0.0.1:8200");
        assert_eq!(a.mount_path(), "kv");
        assert_eq!(a.concurrency, 4);
        assert_eq!(a.stop(), Stop::Ops(500));
        assert_eq!(a.value_size, 1024);
        assert_eq!(a.keys, 10);
        assert_eq!(
            a.workload,
            vec![Workload::Write, Workload::Read, Workload::Mixed]
        );
        assert_eq!(a.read_percent, 50);
        assert_eq!(a.format, Format::Json);
        assert_eq!(a.json_out, Some(PathBuf::from("/tmp/x.json")));
        assert_eq!(a.seed, Some(3));
        assert_eq!(
            a.meta,
            vec![
                ("cpu".to_string(), "2 cores".to_string()),
                ("build".to_string(), "dev=1".to_string())
            ]
        );
    }

    #[test]
    fn duration_flag() {
        let a = parse(&["--duration", "250ms"]).unwrap();
        assert_eq!(a.stop(), Stop::Duration(Duration::from_millis(250)));
    }

    #[test]
    fn rejects_bad_values() {
        assert!(parse(&["--duration", "5s", "--ops", "10"]).is_err());
        assert!(parse(&["--concurrency", "0"]).is_err());
        assert!(parse(&["--keys", "0"]).is_err());
        assert!(parse(&["--ops", "0"]).is_err());
        assert!(parse(&["--read-percent", "101"]).is_err());
        assert!(parse(&["--workload", "delete"]).is_err());
        assert!(parse(&["--duration", "fast"]).is_err());
        assert!(parse(&["--format", "xml"]).is_err());
        assert!(parse(&["--meta", "novalue"]).is_err());
        assert!(parse(&["--meta", "=v"]).is_err());
    }

    #[test]
    fn token_is_redacted_and_etcd_needs_none() {
        let a = parse(&[]).unwrap();
        let dbg = format!("{a:?}");
        assert!(!dbg.contains("s.test"), "{dbg}");
        assert!(dbg.contains("<redacted>"));
        let e = Args::try_parse_from(["arca-bench", "--target", "etcd"]).unwrap();
        assert_eq!(e.target, TargetKind::Etcd);
        assert!(parse(&["--target", "consul"]).is_err());
    }
}
