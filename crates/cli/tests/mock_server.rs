//! End-to-end runs of the CLI against a tiny scripted HTTP server.
//!
//! The server answers from a fixed route table and records every request, so these tests
//! check the whole path: flag parsing, the KV preflight, the URLs and headers sent, the output
//! printed and the exit code.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use arca_cli::env::Env;
use arca_cli::ui::Ui;
use arca_cli::{ServerInvocation, ServerLauncher};

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    target: String,
    headers: HashMap<String, String>,
    body: String,
}

struct Mock {
    addr: String,
    log: Arc<Mutex<Vec<Recorded>>>,
}

/// Route key: "METHOD /path?query" → (status, body).
type Routes = HashMap<String, (u16, String)>;

fn start(routes: Vec<(&str, u16, &str)>) -> Mock {
    let routes: Routes = routes
        .into_iter()
        .map(|(k, s, b)| (k.to_string(), (s, b.to_string())))
        .collect();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() || line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or("").to_string();
            let target = parts.next().unwrap_or("").to_string();
            let mut headers = HashMap::new();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
            let len: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let key = format!("{method} {target}");
            let (status, resp) = routes
                .get(&key)
                .cloned()
                .unwrap_or((404, "{\"errors\":[]}".to_string()));
            log2.lock().unwrap().push(Recorded {
                method,
                target,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            let reply = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{resp}",
                resp.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    Mock { addr, log }
}

impl Mock {
    fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

#[derive(Clone, Default)]
struct Buf(Rc<RefCell<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

struct NoServer;

impl ServerLauncher for NoServer {
    fn launch(&self, _: ServerInvocation) -> Result<(), String> {
        Err("not in tests".into())
    }
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run_with(argv: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
    let out = Buf::default();
    let err = Buf::default();
    let ui = Ui::with_streams(
        Box::new(out.clone()),
        Box::new(err.clone()),
        Box::new(std::io::Cursor::new(stdin.as_bytes().to_vec())),
    );
    let argv: Vec<String> = std::iter::once("vault")
        .chain(argv.iter().copied())
        .map(str::to_string)
        .collect();
    let code = arca_cli::run(argv, Env::from_pairs(env.iter().copied()), ui, &NoServer);
    Run {
        code,
        out: out.text(),
        err: err.text(),
    }
}

fn run(mock: &Mock, argv: &[&str]) -> Run {
    run_with(
        argv,
        &[
            ("VAULT_ADDR", mock.addr.as_str()),
            ("VAULT_TOKEN", "hvs.test"),
        ],
        "",
    )
}

const UNSEALED: &str = r#"{"type":"shamir","initialized":true,"sealed":false,"t":1,"n":1,"progress":0,"nonce":"","version":"1.15.6","build_date":"2026-11-28T00:00:00Z","migration":false,"cluster_name":"arca","cluster_id":"cid","recovery_seal":false,"storage_type":"raft"}"#;
const SEALED: &str = r#"{"type":"shamir","initialized":true,"sealed":true,"t":3,"n":5,"progress":2,"nonce":"n-1","version":"1.15.6","build_date":"2026-11-28T00:00:00Z","migration":false,"recovery_seal":false,"storage_type":"raft"}"#;
const LEADER_NO_HA: &str =
    r#"{"ha_enabled":false,"is_self":false,"leader_address":"","leader_cluster_address":""}"#;
const PREFLIGHT_V2: &str = r#"{"data":{"path":"secret/","type":"kv","options":{"version":"2"}}}"#;
const PREFLIGHT_V1: &str = r#"{"data":{"path":"kv/","type":"kv","options":null}}"#;

#[test]
fn status_unsealed_exits_0_with_vault_table() {
    let mock = start(vec![
        ("GET /v1/sys/seal-status", 200, UNSEALED),
        ("GET /v1/sys/leader", 200, LEADER_NO_HA),
    ]);
    let r = run(&mock, &["status"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(
        r.out,
        "Key             Value\n\
         ---             -----\n\
         Seal Type       shamir\n\
         Initialized     true\n\
         Sealed          false\n\
         Total Shares    1\n\
         Threshold       1\n\
         Version         1.15.6\n\
         Build Date      2026-11-28T00:00:00Z\n\
         Storage Type    raft\n\
         Cluster Name    arca\n\
         Cluster ID      cid\n\
         HA Enabled      false\n"
    );
}

#[test]
fn status_sealed_exits_2_and_masks_sealed_leader_error() {
    let mock = start(vec![
        ("GET /v1/sys/seal-status", 200, SEALED),
        (
            "GET /v1/sys/leader",
            503,
            r#"{"errors":["Vault is sealed"]}"#,
        ),
    ]);
    let r = run(&mock, &["status"]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.out.contains("Unseal Progress    2/3\n"));
    assert!(r.out.contains("Unseal Nonce       n-1\n"));
    assert!(r.out.ends_with("HA Enabled         true\n"), "{}", r.out);
    let r = run(&mock, &["status", "-format=json"]);
    assert_eq!(r.code, 2);
    assert!(r.out.contains("\"sealed\": true,"));
}

#[test]
fn status_connection_refused_exits_1() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let addr = format!("http://127.0.0.1:{port}");
    let r = run_with(&["status"], &[("VAULT_ADDR", addr.as_str())], "");
    assert_eq!(r.code, 1);
    assert_eq!(
        r.err,
        format!(
            "Error checking seal status: Get \"{addr}/v1/sys/seal-status\": dial tcp 127.0.0.1:{port}: connect: connection refused\n"
        )
    );
}

#[test]
fn kv_get_path_form_v2_runs_preflight_and_prints_banners() {
    let mock = start(vec![
        (
            "GET /v1/sys/internal/ui/mounts/secret/foo",
            200,
            PREFLIGHT_V2,
        ),
        (
            "GET /v1/secret/data/foo",
            200,
            r#"{"request_id":"r","lease_id":"","lease_duration":0,"renewable":false,"data":{"data":{"bar":"baz"},"metadata":{"created_time":"2026-11-28T10:00:00Z","custom_metadata":null,"deletion_time":"","destroyed":false,"version":1}},"warnings":null}"#,
        ),
    ]);
    let r = run(&mock, &["kv", "get", "secret/foo"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(
        r.out,
        "= Secret Path =\nsecret/data/foo\n\n\
         ======= Metadata =======\n\
         Key                Value\n\
         ---                -----\n\
         created_time       2026-11-28T10:00:00Z\n\
         custom_metadata    <nil>\n\
         deletion_time      n/a\n\
         destroyed          false\n\
         version            1\n\
         \n\
         === Data ===\n\
         Key    Value\n\
         ---    -----\n\
         bar    baz\n"
    );
    let reqs = mock.requests();
    assert_eq!(reqs[0].target, "/v1/sys/internal/ui/mounts/secret/foo");
    assert_eq!(reqs[1].target, "/v1/secret/data/foo");
    assert_eq!(
        reqs[1].headers.get("x-vault-token").map(String::as_str),
        Some("hvs.test")
    );
    assert_eq!(
        reqs[1].headers.get("x-vault-request").map(String::as_str),
        Some("true")
    );

    let r = run(&mock, &["kv", "get", "-field=bar", "secret/foo"]);
    assert_eq!((r.code, r.out.as_str()), (0, "baz"));
    let r = run(&mock, &["kv", "get", "-format=json", "secret/foo"]);
    assert!(
        r.out
            .starts_with("{\n  \"request_id\": \"r\",\n  \"lease_id\": \"\",")
    );
    assert!(
        r.out
            .contains("\"data\": {\n      \"bar\": \"baz\"\n    },")
    );
}

#[test]
fn kv_get_missing_is_exit_2() {
    let mock = start(vec![(
        "GET /v1/sys/internal/ui/mounts/secret/nope",
        200,
        PREFLIGHT_V2,
    )]);
    let r = run(&mock, &["kv", "get", "secret/nope"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.err, "No value found at secret/data/nope\n");
}

#[test]
fn kv_put_mount_form_sends_v2_body_and_version_query() {
    let mock = start(vec![
        ("GET /v1/sys/internal/ui/mounts/secret", 200, PREFLIGHT_V2),
        (
            "PUT /v1/secret/data/app/cfg",
            200,
            r#"{"data":{"created_time":"t","custom_metadata":null,"deletion_time":"","destroyed":false,"version":3}}"#,
        ),
    ]);
    let r = run_with(
        &[
            "kv",
            "put",
            "-mount=secret",
            "-cas=2",
            "app/cfg",
            "user=admin",
            "pw=-",
        ],
        &[
            ("VAULT_ADDR", mock.addr.as_str()),
            ("VAULT_TOKEN", "t"),
            ("VAULT_WRAP_TTL", ""),
        ],
        "s3cret\n",
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out
            .starts_with("=== Secret Path ===\nsecret/data/app/cfg\n\n"),
        "{}",
        r.out
    );
    assert!(r.out.contains("version            3\n"));
    let put = &mock.requests()[1];
    assert_eq!(put.method, "PUT");
    let body: serde_json::Value = serde_json::from_str(&put.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"data": {"user": "admin", "pw": "s3cret\n"}, "options": {"cas": 2}})
    );
}

#[test]
fn kv_v1_list_and_put() {
    let mock = start(vec![
        ("GET /v1/sys/internal/ui/mounts/kv/app", 200, PREFLIGHT_V1),
        (
            "GET /v1/kv/app?list=true",
            200,
            r#"{"data":{"keys":["b","a/"]}}"#,
        ),
        ("PUT /v1/kv/app", 204, ""),
    ]);
    let r = run(&mock, &["kv", "list", "kv/app"]);
    assert_eq!(
        (r.code, r.out.as_str()),
        (0, "Keys\n----\na/\nb\n"),
        "{}",
        r.err
    );
    let r = run(&mock, &["kv", "put", "kv/app", "a=b"]);
    assert_eq!(
        (r.code, r.out.as_str()),
        (0, "Success! Data written to: kv/app\n")
    );
}

#[test]
fn api_errors_print_vault_text_and_exit_2() {
    let mock = start(vec![(
        "GET /v1/secret/foo",
        403,
        r#"{"errors":["permission denied"]}"#,
    )]);
    let r = run(&mock, &["read", "secret/foo"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.err,
        format!(
            "Error reading secret/foo: Error making API request.\n\nURL: GET {}/v1/secret/foo\nCode: 403. Errors:\n\n* permission denied\n",
            mock.addr
        )
    );
}

#[test]
fn write_force_and_headers() {
    let mock = start(vec![("PUT /v1/sys/rotate", 204, "")]);
    let r = run_with(
        &[
            "write",
            "-f",
            "-wrap-ttl=5m",
            "-namespace=team",
            "sys/rotate",
        ],
        &[("VAULT_ADDR", mock.addr.as_str()), ("VAULT_TOKEN", "t")],
        "",
    );
    assert_eq!(
        (r.code, r.out.as_str()),
        (0, "Success! Data written to: sys/rotate\n"),
        "{}",
        r.err
    );
    let req = &mock.requests()[0];
    assert_eq!(
        req.headers.get("x-vault-wrap-ttl").map(String::as_str),
        Some("5m0s")
    );
    assert_eq!(
        req.headers.get("x-vault-namespace").map(String::as_str),
        Some("team/")
    );
    assert_eq!(req.body, "{}");
}

#[test]
fn login_verifies_and_stores_token() {
    let mock = start(vec![(
        "GET /v1/auth/token/lookup-self",
        200,
        r#"{"data":{"id":"hvs.root","accessor":"acc","policies":["root"],"ttl":0,"renewable":false}}"#,
    )]);
    let home = tempfile::tempdir().unwrap();
    let r = run_with(
        &["login", "hvs.root"],
        &[
            ("VAULT_ADDR", mock.addr.as_str()),
            ("HOME", home.path().to_str().unwrap()),
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.starts_with("Success! You are now authenticated."));
    assert!(r.out.contains("token_policies       [\"root\"]\n"));
    assert_eq!(
        std::fs::read_to_string(home.path().join(".vault-token")).unwrap(),
        "hvs.root"
    );
    assert_eq!(
        mock.requests()[0]
            .headers
            .get("x-vault-token")
            .map(String::as_str),
        Some("hvs.root")
    );
    // Methods without a client handler are refused with an explanation.
    let r = run_with(
        &["login", "-method=aws", "role=x"],
        &[
            ("VAULT_ADDR", mock.addr.as_str()),
            ("HOME", home.path().to_str().unwrap()),
        ],
        "",
    );
    assert_eq!(r.code, 1);
    assert!(r.err.contains("not supported by this client"));
}

#[test]
fn operator_init_json_and_unseal_from_pipe() {
    let mock = start(vec![
        ("GET /v1/sys/seal-status", 200, SEALED),
        (
            "PUT /v1/sys/init",
            200,
            r#"{"keys":["aa"],"keys_base64":["qg=="],"root_token":"hvs.root"}"#,
        ),
        ("PUT /v1/sys/unseal", 200, UNSEALED),
        ("GET /v1/sys/leader", 200, LEADER_NO_HA),
    ]);
    let r = run(
        &mock,
        &[
            "operator",
            "init",
            "-key-shares=1",
            "-key-threshold=1",
            "-format=json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out
            .starts_with("{\n  \"unseal_keys_b64\": [\n    \"qg==\"\n  ],")
    );
    let init_body: serde_json::Value = serde_json::from_str(&mock.requests()[1].body).unwrap();
    assert_eq!(init_body["secret_shares"], 1);
    assert_eq!(init_body["recovery_shares"], 0);

    let r = run_with(
        &["operator", "unseal"],
        &[("VAULT_ADDR", mock.addr.as_str()), ("VAULT_TOKEN", "t")],
        "qg==\n",
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.starts_with("Unseal Key (will be hidden): \nKey "));
    let unseal = mock
        .requests()
        .into_iter()
        .find(|q| q.target == "/v1/sys/unseal")
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&unseal.body).unwrap();
    assert_eq!(body["key"], "qg==");
}

#[test]
fn secrets_enable_kv_v2() {
    let mock = start(vec![("POST /v1/sys/mounts/secret", 204, "")]);
    let r = run(&mock, &["secrets", "enable", "-path=secret", "kv-v2"]);
    assert_eq!(
        (r.code, r.out.as_str()),
        (0, "Success! Enabled the kv-v2 secrets engine at: secret/\n"),
        "{}",
        r.err
    );
    let body: serde_json::Value = serde_json::from_str(&mock.requests()[0].body).unwrap();
    assert_eq!(body["type"], "kv");
    assert_eq!(body["options"]["version"], "2");
}

#[test]
fn kv_rollback_rewrites_the_old_version_with_check_and_set() {
    let mock = start(vec![
        ("GET /v1/sys/internal/ui/mounts/secret", 200, PREFLIGHT_V2),
        (
            "GET /v1/secret/data/app",
            200,
            r#"{"data":{"data":{"user":"new"},"metadata":{"deletion_time":"","destroyed":false,"version":3}}}"#,
        ),
        (
            "GET /v1/secret/data/app?version=1",
            200,
            r#"{"data":{"data":{"user":"old"},"metadata":{"deletion_time":"","destroyed":false,"version":1}}}"#,
        ),
        (
            "GET /v1/secret/data/app?version=2",
            200,
            r#"{"data":{"data":null,"metadata":{"deletion_time":"2026-11-28T10:00:00Z","destroyed":false,"version":2}}}"#,
        ),
        (
            "PUT /v1/secret/data/app",
            200,
            r#"{"data":{"created_time":"t","custom_metadata":null,"deletion_time":"","destroyed":false,"version":4}}"#,
        ),
    ]);
    let r = run(
        &mock,
        &["kv", "rollback", "-mount=secret", "-version=1", "app"],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.starts_with("= Secret Path =\nsecret/data/app\n\n"),
        "{}",
        r.out
    );
    assert!(r.out.contains("version            4\n"), "{}", r.out);
    let put = mock
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .expect("a write");
    let body: serde_json::Value = serde_json::from_str(&put.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"data": {"user": "old"}, "options": {"cas": 3}})
    );

    let r = run(
        &mock,
        &["kv", "rollback", "-mount=secret", "-version=2", "app"],
    );
    assert_eq!(
        (r.code, r.err.as_str()),
        (2, "Cannot roll back to a version that has been deleted\n")
    );
    let r = run(&mock, &["kv", "rollback", "-mount=secret", "app"]);
    assert_eq!(
        (r.code, r.err.as_str()),
        (1, "Version flag must be specified\n")
    );
    let r = run(&mock, &["kv", "rollback", "-version=0", "secret/app"]);
    assert_eq!(
        (r.code, r.err.as_str()),
        (1, "Invalid value 0 for the version flag\n")
    );
}

#[test]
fn kv_metadata_patch_sends_a_merge_patch() {
    let mock = start(vec![
        ("GET /v1/sys/internal/ui/mounts/secret", 200, PREFLIGHT_V2),
        ("PATCH /v1/secret/metadata/app", 204, ""),
    ]);
    let r = run(
        &mock,
        &[
            "kv",
            "metadata",
            "patch",
            "-mount=secret",
            "-max-versions=5",
            "-remove-custom-metadata=old",
            "app",
        ],
    );
    assert_eq!(
        (r.code, r.out.as_str()),
        (0, "Success! Data written to: secret/metadata/app\n"),
        "{}",
        r.err
    );
    let patch = &mock.requests()[1];
    assert_eq!(
        patch.headers.get("content-type").map(String::as_str),
        Some("application/merge-patch+json")
    );
    let body: serde_json::Value = serde_json::from_str(&patch.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"max_versions": 5, "custom_metadata": {"old": null}})
    );
}

#[test]
fn output_curl_string_sends_only_the_kv_preflight() {
    let mock = start(vec![(
        "GET /v1/sys/internal/ui/mounts/secret/foo",
        200,
        PREFLIGHT_V2,
    )]);
    let r = run(&mock, &["kv", "get", "-output-curl-string", "secret/foo"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(
        r.out,
        format!(
            "curl -H \"X-Vault-Request: true\" -H \"X-Vault-Token: $(vault print token)\" {}/v1/secret/data/foo\n",
            mock.addr
        )
    );
    assert_eq!(mock.requests().len(), 1);
}
