//! End-to-end tests of loading, merging, env overrides and validation.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::*;

const SEED_HA: &str = r#"ui = true
listener "tcp" {
  tls_disable = 1
  address = "[::]:8200"
  cluster_address = "[::]:8201"
}
storage "raft" {
  path = "/vault/data"
  retry_join {
    leader_api_addr = "http://vault-0.vault-internal:8200"
  }
  retry_join {
    leader_api_addr = "http://vault-1.vault-internal:8200"
  }
}
service_registration "kubernetes" {}
"#;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

#[test]
fn parses_seed_ha_config() {
    let c = Config::from_str(SEED_HA, "config.hcl").unwrap();
    assert!(c.ui);
    assert_eq!(c.listeners.len(), 1);
    let l = &c.listeners[0];
    assert!(l.tls_disable);
    assert_eq!(l.address, "[::]:8200");
    assert_eq!(l.cluster_address().unwrap(), "[::]:8201");
    assert_eq!(l.max_request_size(), Some(33_554_432));
    assert_eq!(l.origin.line, 2);
    let raft = c.raft().unwrap();
    assert_eq!(raft.path.as_deref(), Some("/vault/data"));
    assert_eq!(raft.node_id, None);
    assert_eq!(raft.trailing_logs, DEFAULT_TRAILING_LOGS);
    let leaders: Vec<_> = raft
        .retry_join
        .iter()
        .map(|j| j.leader_api_addr.as_deref().unwrap())
        .collect();
    assert_eq!(
        leaders,
        [
            "http://vault-0.vault-internal:8200",
            "http://vault-1.vault-internal:8200"
        ]
    );
    assert_eq!(raft.retry_join[1].origin.line, 12);
    assert!(matches!(
        c.service_registration,
        Some(ServiceRegistrationConfig::Kubernetes(_))
    ));

    // As in the Helm chart, node id and addresses come from the environment.
    let mut with_env = c.clone();
    with_env.apply_env(&env_of(&[
        ("VAULT_RAFT_NODE_ID", "vault-0"),
        ("VAULT_CLUSTER_ADDR", "https://vault-0.vault-internal:8201"),
        ("VAULT_API_ADDR", "http://10.0.0.5:8200"),
        ("VAULT_K8S_NAMESPACE", "vault"),
        ("VAULT_K8S_POD_NAME", "vault-0"),
    ]));
    with_env.validate().unwrap();
    let Some(ServiceRegistrationConfig::Kubernetes(k8s)) = &with_env.service_registration else {
        panic!("no k8s registration");
    };
    assert_eq!(k8s.pod_name.as_deref(), Some("vault-0"));

    // Without a node id the config is refused, naming the stanza's place.
    let mut no_id = c;
    no_id.cluster_addr = Some("https://vault-0.vault-internal:8201".into());
    let err = no_id.validate().unwrap_err().to_string();
    assert!(err.starts_with("config.hcl:7: "), "{err}");
    assert!(err.contains("'node_id' must be set"), "{err}");
}

#[test]
fn full_config_with_every_supported_key() {
    let text = r#"
api_addr = "https://vault.example.com:8200"
cluster_addr = "https://10.0.0.1:8201"
cluster_name = "prod"
disable_mlock = "true"
log_level = "DEBUG"
log_format = "json"
default_lease_ttl = "768h"
max_lease_ttl = 2764800
default_max_request_duration = "90s"
pid_file = "/run/arca.pid"
plugin_directory = "/plugins"
storage "raft" {
  path = "/data"
  node_id = "n1"
  performance_multiplier = 1
  trailing_logs = "20000"
  snapshot_threshold = 100
  autopilot_reconcile_interval = "5s"
  max_entry_size = 2097152
  retry_join {
    auto_join = "provider=k8s label_selector=\"app=vault\""
    auto_join_scheme = "https"
    auto_join_port = 8200
    leader_tls_servername = "vault"
    leader_ca_cert_file = "/tls/ca.pem"
    leader_client_cert_file = "/tls/c.pem"
    leader_client_key_file = "/tls/k.pem"
  }
  retry_join {
    leader_api_addr = "https://vault-1:8200"
    leader_ca_cert = "CA"
    leader_client_cert = "CERT"
    leader_client_key = "TOPSECRETKEY"
  }
}
listener "tcp" {
  address = "0.0.0.0:8200"
  tls_cert_file = "/tls/cert.pem"
  tls_key_file = "/tls/key.pem"
  tls_client_ca_file = "/tls/ca.pem"
  tls_min_version = "tls13"
  max_request_size = -1
  max_request_duration = "30s"
  x_forwarded_for_authorized_addrs = "10.0.0.0/8, 192.168.1.1"
  telemetry {
    unauthenticated_metrics_access = "true"
  }
}
telemetry {
  prometheus_retention_time = "30s"
  disable_hostname = true
  metrics_prefix = "arca"
  usage_gauge_period = "none"
  prefix_filter = ["+vault.token", "-vault.expire"]
}
"#;
    let c = Config::from_str(text, "full.hcl").unwrap();
    c.validate().unwrap();
    assert!(c.disable_mlock);
    assert_eq!(c.log_level.as_deref(), Some("debug"));
    assert_eq!(c.default_lease_ttl, Some(Duration::from_secs(768 * 3600)));
    assert_eq!(c.max_lease_ttl, Some(Duration::from_secs(2_764_800)));
    let raft = c.raft().unwrap();
    assert_eq!(raft.trailing_logs, 20000);
    assert_eq!(raft.effective_performance_multiplier(), 1);
    assert_eq!(raft.autopilot_reconcile_interval, Duration::from_secs(5));
    assert_eq!(raft.retry_join[0].auto_join_port, Some(8200));
    assert_eq!(
        raft.retry_join[1]
            .leader_client_key
            .as_ref()
            .map(|k| k.expose()),
        Some("TOPSECRETKEY")
    );
    assert!(!format!("{c:?}").contains("TOPSECRETKEY"));
    let l = &c.listeners[0];
    assert_eq!(l.max_request_size(), None);
    assert_eq!(l.max_request_duration, Some(Duration::from_secs(30)));
    assert_eq!(
        l.x_forwarded_for_authorized_addrs,
        ["10.0.0.0/8", "192.168.1.1"]
    );
    assert!(l.telemetry.unauthenticated_metrics_access);
    assert_eq!(l.cluster_address().unwrap(), "0.0.0.0:8201");
    let t = c.telemetry.as_ref().unwrap();
    assert_eq!(t.prometheus_retention_time, Duration::from_secs(30));
    assert_eq!(t.usage_gauge_period, None);
    assert_eq!(t.metrics_prefix, "arca");
    assert_eq!(t.maximum_gauge_cardinality, 500);
    assert_eq!(t.prefix_filter.len(), 2);
}

#[test]
fn json_config_has_the_same_structure() {
    let text = r#"{
  "ui": true,
  "listener": [
    {"tcp": {"address": "127.0.0.1:8200", "tls_disable": "1"}},
    {"tcp": {"address": "127.0.0.1:9200", "tls_disable": true}}
  ],
  "storage": {"raft": {"path": "/d", "node_id": "a",
    "retry_join": [{"leader_api_addr": "http://a:8200"}, {"leader_api_addr": "http://b:8200"}]}},
  "telemetry": {"disable_hostname": true},
  "cluster_addr": "http://127.0.0.1:8201"
}"#;
    let c = Config::from_str(text, "config.json").unwrap();
    c.validate().unwrap();
    assert_eq!(c.listeners.len(), 2);
    assert!(c.listeners.iter().all(|l| l.tls_disable));
    assert_eq!(c.raft().unwrap().retry_join.len(), 2);
    assert!(c.telemetry.unwrap().disable_hostname);

    let err = Config::from_str("{\n  \"ui\": true,\n  \"lstener\": {}\n}", "c.json").unwrap_err();
    assert_eq!(err.to_string(), "c.json:3: unknown key \"lstener\"");
}

#[test]
fn directory_of_two_files_is_merged_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("10-base.hcl"),
        "ui = true\nlog_level = \"info\"\napi_addr = \"http://a:8200\"\nstorage \"raft\" {\n  path = \"/a\"\n  node_id = \"a\"\n}\nlistener \"tcp\" {\n  tls_disable = true\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("20-extra.json"),
        r#"{"log_level": "warn", "listener": {"tcp": {"address": "127.0.0.1:9200", "tls_disable": true}}, "cluster_addr": "http://a:8201"}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not config").unwrap();
    std::fs::write(dir.path().join("30-x.hcl~"), "garbage {{{").unwrap();

    let c = Config::load(&[dir.path().to_path_buf()]).unwrap();
    c.validate().unwrap();
    assert!(c.ui);
    assert_eq!(c.log_level.as_deref(), Some("warn"));
    assert_eq!(c.api_addr.as_deref(), Some("http://a:8200"));
    assert_eq!(c.cluster_addr.as_deref(), Some("http://a:8201"));
    let addrs: Vec<_> = c.listeners.iter().map(|l| l.address.as_str()).collect();
    assert_eq!(addrs, [DEFAULT_ADDRESS, "127.0.0.1:9200"]);
    assert_eq!(c.raft().unwrap().path.as_deref(), Some("/a"));

    // A later file (given as a second -config path) overrides storage whole.
    let later = dir.path().join("override.hcl.extra");
    std::fs::write(
        &later,
        "storage \"raft\" {\n  path = \"/b\"\n  node_id = \"b\"\n}\n",
    )
    .unwrap();
    let c = Config::load(&[dir.path().to_path_buf(), later]).unwrap();
    assert_eq!(c.raft().unwrap().path.as_deref(), Some("/b"));
    assert_eq!(c.listeners.len(), 2);
}

#[test]
fn errors_in_a_directory_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.hcl");
    std::fs::write(&bad, "ui = true\nbogus = 1\n").unwrap();
    let err = Config::load(&[dir.path().to_path_buf()]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:2: unknown key \"bogus\"", bad.display())
    );
}

#[test]
fn env_overrides_follow_vault_precedence() {
    let mut c = Config::from_str(SEED_HA, "config.hcl").unwrap();
    c.api_addr = Some("http://from-file:8200".into());
    c.log_level = Some("info".into());

    // VAULT_REDIRECT_ADDR is only a fallback for VAULT_API_ADDR.
    let mut redirect = c.clone();
    redirect.apply_env(&env_of(&[("VAULT_REDIRECT_ADDR", "http://redirect:8200")]));
    assert_eq!(redirect.api_addr.as_deref(), Some("http://redirect:8200"));

    c.apply_env(&env_of(&[
        ("VAULT_API_ADDR", "http://api:8200"),
        ("VAULT_REDIRECT_ADDR", "http://redirect:8200"),
        ("VAULT_CLUSTER_ADDR", "https://cluster:8201"),
        ("VAULT_RAFT_NODE_ID", "node-7"),
        ("VAULT_RAFT_PATH", "/elsewhere"),
        ("VAULT_LOG_LEVEL", "TRACE"),
        ("VAULT_LOG_FORMAT", "json"),
    ]));
    assert_eq!(c.api_addr.as_deref(), Some("http://api:8200"));
    assert_eq!(c.cluster_addr.as_deref(), Some("https://cluster:8201"));
    assert_eq!(c.log_level.as_deref(), Some("trace"));
    assert_eq!(c.log_format.as_deref(), Some("json"));
    let raft = c.raft().unwrap();
    assert_eq!(raft.node_id.as_deref(), Some("node-7"));
    assert_eq!(raft.path.as_deref(), Some("/elsewhere"));

    // Empty variables do not override.
    let mut empty = Config::from_str(SEED_HA, "config.hcl").unwrap();
    empty.apply_env(&env_of(&[("VAULT_RAFT_PATH", ""), ("VAULT_API_ADDR", "")]));
    assert_eq!(empty.raft().unwrap().path.as_deref(), Some("/vault/data"));
    assert_eq!(empty.api_addr, None);
}

#[test]
fn unknown_key_error_names_file_line_key_and_stanza() {
    let text = "ui = true\n\nstorage \"raft\" {\n  path = \"/d\"\n}\n\nlistener \"tcp\" {\n  tls_disable = true\n  adress = \"0.0.0.0:8200\"\n}\n";
    let err = Config::from_str(text, "config.hcl").unwrap_err();
    assert_eq!(
        err.to_string(),
        "config.hcl:9: unknown key \"adress\" in listener \"tcp\""
    );
    let err = Config::from_str("storage \"raft\" {\n  pth = \"/d\"\n}\n", "c.hcl").unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.hcl:2: unknown key \"pth\" in storage \"raft\""
    );
    let err = Config::from_str(
        "storage \"raft\" {\n  retry_join {\n    leader_addr = \"x\"\n  }\n}\n",
        "c.hcl",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.hcl:3: unknown key \"leader_addr\" in storage \"raft\" retry_join"
    );
}

#[test]
fn malformed_hcl_names_file_and_line() {
    let text = "ui = true\nlistener \"tcp\" {\n  address = \"0.0.0.0:8200\n}\n";
    let err = Config::from_str(text, "broken.hcl").unwrap_err();
    let ConfigError::Syntax {
        file, line, column, ..
    } = &err
    else {
        panic!("expected a syntax error, got {err}");
    };
    assert_eq!(file, "broken.hcl");
    assert_eq!(*line, 3, "{err}");
    assert!(*column >= 1);
    assert!(err.to_string().starts_with("broken.hcl:3:"), "{err}");
}

#[test]
fn wrong_types_name_file_line_and_key() {
    let err = Config::from_str(
        "ui = true\nlistener \"tcp\" {\n  tls_disable = \"maybe\"\n}\n",
        "c.hcl",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.hcl:3: invalid value for \"tls_disable\" in listener \"tcp\": expected a boolean (true/false)"
    );
    let err = Config::from_str("max_lease_ttl = \"forever\"\n", "c.hcl").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("c.hcl:1: invalid value for \"max_lease_ttl\": expected a duration"),
        "{err}"
    );
    let err = Config::from_str("api_addr = [\"a\"]\n", "c.hcl").unwrap_err();
    assert!(
        err.to_string().contains("expected a string, found a list"),
        "{err}"
    );
    // Values are never echoed (they may be secrets).
    let err = Config::from_str(
        "storage \"raft\" {\n  trailing_logs = \"s3cr3t\"\n}\n",
        "c.hcl",
    )
    .unwrap_err();
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
}

#[test]
fn unsupported_features_are_refused_clearly() {
    let err = Config::from_str(
        "ui = true\n\nseal \"gcpckms\" {\n  project = \"p\"\n  credentials = \"s.secret\"\n}\n",
        "c.hcl",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.hcl:3: seal \"gcpckms\" is not supported yet"
    );
    assert!(!err.to_string().contains("s.secret"));

    let cases = [
        (
            "seal \"awskms\" {\n  disabled = true\n}\n",
            "c.hcl:1: seal \"awskms\" is not supported yet",
        ),
        (
            "storage \"file\" {\n  path = \"/d\"\n}\n",
            "c.hcl:1: storage \"file\" is not supported yet",
        ),
        (
            "storage \"inmem\" {}\n",
            "c.hcl:1: storage \"inmem\" is not supported yet",
        ),
        (
            "storage \"consul\" {}\n",
            "c.hcl:1: storage \"consul\" is not supported yet",
        ),
        (
            "ha_storage \"consul\" {}\n",
            "c.hcl:1: ha_storage \"consul\" is not supported yet",
        ),
        (
            "listener \"unix\" {\n  address = \"/run/s\"\n}\n",
            "c.hcl:1: listener \"unix\" is not supported yet",
        ),
        (
            "service_registration \"consul\" {}\n",
            "c.hcl:1: service_registration \"consul\" is not supported yet",
        ),
        (
            "listener \"tcp\" {\n  tls_cipher_suites = \"x\"\n}\n",
            "c.hcl:2: \"tls_cipher_suites\" in listener \"tcp\" is not supported yet",
        ),
        (
            "telemetry {\n  statsd_address = \"x:8125\"\n}\n",
            "c.hcl:2: \"statsd_address\" in telemetry is not supported yet",
        ),
        (
            "\nraw_storage_endpoint = true\n",
            "c.hcl:2: \"raw_storage_endpoint\" is not supported yet",
        ),
        (
            "storage \"bogus\" {}\n",
            "c.hcl:1: unknown storage type \"bogus\"",
        ),
    ];
    for (text, want) in cases {
        let err = Config::from_str(text, "c.hcl").unwrap_err();
        assert_eq!(err.to_string(), want, "for {text:?}");
    }
}

#[test]
fn structural_errors() {
    let err = Config::from_str(
        "storage \"raft\" {\n  path = \"/a\"\n}\nstorage \"raft\" {\n  path = \"/b\"\n}\n",
        "c.hcl",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.hcl:4: only one \"storage\" block is permitted"
    );
    let err = Config::from_str("storage {\n  path = \"/a\"\n}\n", "c.hcl").unwrap_err();
    assert!(err.to_string().contains("needs a type label"), "{err}");
    // HCL's parser refuses a repeated attribute itself; JSON leaves it to the decoder.
    let err = Config::from_str("ui = true\nui = false\n", "c.hcl").unwrap_err();
    assert!(err.to_string().starts_with("c.hcl:2:"), "{err}");
    let err = Config::from_str("{\"ui\": true,\n\"ui\": false}", "c.json").unwrap_err();
    assert_eq!(err.to_string(), "c.json:2: \"ui\" is set more than once");
    let err = Config::from_str("telemetry {}\ntelemetry {}\n", "c.hcl").unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.hcl:2: only one \"telemetry\" block is permitted"
    );
}

#[test]
fn tls_rules_in_validate() {
    let base = "storage \"raft\" {\n  path = \"/d\"\n  node_id = \"n\"\n}\ncluster_addr = \"https://a:8201\"\n";
    let no_cert = format!("{base}listener \"tcp\" {{\n  address = \"0.0.0.0:8200\"\n}}\n");
    let err = Config::from_str(&no_cert, "c.hcl")
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.hcl:6: listener \"tcp\": 'tls_cert_file' must be set"
    );
    let no_key = format!("{base}listener \"tcp\" {{\n  tls_cert_file = \"/c.pem\"\n}}\n");
    let err = Config::from_str(&no_key, "c.hcl")
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(
        err.to_string().contains("'tls_key_file' must be set"),
        "{err}"
    );
    let both = format!(
        "{base}listener \"tcp\" {{\n  tls_cert_file = \"/c.pem\"\n  tls_key_file = \"/k.pem\"\n}}\n"
    );
    Config::from_str(&both, "c.hcl")
        .unwrap()
        .validate()
        .unwrap();
    let disabled = format!("{base}listener \"tcp\" {{\n  tls_disable = \"true\"\n}}\n");
    Config::from_str(&disabled, "c.hcl")
        .unwrap()
        .validate()
        .unwrap();
}

#[test]
fn validate_requires_storage_listener_and_addresses() {
    let err = Config::default().validate().unwrap_err();
    assert_eq!(err.to_string(), "A storage backend must be specified");
    let c = Config::from_str(
        "storage \"raft\" {\n  path = \"/d\"\n  node_id = \"n\"\n}\n",
        "c.hcl",
    )
    .unwrap();
    assert_eq!(
        c.validate().unwrap_err().to_string(),
        "at least one listener must be configured"
    );
    let mut c = Config::from_str(SEED_HA, "config.hcl").unwrap();
    c.apply_env(&env_of(&[("VAULT_RAFT_NODE_ID", "n")]));
    assert_eq!(
        c.validate().unwrap_err().to_string(),
        "Cluster address must be set when using raft storage"
    );
    c.cluster_addr = Some("not a url".into());
    assert!(
        c.validate()
            .unwrap_err()
            .to_string()
            .starts_with("cluster_addr: ")
    );
    c.cluster_addr = Some("https://a:8201".into());
    c.validate().unwrap();
    c.listeners[0].address = "nonsense".into();
    assert!(c.validate().unwrap_err().to_string().contains("address"));
    c.listeners[0].address = "0.0.0.0:8200".into();
    c.log_level = Some("loud".into());
    assert_eq!(
        c.validate().unwrap_err().to_string(),
        "unknown log level: loud"
    );
    c.log_level = None;
    c.default_lease_ttl = Some(Duration::from_secs(10));
    c.max_lease_ttl = Some(Duration::from_secs(5));
    assert!(c.validate().is_err());
}

#[test]
fn retry_join_rules() {
    let text = |join: &str| {
        format!(
            "cluster_addr = \"https://a:8201\"\nlistener \"tcp\" {{\n  tls_disable = 1\n}}\nstorage \"raft\" {{\n  path = \"/d\"\n  node_id = \"n\"\n  retry_join {{\n{join}\n  }}\n}}\n"
        )
    };
    let err = Config::from_str(
        &text("leader_api_addr = \"http://a:8200\"\nauto_join = \"provider=k8s\""),
        "c.hcl",
    )
    .unwrap()
    .validate()
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.hcl:8: storage \"raft\" retry_join: cannot provide both a leader_api_addr and auto_join"
    );
    let err = Config::from_str(
        &text("auto_join = \"provider=k8s\"\nauto_join_scheme = \"ftp\""),
        "c.hcl",
    )
    .unwrap()
    .validate()
    .unwrap_err();
    assert!(
        err.to_string().contains("must either be http or https"),
        "{err}"
    );
    let err = Config::from_str(&text("leader_api_addr = \"vault-0:8200\""), "c.hcl")
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(err.to_string().contains("leader_api_addr"), "{err}");
    let err = Config::from_str(&text("auto_join_port = 70000"), "c.hcl").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("c.hcl:9: invalid value for \"auto_join_port\""),
        "{err}"
    );
}

#[test]
fn load_single_file_path() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("vault.hcl");
    std::fs::write(&path, SEED_HA).unwrap();
    let c = Config::load(std::slice::from_ref(&path)).unwrap();
    assert_eq!(c.raft().unwrap().retry_join.len(), 2);
}

#[test]
fn seal_stanzas_decode_with_env_overrides() {
    let c = Config::from_str(
        "seal \"transit\" {\n  address = \"http://a:8200\"\n  token = \"hvs.t\"\n  key_name = \"autounseal\"\n  mount_path = \"transit/\"\n  disable_renewal = \"false\"\n  tls_skip_verify = \"true\"\n}\n",
        "c.hcl",
    )
    .unwrap();
    let Some(SealStanza {
        kind: SealKind::Transit(t),
        disabled: false,
    }) = &c.seal
    else {
        panic!("{:?}", c.seal);
    };
    assert_eq!(
        (
            t.address.as_str(),
            t.key_name.as_str(),
            t.mount_path.as_str()
        ),
        ("http://a:8200", "autounseal", "transit/")
    );
    assert!(t.tls_skip_verify && !t.disable_renewal);

    let mut c = c.clone();
    c.apply_env(&|k| match k {
        "VAULT_TRANSIT_SEAL_KEY_NAME" => Some("other".into()),
        _ => None,
    });
    let Some(SealKind::Transit(t)) = c.seal.as_ref().map(|s| &s.kind) else {
        panic!()
    };
    assert_eq!(t.key_name, "other");

    let s = Config::from_str(
        "seal \"static\" {\n  current_key_id = \"k1\"\n  current_key = \"file:///k\"\n  disabled = true\n}\n",
        "c.hcl",
    )
    .unwrap();
    let Some(SealStanza {
        kind: SealKind::Static(st),
        disabled: true,
    }) = &s.seal
    else {
        panic!("{:?}", s.seal);
    };
    assert_eq!(st.current_key, "file:///k");

    // VAULT_SEAL_TYPE=transit makes a seal from the environment alone.
    let mut e = Config::default();
    e.apply_env(&|k| match k {
        "VAULT_SEAL_TYPE" => Some("transit".into()),
        "VAULT_ADDR" => Some("http://b:8200".into()),
        _ => None,
    });
    assert!(matches!(
        e.seal.as_ref().map(|s| &s.kind),
        Some(SealKind::Transit(t)) if t.address == "http://b:8200"
    ));

    let err = Config::from_str("seal \"transit\" {\n  bogus = 1\n}\n", "c.hcl").unwrap_err();
    assert!(err.to_string().contains("bogus"), "{err}");
    let err = Config::from_str("seal \"static\" {}\nseal \"transit\" {}\n", "c.hcl").unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.hcl:2: only one seal stanza is supported"
    );
}

#[test]
fn self_init_decodes_and_needs_an_auto_seal() {
    let base = "cluster_addr = \"http://127.0.0.1:8201\"\nstorage \"raft\" {\n  path = \"/d\"\n  node_id = \"n\"\n}\nlistener \"tcp\" {\n  tls_disable = true\n}\n";
    let c = Config::from_str(
        &format!("{base}seal \"static\" {{\n  current_key_id = \"k\"\n  current_key = \"env://K\"\n}}\nself_init {{\n  recovery_shares = 5\n  recovery_threshold = 3\n  root_token_file = \"/t\"\n}}\n"),
        "c.hcl",
    )
    .unwrap();
    c.validate().unwrap();
    assert_eq!(
        c.self_init,
        Some(SelfInitConfig {
            recovery_shares: 5,
            recovery_threshold: 3,
            recovery_keys_file: None,
            root_token_file: Some("/t".into()),
        })
    );
    let shamir = Config::from_str(&format!("{base}self_init {{}}\n"), "c.hcl").unwrap();
    assert_eq!(
        shamir.validate().unwrap_err().to_string(),
        "self_init needs an auto-unseal seal (seal \"static\" or seal \"transit\")"
    );
    let err = Config::from_str("self_init {\n  bogus = 1\n}\n", "c.hcl").unwrap_err();
    assert!(err.to_string().contains("bogus"), "{err}");
}

#[test]
fn disable_standby_reads_switch_and_merge() {
    let base = "ui = true\n";
    let on = Config::from_str(base, "a.hcl").unwrap();
    assert_eq!(on.disable_standby_reads, None);
    assert!(on.standby_reads(), "standby reads are on by default");
    let off = Config::from_str(&format!("{base}disable_standby_reads = true\n"), "b.hcl").unwrap();
    assert!(!off.standby_reads());
    // A later file's explicit value wins over an earlier one.
    let again = Config::from_str("disable_standby_reads = \"false\"\n", "c.hcl").unwrap();
    assert!(off.clone().merge(again).standby_reads());
    let unset = Config::from_str("", "d.hcl").unwrap();
    assert!(!off.merge(unset).standby_reads());
    let bad = Config::from_str("disable_standby_reads = \"maybe\"\n", "e.hcl");
    assert!(bad.is_err());
}
