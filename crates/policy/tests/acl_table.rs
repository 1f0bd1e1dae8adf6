//! Table tests of the access decision: (policies, operation, path, parameters) →
//! allowed or denied, covering Vault's precedence rules, `+` segments, deny, sudo,
//! parameter constraints and wrapping bounds.

use arca_policy::{AccessRequest, Acl, Policy, default_policy};
use arca_sdk::{Map, Operation};
use serde_json::{Value, json};

use Operation::{Create, Delete, Help, List, Patch, Read, Update};

fn acl(policies: &[(&str, &str)]) -> Acl {
    let parsed: Vec<Policy> = policies
        .iter()
        .map(|(name, text)| Policy::parse(name, text).unwrap())
        .collect();
    Acl::new(&parsed)
}

fn data(v: Value) -> Map {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Runs `(operation, path, body, expected)` rows against `acl`.
fn table(acl: &Acl, rows: &[(Operation, &str, Value, bool)]) {
    for (op, path, body, expected) in rows {
        let d = acl.check(*op, path, &data(body.clone()));
        assert_eq!(
            d.allowed, *expected,
            "{op:?} {path} {body}: expected allowed={expected}, got {d:?}"
        );
    }
}

const DB_POLICY: &str = r#"
path "secret/data/database/*" {
  capabilities = ["read"]
}
"#;

#[test]
fn seed_db_policy_reads_only_database_secrets() {
    let acl = acl(&[("db-policy", DB_POLICY)]);
    table(
        &acl,
        &[
            (Read, "secret/data/database/secret", json!({}), true),
            (Read, "secret/data/database/nested/deeper", json!({}), true),
            (
                Update,
                "secret/data/database/secret",
                json!({"data": {}}),
                false,
            ),
            (
                Create,
                "secret/data/database/new",
                json!({"data": {}}),
                false,
            ),
            (Delete, "secret/data/database/secret", json!({}), false),
            (Patch, "secret/data/database/secret", json!({}), false),
            (List, "secret/metadata/database", json!({}), false),
            (Read, "secret/data/other", json!({}), false),
            (Read, "secret/data/database", json!({}), false),
            (Read, "sys/mounts", json!({}), false),
        ],
    );
    assert_eq!(acl.capabilities("secret/data/database/x"), ["read"]);
    assert_eq!(acl.capabilities("secret/data/other"), ["deny"]);
}

#[test]
fn exact_beats_glob_and_longer_glob_beats_shorter() {
    let acl = acl(&[(
        "p",
        r#"
path "secret/*" { capabilities = ["read"] }
path "secret/app/*" { capabilities = ["list"] }
path "secret/app/config" { capabilities = ["update"] }
path "secret/app/conf*" { capabilities = ["delete"] }
"#,
    )]);
    table(
        &acl,
        &[
            (Read, "secret/x", json!({}), true),
            (Read, "secret/app/x", json!({}), false),
            (List, "secret/app/x", json!({}), true),
            (Update, "secret/app/config", json!({}), true),
            (Read, "secret/app/config", json!({}), false),
            (Delete, "secret/app/config", json!({}), false),
            (Delete, "secret/app/configs", json!({}), true),
            (Read, "secret/app/configs", json!({}), false),
        ],
    );
}

#[test]
fn deny_overrides_on_the_winning_pattern_only() {
    let acl = acl(&[(
        "p",
        r#"
path "secret/*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "secret/super-secret" { capabilities = ["deny"] }
path "secret/locked/*" { capabilities = ["deny"] }
path "secret/locked/open" { capabilities = ["read"] }
"#,
    )]);
    table(
        &acl,
        &[
            (Read, "secret/foo", json!({}), true),
            (Read, "secret/super-secret", json!({}), false),
            (Update, "secret/super-secret", json!({}), false),
            (Read, "secret/locked/a", json!({}), false),
            // A more specific pattern is not overridden by a broader deny (Vault's model).
            (Read, "secret/locked/open", json!({}), true),
        ],
    );
    assert_eq!(acl.capabilities("secret/super-secret"), ["deny"]);
    assert_eq!(
        acl.capabilities("secret/foo"),
        ["create", "delete", "list", "read", "update"]
    );
}

#[test]
fn same_pattern_in_several_policies_merges_and_deny_wins() {
    let a = r#"path "secret/shared/*" { capabilities = ["read"] }"#;
    let b = r#"path "secret/shared/*" { capabilities = ["update", "sudo"] }"#;
    let c = r#"path "secret/shared/*" { capabilities = ["deny"] }"#;
    let merged = acl(&[("a", a), ("b", b)]);
    table(
        &merged,
        &[
            (Read, "secret/shared/x", json!({}), true),
            (Update, "secret/shared/x", json!({}), true),
            (Delete, "secret/shared/x", json!({}), false),
        ],
    );
    assert!(merged.check(Read, "secret/shared/x", &Map::new()).sudo);
    assert_eq!(
        merged.capabilities("secret/shared/x"),
        ["read", "sudo", "update"]
    );
    for order in [[("a", a), ("c", c)], [("c", c), ("a", a)]] {
        let denied = acl(&order);
        table(&denied, &[(Read, "secret/shared/x", json!({}), false)]);
        assert_eq!(denied.capabilities("secret/shared/x"), ["deny"]);
    }
}

#[test]
fn plus_matches_exactly_one_segment() {
    let acl = acl(&[(
        "p",
        r#"
path "secret/data/+/config" { capabilities = ["read"] }
path "secret/data/+/+/team-*" { capabilities = ["update"] }
path "+/metadata" { capabilities = ["list"] }
"#,
    )]);
    table(
        &acl,
        &[
            (Read, "secret/data/app/config", json!({}), true),
            (Read, "secret/data/app/x/config", json!({}), false),
            (Read, "secret/data/config", json!({}), false),
            (Read, "secret/data/app/config/x", json!({}), false),
            (Update, "secret/data/a/b/team-blue", json!({}), true),
            (Update, "secret/data/a/b/team-blue/more", json!({}), true),
            (Update, "secret/data/a/b/other", json!({}), false),
            (List, "kv/metadata", json!({}), true),
            (List, "kv/metadata/", json!({}), true),
            (List, "kv/other", json!({}), false),
        ],
    );
}

#[test]
fn vault_priority_order_between_wildcards() {
    // secret/* vs secret/+/+/foo/*: same first wildcard position, both globs, fewer '+'
    // wins, so secret/* decides (Vault documentation's example).
    let acl1 = acl(&[(
        "p",
        r#"
path "secret/*" { capabilities = ["read"] }
path "secret/+/+/foo/*" { capabilities = ["update"] }
"#,
    )]);
    table(
        &acl1,
        &[
            (Read, "secret/a/b/foo/bar", json!({}), true),
            (Update, "secret/a/b/foo/bar", json!({}), false),
        ],
    );
    // The later first wildcard wins; then a non-glob beats a glob.
    let acl2 = acl(&[(
        "p",
        r#"
path "secret/+/bar" { capabilities = ["read"] }
path "secret/+/*" { capabilities = ["update"] }
path "secret/foo/+" { capabilities = ["delete"] }
"#,
    )]);
    table(
        &acl2,
        &[
            (Delete, "secret/foo/bar", json!({}), true),
            (Read, "secret/foo/bar", json!({}), false),
            (Read, "secret/zed/bar", json!({}), true),
            (Update, "secret/zed/bar", json!({}), false),
            (Update, "secret/zed/baz", json!({}), true),
        ],
    );
}

#[test]
fn list_uses_the_trailing_slash_form_and_its_fallbacks() {
    let acl = acl(&[(
        "p",
        r#"
path "secret/metadata/*" { capabilities = ["list"] }
path "secret/metadata/private/*" { capabilities = ["deny"] }
path "kv" { capabilities = ["list"] }
"#,
    )]);
    table(
        &acl,
        &[
            (List, "secret/metadata", json!({}), true),
            (List, "secret/metadata/", json!({}), true),
            (List, "secret/metadata/team", json!({}), true),
            (List, "secret/metadata/private", json!({}), false),
            (List, "secret/metadata/private/", json!({}), false),
            (List, "kv/", json!({}), true),
            (List, "kv", json!({}), true),
        ],
    );
}

#[test]
fn allowed_denied_and_required_parameters() {
    let acl = acl(&[(
        "p",
        r#"
path "auth/userpass/users/*" {
  capabilities = ["create", "update"]
  allowed_parameters = {
    "password" = []
    "policies" = ["dev-*", "default"]
    "ttl" = [60, "1m"]
  }
  denied_parameters = {
    "policies" = ["dev-root"]
  }
  required_parameters = ["password"]
}
path "secret/any" {
  capabilities = ["update"]
  allowed_parameters = { "*" = [] }
  denied_parameters = { "admin" = [] }
}
path "secret/none" {
  capabilities = ["update"]
  denied_parameters = { "*" = [] }
}
path "secret/wild" {
  capabilities = ["update"]
  allowed_parameters = {
    "*" = []
    "mode" = ["ro"]
  }
}
"#,
    )]);
    let u = "auth/userpass/users/bob";
    table(
        &acl,
        &[
            (Create, u, json!({"password": "x"}), true),
            (
                Create,
                u,
                json!({"password": "x", "policies": "dev-web"}),
                true,
            ),
            (
                Create,
                u,
                json!({"password": "x", "policies": ["dev-a", "default"]}),
                true,
            ),
            (
                Create,
                u,
                json!({"password": "x", "policies": "dev-a,default"}),
                true,
            ),
            (
                Create,
                u,
                json!({"password": "x", "policies": ["dev-a", "admin"]}),
                false,
            ),
            (
                Create,
                u,
                json!({"password": "x", "policies": "DEV-ROOT"}),
                false,
            ),
            (
                Create,
                u,
                json!({"password": "x", "policies": ["dev-root"]}),
                false,
            ),
            (Create, u, json!({"password": "x", "ttl": 60}), true),
            (Create, u, json!({"password": "x", "ttl": "1m"}), true),
            (Create, u, json!({"password": "x", "ttl": 61}), false),
            (Create, u, json!({"password": "x", "color": "red"}), false),
            (Create, u, json!({"policies": "default"}), false),
            (Update, "secret/any", json!({"a": 1, "b": "c"}), true),
            (Update, "secret/any", json!({"a": 1, "admin": false}), false),
            (Update, "secret/none", json!({}), true),
            (Update, "secret/none", json!({"a": 1}), false),
            (Update, "secret/wild", json!({"other": 1}), true),
            (Update, "secret/wild", json!({"mode": "ro"}), true),
            (Update, "secret/wild", json!({"mode": "rw"}), false),
        ],
    );
    // Parameters are only checked for operations that carry them.
    let acl2 = acl_with_delete();
    table(&acl2, &[(Delete, "secret/p", json!({"x": 1}), true)]);
}

fn acl_with_delete() -> Acl {
    acl(&[(
        "p",
        r#"path "secret/p" {
  capabilities = ["delete"]
  allowed_parameters = { "y" = [] }
}"#,
    )])
}

#[test]
fn parameter_lists_merge_across_policies() {
    let a = r#"path "secret/m" {
  capabilities = ["update"]
  allowed_parameters = { "env" = ["dev"] }
}"#;
    let b = r#"path "secret/m" {
  capabilities = ["update"]
  allowed_parameters = { "env" = ["prod"] }
  required_parameters = ["env"]
}"#;
    let c = r#"path "secret/m" {
  capabilities = ["update"]
  allowed_parameters = { "env" = [] }
}"#;
    let ab = acl(&[("a", a), ("b", b)]);
    table(
        &ab,
        &[
            (Update, "secret/m", json!({"env": "dev"}), true),
            (Update, "secret/m", json!({"env": "prod"}), true),
            (Update, "secret/m", json!({"env": "test"}), false),
            (Update, "secret/m", json!({}), false),
        ],
    );
    let ac = acl(&[("a", a), ("c", c)]);
    table(&ac, &[(Update, "secret/m", json!({"env": "test"}), true)]);
}

#[test]
fn wrapping_ttl_bounds() {
    let acl = acl(&[(
        "p",
        r#"path "secret/wrapped" {
  capabilities = ["read"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "1h"
}"#,
    )]);
    let empty = Map::new();
    let check = |ttl: Option<u64>| {
        acl.check_request(&AccessRequest {
            operation: Read,
            path: "secret/wrapped",
            data: &empty,
            wrap_ttl: ttl,
        })
        .allowed
    };
    assert!(!check(None));
    assert!(!check(Some(30)));
    assert!(check(Some(60)));
    assert!(check(Some(3600)));
    assert!(!check(Some(3601)));
}

#[test]
fn sudo_root_and_help() {
    let acl1 = acl(&[(
        "p",
        r#"
path "sys/audit/*" { capabilities = ["update", "sudo"] }
path "sys/mounts/*" { capabilities = ["update"] }
"#,
    )]);
    let d = acl1.check(Update, "sys/audit/file", &Map::new());
    assert!(d.allowed && d.sudo && !d.root);
    let d = acl1.check(Update, "sys/mounts/kv", &Map::new());
    assert!(d.allowed && !d.sudo);
    // Sudo alone grants no operation.
    assert!(!acl1.check(Read, "sys/audit/file", &Map::new()).allowed);
    assert!(acl1.check(Help, "anything/at/all", &Map::new()).allowed);

    let root = Acl::new(&[Policy::root()]);
    let d = root.check(Delete, "sys/anything", &Map::new());
    assert!(d.allowed && d.sudo && d.root);
    assert_eq!(root.capabilities("x"), ["root"]);
    assert!(Acl::root().is_root());
    assert!(
        !Acl::new(&[])
            .check(Read, "cubbyhole/x", &Map::new())
            .allowed
    );
}

#[test]
fn default_policy_grants_self_service_only() {
    let acl = Acl::new(&[default_policy().unwrap()]);
    table(
        &acl,
        &[
            (Read, "auth/token/lookup-self", json!({}), true),
            (Update, "auth/token/renew-self", json!({}), true),
            (Update, "auth/token/revoke-self", json!({}), true),
            (
                Update,
                "sys/capabilities-self",
                json!({"paths": ["a"]}),
                true,
            ),
            (Read, "sys/internal/ui/mounts", json!({}), true),
            (Read, "sys/internal/ui/mounts/secret/x", json!({}), true),
            (Create, "cubbyhole/mine", json!({"a": "b"}), true),
            (List, "cubbyhole", json!({}), true),
            (Update, "sys/wrapping/unwrap", json!({}), true),
            (Update, "sys/tools/hash/sha2-256", json!({}), true),
            (Read, "auth/token/lookup", json!({}), false),
            (Update, "sys/capabilities", json!({}), false),
            (Read, "secret/data/x", json!({}), false),
            (Update, "sys/policies/acl/x", json!({}), false),
        ],
    );
}

#[test]
fn json_policies_check_like_hcl() {
    let acl = acl(&[(
        "j",
        r#"{"path": {"secret/data/database/*": {"capabilities": ["read"]}}}"#,
    )]);
    table(
        &acl,
        &[
            (Read, "secret/data/database/x", json!({}), true),
            (Read, "secret/data/other", json!({}), false),
        ],
    );
}

#[test]
fn parsing_a_realistic_policy_set_is_fast_enough_to_do_per_request() {
    // Measured, not asserted: the core caches parsed policies anyway.
    let text = arca_policy::DEFAULT_POLICY_TEXT;
    let start = std::time::Instant::now();
    for _ in 0..200 {
        let acl = Acl::new(&[Policy::parse("default", text).unwrap()]);
        assert!(
            acl.check(Read, "auth/token/lookup-self", &Map::new())
                .allowed
        );
    }
    eprintln!(
        "parse + build + check of the default policy: {:?} per request",
        start.elapsed() / 200
    );
    let parsed = [
        default_policy().unwrap(),
        Policy::parse("db", DB_POLICY).unwrap(),
    ];
    let start = std::time::Instant::now();
    for _ in 0..200 {
        let acl = Acl::from_policies(&parsed);
        assert!(
            acl.check(Read, "secret/data/database/x", &Map::new())
                .allowed
        );
    }
    eprintln!(
        "build + check from parsed policies: {:?} per request",
        start.elapsed() / 200
    );
}
