//! `arca-bench -config=bench.hcl`: vault-benchmark-style runs from an HCL file.
//!
//! The file names the server, the load (`duration`, `workers`, `rps`) and weighted
//! `test "<type>" "<name>"` blocks ([`config`]); each test mounts and prepares what it needs
//! ([`scenario`]); the tests then run mixed by weight ([`mix`], [`run`]) and are reported
//! per test in the `report_mode` ([`report`]). Command-line flags in vault-benchmark's
//! spelling (`-duration=30s`, `-workers=8`, `-rps=100`, `-report_mode=json`,
//! `-vault_addr=..`) override the file.

pub mod config;
pub mod hcl_tree;
pub mod mix;
pub mod report;
pub mod run;
pub mod scenario;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;

use crate::app::Outcome;
use crate::args::Token;
use crate::duration::parse_duration;
use crate::report::MAX_ERROR_RATE;
use crate::vault::SetupError;
use config::{BenchConfig, ConfigError, ReportMode};
use scenario::{Scenario, ScenarioError, Session};

/// Why a config run produced no report.
#[derive(Debug, Error)]
pub enum SuiteError {
    /// The config file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The config file is wrong; the message names the line and field.
    #[error("{path}: {error}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong where.
        error: ConfigError,
    },
    /// Neither the file, `-vault_token` nor `VAULT_TOKEN` gave a token.
    #[error("no token: set vault_token in the config, -vault_token or VAULT_TOKEN")]
    MissingToken,
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] SetupError),
    /// A test could not be prepared on the server.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The JSON report could not be written.
    #[error("writing {path}: {source}")]
    Output {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The command line of a config run; `None` fields leave the file's value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SuiteArgs {
    /// `-config=FILE`.
    pub config: PathBuf,
    /// `-duration=10s`.
    pub duration: Option<Duration>,
    /// `-workers=N`.
    pub workers: Option<usize>,
    /// `-rps=N`.
    pub rps: Option<u32>,
    /// `-report_mode=terse|verbose|json`.
    pub report_mode: Option<ReportMode>,
    /// `-vault_addr=URL`.
    pub vault_addr: Option<String>,
    /// `-vault_token=TOKEN` (prefer `VAULT_TOKEN`: arguments are visible to other users).
    pub vault_token: Option<Token>,
    /// `-json_out=FILE`: also write the JSON report there.
    pub json_out: Option<PathBuf>,
    /// `-cleanup`: remove the test mounts afterwards.
    pub cleanup: Option<bool>,
}

/// Whether `argv` (without the program name) asks for a config run: `run ...` or any
/// `-config` flag.
pub fn wants_suite(argv: &[String]) -> bool {
    argv.first().is_some_and(|a| a == "run")
        || argv.iter().any(|a| {
            a.trim_start_matches('-') == "config"
                || a.trim_start_matches('-').starts_with("config=")
        })
}

/// Parses vault-benchmark-style flags: `-name=value`, `--name=value` or `-name value`.
pub fn parse_args(argv: &[String]) -> Result<SuiteArgs, String> {
    let mut out = SuiteArgs::default();
    let mut config = None;
    let mut it = argv.iter().peekable();
    if it.peek().is_some_and(|a| *a == "run") {
        it.next();
    }
    while let Some(arg) = it.next() {
        let Some(flag) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            return Err(format!("unexpected argument {arg:?}"));
        };
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (flag, None),
        };
        if name == "cleanup" && inline.is_none() {
            out.cleanup = Some(true);
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .ok_or_else(|| format!("-{name} needs a value"))?,
        };
        let bad = |what: &str| format!("-{name}: {what}, got {value:?}");
        match name {
            "config" => config = Some(PathBuf::from(&value)),
            "duration" => {
                out.duration = Some(parse_duration(&value).map_err(|e| format!("-duration: {e}"))?)
            }
            "workers" => {
                out.workers = Some(
                    value
                        .parse()
                        .ok()
                        .filter(|w| (1..=4096).contains(w))
                        .ok_or_else(|| bad("a number from 1 to 4096"))?,
                )
            }
            "rps" => out.rps = Some(value.parse().map_err(|_| bad("a whole number"))?),
            "report_mode" => {
                out.report_mode =
                    Some(ReportMode::parse(&value).ok_or_else(|| bad("terse, verbose or json"))?)
            }
            "vault_addr" => out.vault_addr = Some(value),
            "vault_token" => out.vault_token = Some(Token::new(value)),
            "json_out" => out.json_out = Some(PathBuf::from(value)),
            "cleanup" => out.cleanup = Some(value.parse().map_err(|_| bad("true or false"))?),
            other => {
                return Err(format!(
                    "unknown flag -{other} (known: -config, -duration, -workers, -rps, -report_mode, -vault_addr, -vault_token, -json_out, -cleanup)"
                ));
            }
        }
    }
    out.config = config.ok_or("missing -config=FILE")?;
    Ok(out)
}

/// Reads the config, sets the tests up, runs them and prints the report.
pub async fn execute(args: &SuiteArgs) -> Result<Outcome, SuiteError> {
    let text = std::fs::read_to_string(&args.config).map_err(|source| SuiteError::Read {
        path: args.config.clone(),
        source,
    })?;
    let cfg = BenchConfig::parse(&text).map_err(|error| SuiteError::Config {
        path: args.config.clone(),
        error,
    })?;
    let address = args
        .vault_addr
        .clone()
        .or(cfg.vault_addr.clone())
        .or_else(|| std::env::var("VAULT_ADDR").ok())
        .unwrap_or_else(|| "http://127.0.0.1:8200".into());
    let token = args
        .vault_token
        .clone()
        .or(cfg.vault_token.clone())
        .or_else(|| std::env::var("VAULT_TOKEN").ok().map(Token::new))
        .ok_or(SuiteError::MissingToken)?;
    let workers = args.workers.unwrap_or(cfg.workers);
    let load = run::Load {
        workers,
        duration: args.duration.unwrap_or(cfg.duration),
        rps: args.rps.unwrap_or(cfg.rps),
        seed: rand::random(),
        progress: true,
    };
    let mode = args.report_mode.unwrap_or(cfg.report_mode);
    let session = Session::new(&address, &token, workers)?;

    eprintln!(
        "arca-bench: setting up {} test(s) at {address}",
        cfg.tests.len()
    );
    let mut scenarios = Vec::with_capacity(cfg.tests.len());
    for spec in &cfg.tests {
        scenarios.push(Scenario::setup(&session, spec, cfg.random_mounts, workers).await?);
    }
    let weights: Vec<u32> = scenarios.iter().map(|s| s.weight).collect();
    // Weights are positive (checked by the parser) and there is at least one test.
    let mix = mix::Mix::new(&weights).ok_or_else(|| SuiteError::Config {
        path: args.config.clone(),
        error: ConfigError {
            line: None,
            message: "weights must be positive".into(),
        },
    })?;
    let scenarios = Arc::new(scenarios);
    eprintln!(
        "arca-bench: running for {:?} with {workers} workers{}",
        load.duration,
        if load.rps > 0 {
            format!(" at {} requests/s", load.rps)
        } else {
            String::new()
        }
    );
    let result = run::run(&session, scenarios.clone(), mix, load).await;
    print!("{}", report::render(mode, &address, &scenarios, &result));
    if let Some(path) = &args.json_out {
        let json = report::to_json(&address, &scenarios, &result);
        std::fs::write(path, format!("{json:#}\n")).map_err(|source| SuiteError::Output {
            path: path.clone(),
            source,
        })?;
    }
    if args.cleanup.unwrap_or(cfg.cleanup) {
        for s in scenarios.iter() {
            s.cleanup(&session).await?;
        }
    }
    let over = result
        .tests
        .iter()
        .any(|t| t.requests() > 0 && t.errors as f64 / t.requests() as f64 > MAX_ERROR_RATE);
    Ok(if over {
        Outcome::TooManyErrors
    } else {
        Outcome::Passed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn detects_config_runs() {
        assert!(wants_suite(&argv(&["run", "-config=b.hcl"])));
        assert!(wants_suite(&argv(&["-config", "b.hcl"])));
        assert!(wants_suite(&argv(&["--config=b.hcl"])));
        assert!(!wants_suite(&argv(&["--target", "etcd"])));
        assert!(!wants_suite(&argv(&[])));
    }

    #[test]
    fn parses_vault_benchmark_flags() {
        let a = parse_args(&argv(&[
            "run",
            "-config=b.hcl",
            "-duration=2s",
            "--workers",
            "8",
            "-rps=100",
            "-report_mode=verbose",
            "-vault_addr=http://h:1",
            "-json_out",
            "/tmp/o.json",
            "-cleanup",
        ]))
        .unwrap();
        assert_eq!(a.config, PathBuf::from("b.hcl"));
        assert_eq!(a.duration, Some(Duration::from_secs(2)));
        assert_eq!((a.workers, a.rps), (Some(8), Some(100)));
        assert_eq!(a.report_mode, Some(ReportMode::Verbose));
        assert_eq!(a.vault_addr.as_deref(), Some("http://h:1"));
        assert_eq!(a.json_out, Some(PathBuf::from("/tmp/o.json")));
        assert_eq!(a.cleanup, Some(true));
    }

    #[test]
    fn bad_flags_are_named() {
        let e = parse_args(&argv(&["-config=b", "-workers=0"])).unwrap_err();
        assert!(e.starts_with("-workers:"), "{e}");
        let e = parse_args(&argv(&["-config=b", "-speed=3"])).unwrap_err();
        assert!(e.starts_with("unknown flag -speed"), "{e}");
        let e = parse_args(&argv(&["-duration=3s"])).unwrap_err();
        assert_eq!(e, "missing -config=FILE");
        let e = parse_args(&argv(&["-config"])).unwrap_err();
        assert_eq!(e, "-config needs a value");
    }
}
