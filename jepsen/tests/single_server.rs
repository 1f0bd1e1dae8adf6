//! End to end against a real `arca server -dev` process: short register runs without
//! faults and with pauses must be linearizable, and a killed dev server (whose data lives
//! in a temporary directory, so a restart loses it) must be caught losing writes.
//!
//! The server binary is `$ARCA_BIN`, or `arca` next to this test's directory in the cargo
//! target dir (`cargo test --workspace` builds it). Without it the tests say so and skip.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arca_jepsen::checker::{Limits, Verdict, check_history};
use arca_jepsen::client::{Cluster, Token};
use arca_jepsen::history::{F, Kind, Process, read_history};
use arca_jepsen::nemesis::process::{NodeProcess, ProcessFaults, ProcessNemesis, Restart};
use arca_jepsen::nemesis::{Fault, Nemesis, Schedule, Targets};
use arca_jepsen::report::{Outcome, RunInfo, RunReport};
use arca_jepsen::runner::{RunConfig, RunOutput, run};
use arca_jepsen::workload::{WorkloadConfig, WorkloadKind, build};

const ROOT: &str = "jepsen-root";

fn arca_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ARCA_BIN") {
        return Some(PathBuf::from(p));
    }
    // target/debug/deps/single_server-<hash> -> target/debug/arca
    let exe = std::env::current_exe().ok()?;
    let bin = exe.parent()?.parent()?.join("arca");
    bin.exists().then_some(bin)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if write!(
        s,
        "GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .is_err()
    {
        return false;
    }
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.starts_with("HTTP/1.1 200")
}

struct Server {
    child: Child,
    port: u16,
    args: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dev_args(port: u16) -> Vec<String> {
    vec![
        "server".into(),
        "-dev".into(),
        format!("-dev-root-token-id={ROOT}"),
        format!("-dev-listen-address=127.0.0.1:{port}"),
    ]
}

/// Starts a dev server on a free port (retrying if the port was taken meanwhile).
fn start_dev(bin: &Path, home: &Path) -> Server {
    let mut last = String::new();
    for _ in 0..5 {
        let port = free_port();
        let args = dev_args(port);
        let log = home.join(format!("server-{port}.log"));
        let child = Command::new(bin)
            .args(&args)
            .env("HOME", home)
            .env("TMPDIR", home)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn arca");
        let mut server = Server { child, port, args };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = server.child.try_wait() {
                last = std::fs::read_to_string(&log).unwrap_or_default();
                break;
            }
            if healthy(port) {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    panic!("arca server -dev did not start: {last}");
}

fn cluster(port: u16, timeout: Duration) -> Arc<Cluster> {
    Arc::new(
        Cluster::new(
            &[format!("http://127.0.0.1:{port}")],
            Token::new(ROOT),
            timeout,
        )
        .expect("client"),
    )
}

fn workload(prefix: &str) -> Arc<dyn arca_jepsen::workload::Workload> {
    build(
        WorkloadKind::Register,
        WorkloadConfig {
            mount: "secret".into(),
            prefix: prefix.into(),
            active_keys: 3,
            ops_per_key: 60,
        },
    )
}

fn report(out: &RunOutput, nemesis: &str) -> RunReport {
    RunReport::build(
        RunInfo {
            id: "it".into(),
            workload: "register".into(),
            nemesis: nemesis.into(),
            elapsed: out.elapsed,
        },
        &out.ops,
        out.harness_failures.clone(),
        check_history(&out.ops, &Limits::default()),
    )
}

fn count(out: &RunOutput, kind: Kind) -> usize {
    out.ops
        .iter()
        .filter(|o| o.kind == kind && matches!(o.process, Process::Client(_)))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_workload_on_a_dev_server_is_linearizable() {
    // A missing binary is a harness failure, never a silent pass.
    let bin =
        arca_bin().expect("no arca binary: `cargo test --workspace` builds it, or set ARCA_BIN");
    let home = tempfile::tempdir().expect("temp dir");
    let server = start_dev(&bin, home.path());
    let history = home.path().join("history.jsonl");
    let cfg = RunConfig {
        concurrency: 3,
        max_ops: 300,
        duration: Duration::from_secs(10),
        seed: 1,
        history: Some(history.clone()),
        recovery: Duration::from_secs(10),
        ..RunConfig::default()
    };
    let out = run(
        cluster(server.port, Duration::from_secs(5)),
        workload("jepsen/it-1"),
        None,
        &cfg,
    )
    .await;
    let r = report(&out, "none");
    assert_eq!(
        r.outcome,
        Outcome::Pass,
        "{}\n{:#?}",
        r.one_line(),
        r.anomalies
    );
    assert_eq!(
        count(&out, Kind::Invoke),
        300 + r.keys,
        "300 operations and one final read per key"
    );
    assert!(
        r.counts["read"].ok > 0 && r.counts["write"].ok > 0 && r.counts["cas"].ok > 0,
        "{:?}",
        r.counts
    );
    // Without faults nothing is uncertain.
    assert_eq!(count(&out, Kind::Info), 0);
    // The file on disk is the same history and checks the same.
    let from_disk = read_history(&history).expect("history file");
    assert_eq!(from_disk, out.ops);
    assert_eq!(
        check_history(&from_disk, &Limits::default())
            .unwrap()
            .verdict,
        Verdict::Valid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pauses_leave_the_history_linearizable() {
    // A missing binary is a harness failure, never a silent pass.
    let bin =
        arca_bin().expect("no arca binary: `cargo test --workspace` builds it, or set ARCA_BIN");
    let home = tempfile::tempdir().expect("temp dir");
    let server = start_dev(&bin, home.path());
    let node = NodeProcess::new(server.child.id(), None).expect("pid");
    let nemesis: Arc<dyn Nemesis> = Arc::new(ProcessNemesis::new(ProcessFaults::Pause, vec![node]));
    let cfg = RunConfig {
        concurrency: 3,
        max_ops: 3_000,
        duration: Duration::from_secs(4),
        seed: 2,
        schedule: Schedule {
            quiet: Duration::from_millis(800),
            fault_for: Duration::from_millis(1_000),
            heal_for: Duration::from_millis(800),
            faults: vec![Fault::Pause(Targets::Random)],
        },
        recovery: Duration::from_secs(10),
        ..RunConfig::default()
    };
    let out = run(
        cluster(server.port, Duration::from_millis(300)),
        workload("jepsen/it-2"),
        Some(nemesis),
        &cfg,
    )
    .await;
    let r = report(&out, "pause");
    assert_eq!(
        r.outcome,
        Outcome::Pass,
        "{}\n{:#?}",
        r.one_line(),
        r.anomalies
    );
    assert!(r.faults >= 1, "a pause happened");
    let healed = out
        .ops
        .iter()
        .any(|o| o.f == F::FaultStop && o.kind == Kind::Ok);
    assert!(healed, "the pause was healed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_dev_server_loses_writes_and_the_checker_catches_it() {
    // A missing binary is a harness failure, never a silent pass.
    let bin =
        arca_bin().expect("no arca binary: `cargo test --workspace` builds it, or set ARCA_BIN");
    let home = tempfile::tempdir().expect("temp dir");
    let mut server = start_dev(&bin, home.path());
    let restart = Restart {
        program: bin.clone(),
        args: server.args.clone(),
        env: vec![
            ("HOME".into(), home.path().display().to_string()),
            ("TMPDIR".into(), home.path().display().to_string()),
        ],
        log: home.path().join("restarts.log"),
        unseal_keys: Vec::new(),
    };
    let node = NodeProcess::new(server.child.id(), Some(restart)).expect("pid");
    let nemesis = Arc::new(ProcessNemesis::new(ProcessFaults::Kill, vec![node]));
    let cfg = RunConfig {
        concurrency: 3,
        max_ops: 3_000,
        duration: Duration::from_secs(3),
        seed: 3,
        schedule: Schedule {
            quiet: Duration::from_millis(1_000),
            fault_for: Duration::from_millis(300),
            heal_for: Duration::from_secs(10),
            faults: vec![Fault::Kill(Targets::Node(0))],
        },
        recovery: Duration::from_secs(20),
        ..RunConfig::default()
    };
    let dyn_nemesis: Arc<dyn Nemesis> = nemesis.clone();
    let out = run(
        cluster(server.port, Duration::from_millis(500)),
        workload("jepsen/it-3"),
        Some(dyn_nemesis),
        &cfg,
    )
    .await;
    // Reap the original process (killed by the nemesis) and stop the restarted one.
    let _ = server.child.wait();
    let r = report(&out, "kill");
    assert!(
        out.harness_failures.is_empty(),
        "the restart must work: {:?}",
        out.harness_failures
    );
    assert_eq!(r.outcome, Outcome::Violation, "{}", r.one_line());
    assert!(
        r.anomaly_counts.contains_key("lost-write"),
        "{:?}",
        r.anomaly_counts
    );
    assert!(
        r.anomaly_counts.contains_key("not-linearizable"),
        "{:?}",
        r.anomaly_counts
    );
    // Dropping the nemesis does not stop the restarted server; kill it through a fault
    // whose restart command is harmless.
    drop(out);
    stop_restarted(&nemesis, &cluster(server.port, Duration::from_millis(500))).await;
}

/// Kills the server the nemesis restarted (it owns that child and reaps it).
async fn stop_restarted(nemesis: &ProcessNemesis, cluster: &Cluster) {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0);
    let _ = nemesis
        .start(&Fault::Kill(Targets::Node(0)), cluster, &mut rng)
        .await;
}
