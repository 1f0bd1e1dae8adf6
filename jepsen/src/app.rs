//! The `run` and `check` commands: wiring of client, workload, nemesis, runner, checker
//! and reports, and the exit status.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use thiserror::Error;

use crate::checker::{Limits, check_history};
use crate::cli::{CheckArgs, LimitArgs, NemesisArg, RunArgs};
use crate::client::{Cluster, Token};
use crate::history::{F, read_history};
use crate::model::ModelKind;
use crate::nemesis::process::{NodeProcess, ProcessFaults, ProcessNemesis, Restart};
use crate::nemesis::{Fault, Nemesis, Schedule, Targets};
use crate::report::{Outcome, RunInfo, RunReport, Summary, html};
use crate::runner::{RunConfig, run};
use crate::workload::{self, WorkloadConfig};

/// The command could not even start: bad arguments or files.
#[derive(Debug, Error)]
pub enum AppError {
    /// Invalid combination of arguments.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
}

/// Exit status of an outcome: 0 pass, 1 violation, 3 unknown, 4 harness failure
/// (2 is clap's usage error).
pub fn exit_code(o: Outcome) -> u8 {
    match o {
        Outcome::Pass => 0,
        Outcome::Violation => 1,
        Outcome::Unknown => 3,
        Outcome::HarnessFailure => 4,
    }
}

fn limits(a: &LimitArgs) -> Limits {
    Limits {
        max_ops: a.max_ops_per_key,
        max_steps: a.max_steps,
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.clamp(0.0, 86_400.0))
}

fn io(what: &str, p: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::Io(format!("{what} {}: {e}", p.display()))
}

/// Builds the nemesis and its schedule from the arguments.
fn nemesis(
    args: &RunArgs,
    log_dir: &Path,
) -> Result<(Option<Arc<dyn Nemesis>>, Schedule), AppError> {
    let faults = match args.nemesis {
        NemesisArg::None => return Ok((None, Schedule::none())),
        NemesisArg::Pause => (ProcessFaults::Pause, vec![Fault::Pause(Targets::Random)]),
        NemesisArg::Kill => (ProcessFaults::Kill, vec![Fault::Kill(Targets::Random)]),
        NemesisArg::KillPause => (
            ProcessFaults::Both,
            vec![
                Fault::Pause(Targets::Leader),
                Fault::Kill(Targets::Random),
                Fault::Pause(Targets::Random),
                Fault::Kill(Targets::Leader),
            ],
        ),
    };
    if args.pids.len() != args.nodes.len() {
        return Err(AppError::Usage(format!(
            "--nemesis {} needs one --pid per --node ({} nodes, {} pids)",
            args.nemesis.name(),
            args.nodes.len(),
            args.pids.len()
        )));
    }
    let kills = faults.0 != ProcessFaults::Pause;
    if kills && args.restart_cmds.len() != args.nodes.len() {
        return Err(AppError::Usage(
            "killing nodes needs one --restart-cmd per --node".into(),
        ));
    }
    let unseal_keys: Vec<Token> = match &args.unseal_key_file {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| io("reading", p, e))?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(Token::new)
            .collect(),
        None => Vec::new(),
    };
    let mut nodes = Vec::new();
    for (i, &pid) in args.pids.iter().enumerate() {
        let restart = match args.restart_cmds.get(i) {
            Some(cmd) => {
                let mut parts = cmd.split_whitespace().map(String::from);
                let program = parts
                    .next()
                    .ok_or_else(|| AppError::Usage(format!("--restart-cmd {i} is empty")))?;
                Some(Restart {
                    program: program.into(),
                    args: parts.collect(),
                    env: Vec::new(),
                    log: log_dir.join(format!("node{i}-restarts.log")),
                    unseal_keys: unseal_keys.clone(),
                })
            }
            None => None,
        };
        nodes.push(NodeProcess::new(pid, restart).map_err(|e| AppError::Usage(e.to_string()))?);
    }
    let schedule = Schedule {
        quiet: secs(args.quiet_seconds),
        fault_for: secs(args.fault_seconds),
        heal_for: secs(args.heal_seconds),
        faults: faults.1,
    };
    Ok((
        Some(Arc::new(ProcessNemesis::new(faults.0, nodes))),
        schedule,
    ))
}

/// `arca-jepsen run`: runs, checks and reports; returns the summary outcome.
pub async fn run_command(args: &RunArgs) -> Result<Outcome, AppError> {
    std::fs::create_dir_all(&args.out).map_err(|e| io("creating", &args.out, e))?;
    let cluster = Arc::new(
        Cluster::new(
            &args.nodes,
            args.token.clone(),
            Duration::from_millis(args.timeout_ms.max(1)),
        )
        .map_err(|e| AppError::Usage(e.to_string()))?,
    );
    let (nemesis, schedule) = nemesis(args, &args.out)?;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let seed = args.seed.unwrap_or(now_ms);
    let limits = limits(&args.limits);
    let mut reports = Vec::new();
    for i in 0..args.runs.max(1) {
        let id = format!(
            "{}-{}-{i}",
            args.workload.name(),
            args.nemesis.name().replace('+', "-")
        );
        let dir = args.out.join(&id);
        std::fs::create_dir_all(&dir).map_err(|e| io("creating", &dir, e))?;
        let wl = workload::build(
            args.workload,
            WorkloadConfig {
                mount: args.mount.trim_matches('/').to_string(),
                prefix: format!("jepsen/{now_ms}-{i}"),
                active_keys: args.keys,
                ops_per_key: args.ops_per_key,
            },
        );
        let cfg = RunConfig {
            concurrency: args.concurrency,
            max_ops: args.ops,
            duration: Duration::from_secs(args.seconds),
            seed: seed.wrapping_add(i as u64 * 1_000),
            schedule: schedule.clone(),
            history: Some(dir.join("history.jsonl")),
            ..RunConfig::default()
        };
        let out = run(cluster.clone(), wl, nemesis.clone(), &cfg).await;
        let check = check_history(&out.ops, &limits);
        let report = RunReport::build(
            RunInfo {
                id,
                workload: args.workload.name().into(),
                nemesis: args.nemesis.name().into(),
                elapsed: out.elapsed,
            },
            &out.ops,
            out.harness_failures,
            check,
        );
        report
            .write(&dir, &out.ops)
            .map_err(|e| io("writing the report in", &dir, e))?;
        println!("{}", report.one_line());
        for a in report.anomalies.iter().take(10) {
            println!("  {} on {}: {}", a.kind.name(), a.key, a.detail);
        }
        reports.push(report);
    }
    let summary = Summary::of(&reports);
    write_summary(&args.out, &summary)?;
    println!(
        "summary: {} runs, {} ops, {} anomalies, {} harness failures -> {}",
        summary.total.runs,
        summary.total.ops,
        summary.total.anomalies,
        summary.total.harness_failures,
        summary.outcome.name()
    );
    Ok(summary.outcome)
}

/// Writes `summary.json` and `index.html` into `dir`.
pub fn write_summary(dir: &Path, summary: &Summary) -> Result<(), AppError> {
    let json = serde_json::to_string_pretty(summary).map_err(|e| AppError::Io(e.to_string()))?;
    let path = dir.join("summary.json");
    std::fs::write(&path, json).map_err(|e| io("writing", &path, e))?;
    let path = dir.join("index.html");
    std::fs::write(&path, html::index_page(summary)).map_err(|e| io("writing", &path, e))
}

/// `arca-jepsen check FILE`: re-checks a recorded history.
pub fn check_command(args: &CheckArgs) -> Result<Outcome, AppError> {
    let ops = read_history(&args.file).map_err(|e| AppError::Io(e.to_string()))?;
    let check = check_history(&ops, &limits(&args.limits));
    let mut models: Vec<&str> = ops
        .iter()
        .filter_map(|o| ModelKind::of(o.f))
        .map(|m| match m {
            ModelKind::Register => "register",
            ModelKind::Set => "set",
            ModelKind::Token => "token",
        })
        .collect();
    models.sort_unstable();
    models.dedup();
    let faults = ops.iter().any(|o| o.f == F::FaultStart);
    let report = RunReport::build(
        RunInfo {
            id: args
                .file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "history".into()),
            workload: models.join("+"),
            nemesis: if faults { "recorded" } else { "none" }.into(),
            elapsed: Duration::from_nanos(ops.iter().map(|o| o.time).max().unwrap_or(0)),
        },
        &ops,
        Vec::new(),
        check,
    );
    println!("{}", report.one_line());
    for a in report.anomalies.iter().take(20) {
        println!(
            "  {} on {} (ops {:?}): {}",
            a.kind.name(),
            a.key,
            a.ops,
            a.detail
        );
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|e| io("creating", dir, e))?;
        report
            .write(dir, &ops)
            .map_err(|e| io("writing the report in", dir, e))?;
    }
    Ok(report.outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Kind, Op, Process, write_history};
    use serde_json::json;

    #[test]
    fn exit_codes_separate_outcomes() {
        assert_eq!(exit_code(Outcome::Pass), 0);
        assert_eq!(exit_code(Outcome::Violation), 1);
        assert_eq!(exit_code(Outcome::Unknown), 3);
        assert_eq!(exit_code(Outcome::HarnessFailure), 4);
    }

    #[test]
    fn check_command_finds_a_lost_write_in_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.jsonl");
        let mut ops = Vec::new();
        for (p, kind, f, value) in [
            (0, Kind::Invoke, F::Write, json!({"value": 3})),
            (0, Kind::Ok, F::Write, json!({"value": 3, "version": 1})),
            (1, Kind::Invoke, F::Read, json!(null)),
            (1, Kind::Ok, F::Read, json!({"version": 0, "value": null})),
        ] {
            let mut op = Op::new(Process::Client(p), kind, f, Some("r0".into()), value);
            op.index = ops.len() as u64;
            ops.push(op);
        }
        write_history(&file, &ops).unwrap();
        let out = dir.path().join("report");
        let args = CheckArgs {
            file: file.clone(),
            out: Some(out.clone()),
            limits: LimitArgs {
                max_ops_per_key: 100,
                max_steps: 1000,
            },
        };
        assert_eq!(check_command(&args).unwrap(), Outcome::Violation);
        assert!(out.join("report.html").exists());
        // The prefix alone is fine.
        write_history(&file, &ops[..2]).unwrap();
        assert_eq!(check_command(&args).unwrap(), Outcome::Pass);
        // A missing file is an error, not a pass.
        let missing = CheckArgs {
            file: dir.path().join("nope"),
            ..args
        };
        assert!(check_command(&missing).is_err());
    }

    #[test]
    fn nemesis_arguments_are_validated() {
        let base = RunArgs {
            nodes: vec!["http://a:1".into(), "http://b:2".into()],
            token: Token::new("t"),
            workload: crate::workload::WorkloadKind::Register,
            nemesis: NemesisArg::Kill,
            pids: vec![100, 101],
            restart_cmds: vec![],
            unseal_key_file: None,
            mount: "secret".into(),
            concurrency: 1,
            ops: 1,
            seconds: 1,
            timeout_ms: 100,
            keys: 1,
            ops_per_key: 1,
            quiet_seconds: 0.0,
            fault_seconds: 0.0,
            heal_seconds: 0.0,
            runs: 1,
            out: "x".into(),
            seed: None,
            limits: LimitArgs {
                max_ops_per_key: 1,
                max_steps: 1,
            },
        };
        let dir = Path::new("/tmp");
        assert!(
            matches!(nemesis(&base, dir), Err(AppError::Usage(_))),
            "kill needs restart commands"
        );
        let pause = RunArgs {
            nemesis: NemesisArg::Pause,
            ..base.clone()
        };
        let (n, s) = nemesis(&pause, dir).unwrap();
        assert_eq!(n.map(|n| n.name()), Some("pause"));
        assert_eq!(s.faults, vec![Fault::Pause(Targets::Random)]);
        let few_pids = RunArgs {
            pids: vec![100],
            ..pause
        };
        assert!(nemesis(&few_pids, dir).is_err());
        let none = RunArgs {
            nemesis: NemesisArg::None,
            ..base
        };
        assert!(nemesis(&none, dir).unwrap().0.is_none());
    }
}
