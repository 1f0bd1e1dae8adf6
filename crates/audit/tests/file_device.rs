//! The file device end to end: entry shapes, hashing, modes, failures and reopening.

use std::{collections::BTreeMap, os::unix::fs::PermissionsExt};

use arca_audit::{AuditError, AuthInfo, LogInput, MountInfo, RequestInfo, Salt, create};
use arca_sdk::{Auth, LeaseInfo, Operation, Response, WrapInfo};
use serde_json::{Value, json};
use zeroize::Zeroizing;

const TOKEN: &str = "hvs.TOPSECRETTOKEN";
const ACCESSOR: &str = "accessor-in-clear";
const SECRET: &str = "p4ssw0rd-canary";

fn options(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn input() -> LogInput {
    let mut data = serde_json::Map::new();
    data.insert(
        "data".into(),
        json!({"password": SECRET, "pin": 987654321987u64}),
    );
    LogInput {
        request: RequestInfo {
            id: "req-1".into(),
            operation: Operation::Update,
            path: "secret/data/db".into(),
            mount: Some(MountInfo {
                mount_type: "kv".into(),
                mount_point: "secret/".into(),
                mount_accessor: "kv_1234".into(),
                mount_class: "secret".into(),
            }),
            data,
            remote_address: Some("127.0.0.1".into()),
            wrap_ttl: 0,
            headers: BTreeMap::new(),
        },
        auth: Some(AuthInfo {
            client_token: Zeroizing::new(TOKEN.into()),
            accessor: ACCESSOR.into(),
            display_name: "token".into(),
            policies: vec!["root".into()],
            token_policies: vec!["root".into()],
            token_type: "service".into(),
            ..Default::default()
        }),
        response: None,
        error: None,
    }
}

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn request_and_response_entries_have_vaults_shape_and_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/audit.log");
    let salt = Salt::generate();
    let dev = create(
        "file",
        &options(&[("file_path", path.to_str().unwrap())]),
        salt.clone(),
    )
    .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let mut inp = input();
    dev.log_request(&inp).unwrap();
    inp.response = Some(Response {
        data: Some(
            json!({"version": 1, "note": SECRET})
                .as_object()
                .unwrap()
                .clone(),
        ),
        lease: Some(LeaseInfo {
            lease_id: "secret/creds/abc".into(),
            lease_duration: 60,
            renewable: true,
            ..Default::default()
        }),
        auth: Some(Auth {
            client_token: "hvs.NEWTOKEN".into(),
            accessor: "new-accessor".into(),
            policies: vec!["default".into()],
            ..Default::default()
        }),
        wrap_info: Some(WrapInfo {
            token: "hvs.WRAPTOKEN".into(),
            accessor: "wrap-accessor".into(),
            ttl: 120,
            ..Default::default()
        }),
        ..Default::default()
    });
    dev.log_response(&inp).unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    for plain in [
        TOKEN,
        ACCESSOR,
        SECRET,
        "hvs.NEWTOKEN",
        "new-accessor",
        "hvs.WRAPTOKEN",
        "987654321987",
    ] {
        assert!(!text.contains(plain), "{plain} must not be logged");
    }
    let entries = lines(&path);
    assert_eq!(entries.len(), 2);
    let (req, resp) = (&entries[0], &entries[1]);
    assert_eq!(req["type"], "request");
    assert_eq!(resp["type"], "response");
    assert!(req.get("response").is_none());
    assert!(req.get("error").is_none());
    assert!(req["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(req["auth"]["client_token"], json!(salt.hash(TOKEN)));
    assert_eq!(req["auth"]["accessor"], json!(salt.hash(ACCESSOR)));
    assert_eq!(req["auth"]["display_name"], "token");
    assert_eq!(req["auth"]["policies"], json!(["root"]));
    assert_eq!(req["auth"]["token_type"], "service");
    let r = &req["request"];
    assert_eq!(r["id"], "req-1");
    assert_eq!(r["operation"], "update");
    assert_eq!(r["mount_type"], "kv");
    assert_eq!(r["mount_point"], "secret/");
    assert_eq!(r["client_token"], json!(salt.hash(TOKEN)));
    assert_eq!(r["client_token_accessor"], json!(salt.hash(ACCESSOR)));
    assert_eq!(r["namespace"], json!({"id": "root"}));
    assert_eq!(r["path"], "secret/data/db");
    assert_eq!(r["remote_address"], "127.0.0.1");
    assert_eq!(r["data"]["data"]["password"], json!(salt.hash(SECRET)));
    assert_eq!(r["data"]["data"]["pin"], json!(salt.hash("987654321987")));
    let o = &resp["response"];
    assert_eq!(o["mount_type"], "kv");
    assert_eq!(o["data"]["note"], json!(salt.hash(SECRET)));
    assert_eq!(o["secret"], json!({"lease_id": "secret/creds/abc"}));
    assert_eq!(o["auth"]["client_token"], json!(salt.hash("hvs.NEWTOKEN")));
    assert_eq!(o["auth"]["accessor"], json!(salt.hash("new-accessor")));
    assert_eq!(o["wrap_info"]["token"], json!(salt.hash("hvs.WRAPTOKEN")));
    assert_eq!(o["wrap_info"]["ttl"], 120);
    assert_eq!(dev.hash(SECRET), salt.hash(SECRET));
}

#[test]
fn log_raw_hmac_accessor_prefix_and_elision() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("raw.log");
    let p = path.to_str().unwrap();
    let dev = create(
        "file",
        &options(&[
            ("file_path", p),
            ("log_raw", "true"),
            ("prefix", "AUDIT:"),
            ("mode", "0640"),
        ]),
        Salt::generate(),
    )
    .unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
    dev.log_request(&input()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("AUDIT:{"));
    assert!(text.contains(SECRET) && text.contains(TOKEN));

    let path2 = dir.path().join("acc.log");
    let salt = Salt::generate();
    let dev = create(
        "file",
        &options(&[
            ("file_path", path2.to_str().unwrap()),
            ("hmac_accessor", "false"),
            ("elide_list_responses", "true"),
        ]),
        salt.clone(),
    )
    .unwrap();
    let mut inp = input();
    inp.request.operation = Operation::List;
    inp.response = Some(Response::list(vec!["a".into(), "b".into(), "c".into()]));
    inp.error = Some("some failure".into());
    dev.log_response(&inp).unwrap();
    let e = &lines(&path2)[0];
    assert_eq!(e["auth"]["accessor"], ACCESSOR);
    assert_eq!(e["auth"]["client_token"], json!(salt.hash(TOKEN)));
    assert_eq!(e["response"]["data"]["keys"], 3);
    assert_eq!(e["error"], "some failure");
}

#[test]
fn discard_accepts_and_unknown_types_and_bad_paths_are_refused() {
    let dev = create(
        "file",
        &options(&[("file_path", "discard")]),
        Salt::generate(),
    )
    .unwrap();
    dev.log_request(&input()).unwrap();
    dev.reopen().unwrap();
    assert!(matches!(
        create("syslog", &BTreeMap::new(), Salt::generate()),
        Err(AuditError::UnknownType(_))
    ));
    let dir = tempfile::tempdir().unwrap();
    // A directory cannot be opened for appending.
    let err = create(
        "file",
        &options(&[("file_path", dir.path().to_str().unwrap())]),
        Salt::generate(),
    )
    .err()
    .unwrap();
    assert!(err.to_string().starts_with("sanity check failed"), "{err}");
}

#[test]
fn a_full_disk_makes_writes_fail() {
    // /dev/full opens but every write fails with ENOSPC; mode 0 leaves it untouched.
    let dev = create(
        "file",
        &options(&[("file_path", "/dev/full"), ("mode", "0000")]),
        Salt::generate(),
    )
    .unwrap();
    assert!(matches!(
        dev.log_request(&input()),
        Err(AuditError::Write { .. })
    ));
    assert!(dev.log_response(&input()).is_err());
}

#[test]
fn reopen_starts_a_new_file_after_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    let dev = create(
        "file",
        &options(&[("file_path", path.to_str().unwrap())]),
        Salt::generate(),
    )
    .unwrap();
    dev.log_request(&input()).unwrap();
    let rotated = dir.path().join("audit.log.1");
    std::fs::rename(&path, &rotated).unwrap();
    // Before the reopen, entries still go to the renamed file.
    dev.log_request(&input()).unwrap();
    dev.reopen().unwrap();
    dev.log_request(&input()).unwrap();
    assert_eq!(lines(&rotated).len(), 2);
    assert_eq!(lines(&path).len(), 1);
}
