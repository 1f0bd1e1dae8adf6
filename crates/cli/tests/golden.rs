//! Golden-output tests: the table, JSON and YAML output (and `-field`) of the commands users
//! and scripts read most, run against a real dev server and compared byte for byte with the
//! files in `tests/golden/`, after masking what changes from run to run (times, ids, ports,
//! accessors, the build's version).
//!
//! To accept a deliberate change of output: `ARCA_UPDATE_GOLDEN=1 cargo test --workspace
//! -- golden`, then review the diff of `crates/cli/tests/golden/`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regex::Regex;
use support::{ARCA, start_dev};

/// Keys whose values differ between runs, in every output format.
const MASKED_KEYS: &[&str] = &[
    "request_id",
    "accessor",
    "creation_time",
    "issue_time",
    "expire_time",
    "created_time",
    "updated_time",
    "cluster_id",
    "cluster_name",
    "build_date",
    "raft_committed_index",
    "raft_applied_index",
    "active_time",
    "leader_address",
    "leader_cluster_address",
    "Cluster ID",
    "Cluster Name",
    "Version",
    "Build Date",
    "Raft Committed Index",
    "Raft Applied Index",
    "Active Since",
    "HA Cluster",
    "Active Node Address",
];

/// Masks the run-specific parts of `text`.
fn mask(text: &str) -> String {
    let rules: Vec<(Regex, &str)> = vec![
        (
            Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)").unwrap(),
            "<time>",
        ),
        (
            Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap(),
            "<uuid>",
        ),
        (
            Regex::new(r"\b[a-z_]+_[0-9a-f]{8}\b").unwrap(),
            "<accessor>",
        ),
        (Regex::new(r"127\.0\.0\.1:\d+").unwrap(), "127.0.0.1:<port>"),
        // The build's version, wherever it appears ("1.15.6", "v1.15.6+builtin.arca").
        (
            Regex::new(r#"(?m)^(\s*"?version"?: )"?\d+\.\d+\.\d+[^",\n]*"?"#).unwrap(),
            "${1}<version>",
        ),
        (
            Regex::new(r"v\d+\.\d+\.\d+\+builtin\.arca").unwrap(),
            "<builtin-version>",
        ),
    ];
    let mut out = text.to_string();
    for (re, with) in &rules {
        out = re.replace_all(&out, *with).into_owned();
    }
    for key in MASKED_KEYS {
        let k = regex::escape(key);
        // JSON: "key": value   (up to the comma or end of line)
        let json = Regex::new(&format!(r#"(?m)^(\s*"{k}": )("[^"]*"|[^,\n]*)(,?)$"#)).unwrap();
        out = json.replace_all(&out, "${1}<masked>${3}").into_owned();
        // YAML: key: value
        let yaml = Regex::new(&format!(r"(?m)^(\s*{k}: ).+$")).unwrap();
        out = yaml.replace_all(&out, "${1}<masked>").into_owned();
        // Tables: key, two or more spaces, value
        let table = Regex::new(&format!(r"(?m)^({k} {{2,}})\S.*$")).unwrap();
        out = table.replace_all(&out, "${1}<masked>").into_owned();
    }
    out
}

struct Cli {
    port: u16,
    home: PathBuf,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(ARCA)
            .args(args)
            .env("VAULT_ADDR", format!("http://127.0.0.1:{}", self.port))
            .env("VAULT_TOKEN", "devroot")
            .env("HOME", &self.home)
            .env_remove("VAULT_FORMAT")
            .output()
            .expect("run arca")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares (or, with `ARCA_UPDATE_GOLDEN=1`, rewrites) one golden file; returns a
/// description of the mismatch instead of panicking so one run reports every difference.
fn check(name: &str, actual: &str) -> Option<String> {
    let path = golden_dir().join(name);
    let masked = mask(actual);
    if std::env::var_os("ARCA_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &masked).expect("write golden file");
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    (expected != masked).then(|| {
        format!("--- {name} (expected)\n{expected}\n+++ {name} (actual, masked)\n{masked}\n")
    })
}

#[test]
fn masking_hides_what_changes_between_runs() {
    let text = "Cluster ID      4f1c2d3e-0000-1111-2222-333344445555\nkey    value\n\
                \"created_time\": \"2026-11-28T10:00:00.123Z\",\n  accessor: abc\n\
                secret/    kv    kv_1a2b3c4d    n/a\n";
    assert_eq!(
        mask(text),
        "Cluster ID      <masked>\nkey    value\n\"created_time\": <masked>,\n  accessor: <masked>\n\
         secret/    kv    <accessor>    n/a\n"
    );
}

#[test]
fn golden_outputs_of_common_commands() {
    let home = tempfile::tempdir().expect("temp home");
    let (_server, port, mounts) = start_dev(home.path());
    assert!(mounts.is_some(), "dev server did not come up");
    let cli = Cli {
        port,
        home: home.path().to_path_buf(),
    };
    let policy = home.path().join("golden.hcl");
    std::fs::write(
        &policy,
        "path \"secret/*\" {\n  capabilities = [\"read\"]\n}\n",
    )
    .expect("policy file");
    cli.ok(&[
        "policy",
        "write",
        "golden-policy",
        policy.to_str().expect("utf-8 path"),
    ]);
    let mut diffs = Vec::new();
    let formats = [("table", "txt"), ("json", "json"), ("yaml", "yaml")];

    // Each put makes a new version, so the versions in the goldens are fixed by this order.
    for (fmt, ext) in formats {
        let out = cli.ok(&[
            "kv",
            "put",
            &format!("-format={fmt}"),
            "-mount=secret",
            "golden/app",
            "user=alice",
            "port=5432",
        ]);
        diffs.extend(check(&format!("kv_put.{ext}"), &out));
    }
    let cases: &[(&str, &[&str])] = &[
        ("status", &["status"]),
        ("kv_get", &["kv", "get", "-mount=secret", "golden/app"]),
        ("kv_get_path_form", &["kv", "get", "secret/golden/app"]),
        (
            "kv_metadata_get",
            &["kv", "metadata", "get", "-mount=secret", "golden/app"],
        ),
        ("token_lookup", &["token", "lookup"]),
        ("secrets_list", &["secrets", "list"]),
        ("auth_list", &["auth", "list"]),
        ("policy_list", &["policy", "list"]),
        ("read_mount_tune", &["read", "sys/mounts/secret/tune"]),
        ("raft_list_peers", &["operator", "raft", "list-peers"]),
    ];
    for (name, args) in cases {
        for (fmt, ext) in formats {
            let mut argv: Vec<&str> = args.to_vec();
            let flag = format!("-format={fmt}");
            argv.push(&flag);
            diffs.extend(check(&format!("{name}.{ext}"), &cli.ok(&argv)));
        }
    }
    let fields: &[(&str, &[&str])] = &[
        (
            "kv_get_field",
            &["kv", "get", "-field=user", "-mount=secret", "golden/app"],
        ),
        (
            "token_lookup_field",
            &["token", "lookup", "-field=policies"],
        ),
        (
            "read_field",
            &["read", "-field=max_lease_ttl", "sys/mounts/secret/tune"],
        ),
        ("secrets_list_detailed", &["secrets", "list", "-detailed"]),
    ];
    for (name, args) in fields {
        diffs.extend(check(&format!("{name}.txt"), &cli.ok(args)));
    }
    assert!(
        diffs.is_empty(),
        "golden output differs:\n{}",
        diffs.join("\n")
    );
}
