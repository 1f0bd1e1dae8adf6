//! The benchmark config file, in the shape of HashiCorp's `vault-benchmark`:
//!
//! ```hcl
//! vault_addr  = "http://127.0.0.1:8200"
//! vault_token = "hvs...."          # or VAULT_TOKEN
//! duration    = "30s"
//! workers     = 64
//! rps         = 0                  # 0: closed loop, else a total rate limit
//! report_mode = "terse"            # terse | verbose | json
//! test "kvv2_write" "writes" {
//!   weight = 50
//!   config { numkvs = 1000  kvsize = 256 }
//! }
//! ```
//!
//! Every field is checked: an unknown field, a wrong type or a bad value is an error that
//! names the line and the field, never ignored.

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

use super::hcl_tree::{self, Item};
use crate::args::Token;
use crate::duration::parse_duration;

/// Why a config was refused: the line (when known) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// 1-based line of the offending item.
    pub line: Option<usize>,
    /// What is wrong, naming the field.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

fn err(line: usize, message: impl Into<String>) -> ConfigError {
    ConfigError {
        line: Some(line),
        message: message.into(),
    }
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportMode {
    /// One line per test: count, rate, throughput, mean, p95, p99, success ratio.
    Terse,
    /// The terse table plus min/p50/p90/p99.9/max and every error kind.
    Verbose,
    /// One JSON document.
    Json,
}

impl ReportMode {
    /// Parses `terse`, `verbose` or `json`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "terse" => Some(ReportMode::Terse),
            "verbose" => Some(ReportMode::Verbose),
            "json" => Some(ReportMode::Json),
            _ => None,
        }
    }
}

/// The test types this tool implements (vault-benchmark's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKind {
    /// `POST <mount>/data/secret-N` on a kv-v2 mount of its own.
    Kvv2Write,
    /// `GET <mount>/data/secret-N` of keys written at setup.
    Kvv2Read,
    /// `POST <mount>/secret-N` on a kv-v1 mount of its own.
    Kvv1Write,
    /// `GET <mount>/secret-N` of keys written at setup.
    Kvv1Read,
    /// `POST <mount>/encrypt/<key>` on a transit mount of its own.
    TransitEncrypt,
    /// `POST <mount>/decrypt/<key>` of a ciphertext made at setup.
    TransitDecrypt,
    /// `POST auth/<mount>/login` with a role id and secret id made at setup.
    ApproleAuth,
    /// `POST auth/<mount>/login/<user>` with a user made at setup.
    UserpassAuth,
}

impl TestKind {
    /// Every kind, for error messages.
    pub const ALL: [TestKind; 8] = [
        TestKind::Kvv2Write,
        TestKind::Kvv2Read,
        TestKind::Kvv1Write,
        TestKind::Kvv1Read,
        TestKind::TransitEncrypt,
        TestKind::TransitDecrypt,
        TestKind::ApproleAuth,
        TestKind::UserpassAuth,
    ];

    /// vault-benchmark's name of the test type.
    pub fn name(self) -> &'static str {
        match self {
            TestKind::Kvv2Write => "kvv2_write",
            TestKind::Kvv2Read => "kvv2_read",
            TestKind::Kvv1Write => "kvv1_write",
            TestKind::Kvv1Read => "kvv1_read",
            TestKind::TransitEncrypt => "transit_encrypt",
            TestKind::TransitDecrypt => "transit_decrypt",
            TestKind::ApproleAuth => "approle_auth",
            TestKind::UserpassAuth => "userpass_auth",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == text)
    }
}

/// The `config { ... }` block of one test, decoded for its type.
#[derive(Debug, Clone, PartialEq)]
pub enum TestConfig {
    /// kv v1/v2: `numkvs` keys of `kvsize` bytes.
    Kv {
        /// Keys written at setup (reads) or overwritten (writes).
        numkvs: u64,
        /// Bytes of each value.
        kvsize: usize,
    },
    /// transit: the key is created with `key` (its `name` removed) at setup.
    Transit {
        /// Key name (`keys { name = .. }`, default `test`).
        key_name: String,
        /// Body of `POST <mount>/keys/<name>` (`type` defaults to `aes256-gcm96`).
        key: Map<String, Value>,
        /// Random plaintext bytes per request.
        payload_len: usize,
        /// Random context bytes (sent when the key is `derived`).
        context_len: usize,
    },
    /// AppRole: `role { role_name = .. <role fields> }`, `secret_id { <fields> }`.
    Approle {
        /// Role name (default `benchmark-role`).
        role_name: String,
        /// Body of `POST auth/<mount>/role/<name>`.
        role: Map<String, Value>,
        /// Body of `POST auth/<mount>/role/<name>/secret-id`.
        secret_id: Map<String, Value>,
    },
    /// userpass: `username`, `password` (random when absent) and the `token_*` fields.
    Userpass {
        /// User name (default `benchmark-user`).
        username: String,
        /// Password; generated when the config has none.
        password: Option<Token>,
        /// The `token_*` fields, sent when the user is created.
        user: Map<String, Value>,
    },
}

/// One `test "<type>" "<name>" { .. }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct TestSpec {
    /// Test type.
    pub kind: TestKind,
    /// Name shown in reports (unique in the file).
    pub name: String,
    /// Relative share of requests (positive).
    pub weight: u32,
    /// Line of the block.
    pub line: usize,
    /// Decoded `config` block.
    pub config: TestConfig,
}

/// A whole config file.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchConfig {
    /// Server address (`VAULT_ADDR` or `http://127.0.0.1:8200` when absent).
    pub vault_addr: Option<String>,
    /// Token for setup and requests (`VAULT_TOKEN` when absent).
    pub vault_token: Option<Token>,
    /// How long the mixed load runs.
    pub duration: Duration,
    /// Concurrent workers, each with one request in flight.
    pub workers: usize,
    /// Total requests per second across workers; 0 runs a closed loop.
    pub rps: u32,
    /// Report format.
    pub report_mode: ReportMode,
    /// Mount each test at `<name>-<random>` (true, the default) or at `<name>`.
    pub random_mounts: bool,
    /// Remove the mounts the tests made once the run is over.
    pub cleanup: bool,
    /// The tests, in file order.
    pub tests: Vec<TestSpec>,
}

/// Tracks which fields of one body were read, for unknown-field errors.
struct Fields<'a> {
    items: &'a [Item],
    used: HashSet<usize>,
    /// What the body is, for messages (`test "kvv2_write" "w" config`).
    context: String,
}

impl<'a> Fields<'a> {
    fn new(items: &'a [Item], context: impl Into<String>) -> Result<Self, ConfigError> {
        let context = context.into();
        let mut seen = HashSet::new();
        for item in items {
            let is_test = matches!(item, Item::Block { ident, .. } if ident == "test");
            if !is_test && !seen.insert(item.key()) {
                return Err(err(
                    item.line(),
                    format!("{}{} is given twice", prefix(&context), item.key()),
                ));
            }
        }
        Ok(Fields {
            items,
            used: HashSet::new(),
            context,
        })
    }

    fn attr(&mut self, key: &str) -> Result<Option<(&'a hcl::Value, usize)>, ConfigError> {
        let Some(i) = self.items.iter().position(|it| it.key() == key) else {
            return Ok(None);
        };
        self.used.insert(i);
        match &self.items[i] {
            Item::Attr { value, line, .. } => Ok(Some((value, *line))),
            Item::Block { line, .. } => Err(err(
                *line,
                format!(
                    "{}{key} must be an attribute, not a block",
                    prefix(&self.context)
                ),
            )),
        }
    }

    fn block(&mut self, key: &str) -> Result<Option<(&'a [Item], usize)>, ConfigError> {
        let Some(i) = self.items.iter().position(|it| it.key() == key) else {
            return Ok(None);
        };
        self.used.insert(i);
        match &self.items[i] {
            Item::Block {
                body, line, labels, ..
            } => {
                if !labels.is_empty() {
                    return Err(err(
                        *line,
                        format!("{}{key} takes no labels", prefix(&self.context)),
                    ));
                }
                Ok(Some((body, *line)))
            }
            Item::Attr { line, .. } => Err(err(
                *line,
                format!(
                    "{}{key} must be a block: {key} {{ ... }}",
                    prefix(&self.context)
                ),
            )),
        }
    }

    fn type_error(&self, key: &str, line: usize, want: &str) -> ConfigError {
        err(
            line,
            format!("{}{key} must be {want}", prefix(&self.context)),
        )
    }

    fn string(&mut self, key: &str) -> Result<Option<(String, usize)>, ConfigError> {
        match self.attr(key)? {
            None => Ok(None),
            Some((hcl::Value::String(s), line)) => Ok(Some((s.clone(), line))),
            Some((_, line)) => Err(self.type_error(key, line, "a string")),
        }
    }

    fn bool(&mut self, key: &str) -> Result<Option<bool>, ConfigError> {
        match self.attr(key)? {
            None => Ok(None),
            Some((hcl::Value::Bool(b), _)) => Ok(Some(*b)),
            Some((_, line)) => Err(self.type_error(key, line, "true or false")),
        }
    }

    /// A whole number in `min..=max`.
    fn int(&mut self, key: &str, min: u64, max: u64) -> Result<Option<u64>, ConfigError> {
        match self.attr(key)? {
            None => Ok(None),
            Some((hcl::Value::Number(n), line)) => match n.as_u64() {
                Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
                _ => Err(err(
                    line,
                    format!(
                        "{}{key} must be a whole number from {min} to {max}, got {n}",
                        prefix(&self.context)
                    ),
                )),
            },
            Some((_, line)) => Err(self.type_error(key, line, "a number")),
        }
    }

    /// Every remaining attribute as JSON (for bodies passed to the server as they are).
    fn rest_as_json(&mut self) -> Result<Map<String, Value>, ConfigError> {
        let mut out = Map::new();
        for (i, item) in self.items.iter().enumerate() {
            if self.used.contains(&i) {
                continue;
            }
            match item {
                Item::Attr { key, value, line } => {
                    let v = serde_json::to_value(value)
                        .map_err(|e| err(*line, format!("{}{key}: {e}", prefix(&self.context))))?;
                    out.insert(key.clone(), v);
                    self.used.insert(i);
                }
                Item::Block { .. } => {}
            }
        }
        Ok(out)
    }

    /// Fails on the first field nobody read.
    fn finish(self, known: &[&str]) -> Result<(), ConfigError> {
        for (i, item) in self.items.iter().enumerate() {
            if !self.used.contains(&i) {
                return Err(err(
                    item.line(),
                    format!(
                        "{}unknown field {:?} (known: {})",
                        prefix(&self.context),
                        item.key(),
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn prefix(context: &str) -> String {
    if context.is_empty() {
        String::new()
    } else {
        format!("{context}: ")
    }
}

/// Top-level fields.
const TOP_FIELDS: &[&str] = &[
    "vault_addr",
    "vault_token",
    "duration",
    "workers",
    "rps",
    "report_mode",
    "random_mounts",
    "cleanup",
    "test",
];

impl BenchConfig {
    /// Parses and checks a config file's text.
    pub fn parse(text: &str) -> Result<BenchConfig, ConfigError> {
        let items = hcl_tree::read(text)?;
        let mut top = Fields::new(&items, "")?;
        let vault_addr = top.string("vault_addr")?.map(|(s, _)| s);
        let vault_token = top.string("vault_token")?.map(|(s, _)| Token::new(s));
        let duration = match top.string("duration")? {
            None => Duration::from_secs(10),
            Some((text, line)) => {
                parse_duration(&text).map_err(|e| err(line, format!("duration: {e}")))?
            }
        };
        let workers = top.int("workers", 1, 4096)?.unwrap_or(10) as usize;
        let rps = top.int("rps", 0, 10_000_000)?.unwrap_or(0) as u32;
        let report_mode = match top.string("report_mode")? {
            None => ReportMode::Terse,
            Some((text, line)) => ReportMode::parse(&text).ok_or_else(|| {
                err(
                    line,
                    format!("report_mode must be \"terse\", \"verbose\" or \"json\", got {text:?}"),
                )
            })?,
        };
        let random_mounts = top.bool("random_mounts")?.unwrap_or(true);
        let cleanup = top.bool("cleanup")?.unwrap_or(false);

        let mut tests = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Item::Block {
                ident,
                labels,
                line,
                body,
            } = item
                && ident == "test"
            {
                top.used.insert(i);
                let spec = test_spec(labels, *line, body)?;
                if tests.iter().any(|t: &TestSpec| t.name == spec.name) {
                    return Err(err(
                        *line,
                        format!("test name {:?} is used twice", spec.name),
                    ));
                }
                tests.push(spec);
            }
        }
        top.finish(TOP_FIELDS)?;
        if tests.is_empty() {
            return Err(ConfigError {
                line: None,
                message:
                    "no test blocks: add at least one test \"<type>\" \"<name>\" { weight = 100 }"
                        .into(),
            });
        }
        Ok(BenchConfig {
            vault_addr,
            vault_token,
            duration,
            workers,
            rps,
            report_mode,
            random_mounts,
            cleanup,
            tests,
        })
    }
}

fn test_spec(labels: &[String], line: usize, body: &[Item]) -> Result<TestSpec, ConfigError> {
    let [kind, name] = labels else {
        return Err(err(
            line,
            format!(
                "test blocks need two labels: test \"<type>\" \"<name>\", got {}",
                labels.len()
            ),
        ));
    };
    let kind = TestKind::parse(kind).ok_or_else(|| {
        let known: Vec<&str> = TestKind::ALL.iter().map(|k| k.name()).collect();
        err(
            line,
            format!("unknown test type {kind:?} (known: {})", known.join(", ")),
        )
    })?;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(err(
            line,
            format!("test name {name:?} must be letters, digits, '-', '_' or '.'"),
        ));
    }
    let context = format!("test {:?} {name:?}", kind.name());
    let mut fields = Fields::new(body, context.clone())?;
    let weight = fields.int("weight", 1, 1_000_000)?.ok_or_else(|| {
        err(
            line,
            format!("{context}: weight is required (a positive number)"),
        )
    })? as u32;
    let (config_items, config_line) = fields.block("config")?.unwrap_or((&[], line));
    fields.finish(&["weight", "config"])?;
    let config = test_config(
        kind,
        config_items,
        config_line,
        &format!("{context} config"),
    )?;
    Ok(TestSpec {
        kind,
        name: name.clone(),
        weight,
        line,
        config,
    })
}

fn test_config(
    kind: TestKind,
    items: &[Item],
    line: usize,
    context: &str,
) -> Result<TestConfig, ConfigError> {
    let mut f = Fields::new(items, context)?;
    match kind {
        TestKind::Kvv2Write | TestKind::Kvv2Read | TestKind::Kvv1Write | TestKind::Kvv1Read => {
            let numkvs = f.int("numkvs", 1, 10_000_000)?.unwrap_or(1000);
            let kvsize = f.int("kvsize", 1, 16 * 1024 * 1024)?.unwrap_or(1) as usize;
            if let Some(i) = items.iter().position(|it| it.key() == "no_store_metadata") {
                return Err(err(
                    items[i].line(),
                    format!("{context}: no_store_metadata is not supported by arca-bench"),
                ));
            }
            f.finish(&["numkvs", "kvsize"])?;
            Ok(TestConfig::Kv { numkvs, kvsize })
        }
        TestKind::TransitEncrypt | TestKind::TransitDecrypt => {
            let payload_len = f.int("payload_len", 1, 1024 * 1024)?.unwrap_or(128) as usize;
            let context_len = f.int("context_len", 1, 4096)?.unwrap_or(32) as usize;
            // The docs list key settings at the top of `config`; the tool also reads a
            // `keys { .. }` block. Both end up in the key creation body.
            let mut key = Map::new();
            for k in ["type", "derived", "convergent_encryption"] {
                if let Some((v, _)) = f.attr(k)? {
                    key.insert(k.into(), serde_json::to_value(v).unwrap_or(Value::Null));
                }
            }
            if let Some((block, _)) = f.block("keys")? {
                let mut kf = Fields::new(block, format!("{context} keys"))?;
                key.extend(kf.rest_as_json()?);
                kf.finish(&[])?;
            }
            f.finish(&[
                "payload_len",
                "context_len",
                "type",
                "derived",
                "convergent_encryption",
                "keys",
            ])?;
            let key_name = match key.remove("name") {
                None => "test".to_string(),
                Some(Value::String(s)) if !s.is_empty() => s,
                Some(_) => {
                    return Err(err(
                        line,
                        format!("{context} keys: name must be a non-empty string"),
                    ));
                }
            };
            key.entry("type")
                .or_insert_with(|| Value::from("aes256-gcm96"));
            Ok(TestConfig::Transit {
                key_name,
                key,
                payload_len,
                context_len,
            })
        }
        TestKind::ApproleAuth => {
            let mut role = Map::new();
            let mut role_name = "benchmark-role".to_string();
            if let Some((block, _)) = f.block("role")? {
                let mut rf = Fields::new(block, format!("{context} role"))?;
                if let Some((name, _)) = rf.string("role_name")? {
                    role_name = name;
                }
                role = rf.rest_as_json()?;
                rf.finish(&[])?;
            }
            let mut secret_id = Map::new();
            if let Some((block, _)) = f.block("secret_id")? {
                let mut sf = Fields::new(block, format!("{context} secret_id"))?;
                secret_id = sf.rest_as_json()?;
                sf.finish(&[])?;
            }
            f.finish(&["role", "secret_id"])?;
            Ok(TestConfig::Approle {
                role_name,
                role,
                secret_id,
            })
        }
        TestKind::UserpassAuth => {
            let username = f
                .string("username")?
                .map_or_else(|| "benchmark-user".to_string(), |(s, _)| s);
            let password = f.string("password")?.map(|(s, _)| Token::new(s));
            let mut user = Map::new();
            for (i, item) in items.iter().enumerate() {
                if item.key().starts_with("token_")
                    && let Item::Attr { key, value, .. } = item
                {
                    f.used.insert(i);
                    user.insert(
                        key.clone(),
                        serde_json::to_value(value).unwrap_or(Value::Null),
                    );
                }
            }
            f.finish(&["username", "password", "token_*"])?;
            Ok(TestConfig::Userpass {
                username,
                password,
                user,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
vault_addr  = "http://127.0.0.1:8200"
vault_token = "hvs.root"
duration    = "2s"
workers     = 64
rps         = 500
report_mode = "json"
cleanup     = true

test "kvv2_write" "w" {
  weight = 50
  config {
    numkvs = 100
    kvsize = 256
  }
}
test "kvv2_read" "r" {
  weight = 30
}
test "kvv1_write" "w1" {
  weight = 5
}
test "kvv1_read" "r1" {
  weight = 5
}
test "transit_encrypt" "enc" {
  weight = 4
  config {
    payload_len = 64
    keys {
      name = "k1"
      type = "chacha20-poly1305"
    }
  }
}
test "transit_decrypt" "dec" {
  weight = 2
  config { derived = true }
}
test "approle_auth" "ar" {
  weight = 2
  config {
    role {
      role_name = "bench"
      token_ttl = "10m"
      token_policies = ["default"]
    }
    secret_id {
      ttl = "1h"
    }
  }
}
test "userpass_auth" "up" {
  weight = 2
  config {
    username  = "u1"
    password  = "pw"
    token_ttl = "5m"
  }
}
"#;

    #[test]
    fn full_config() {
        let c = BenchConfig::parse(FULL).unwrap();
        assert_eq!(c.vault_addr.as_deref(), Some("http://127.0.0.1:8200"));
        assert_eq!(c.vault_token.as_ref().map(Token::expose), Some("hvs.root"));
        assert_eq!(c.duration, Duration::from_secs(2));
        assert_eq!((c.workers, c.rps), (64, 500));
        assert_eq!(c.report_mode, ReportMode::Json);
        assert!(c.random_mounts && c.cleanup);
        let kinds: Vec<_> = c.tests.iter().map(|t| t.kind.name()).collect();
        assert_eq!(
            kinds,
            [
                "kvv2_write",
                "kvv2_read",
                "kvv1_write",
                "kvv1_read",
                "transit_encrypt",
                "transit_decrypt",
                "approle_auth",
                "userpass_auth"
            ]
        );
        assert_eq!(c.tests[0].weight, 50);
        assert_eq!(c.tests[0].line, 10);
        assert_eq!(
            c.tests[0].config,
            TestConfig::Kv {
                numkvs: 100,
                kvsize: 256
            }
        );
        // vault-benchmark's defaults.
        assert_eq!(
            c.tests[1].config,
            TestConfig::Kv {
                numkvs: 1000,
                kvsize: 1
            }
        );
        let TestConfig::Transit {
            key_name,
            key,
            payload_len,
            context_len,
        } = &c.tests[4].config
        else {
            panic!()
        };
        assert_eq!(
            (key_name.as_str(), *payload_len, *context_len),
            ("k1", 64, 32)
        );
        assert_eq!(key["type"], "chacha20-poly1305");
        let TestConfig::Transit { key, key_name, .. } = &c.tests[5].config else {
            panic!()
        };
        assert_eq!(key_name, "test");
        assert_eq!(key["type"], "aes256-gcm96");
        assert_eq!(key["derived"], true);
        let TestConfig::Approle {
            role_name,
            role,
            secret_id,
        } = &c.tests[6].config
        else {
            panic!()
        };
        assert_eq!(role_name, "bench");
        assert_eq!(role["token_policies"], serde_json::json!(["default"]));
        assert!(role.get("role_name").is_none());
        assert_eq!(secret_id["ttl"], "1h");
        let TestConfig::Userpass {
            username,
            password,
            user,
        } = &c.tests[7].config
        else {
            panic!()
        };
        assert_eq!(username, "u1");
        assert_eq!(password.as_ref().map(Token::expose), Some("pw"));
        assert_eq!(user["token_ttl"], "5m");
    }

    #[test]
    fn defaults() {
        let c = BenchConfig::parse("test \"kvv2_read\" \"r\" {\n weight = 100\n}\n").unwrap();
        assert_eq!(c.vault_addr, None);
        assert_eq!(c.vault_token, None);
        assert_eq!(c.duration, Duration::from_secs(10));
        assert_eq!((c.workers, c.rps), (10, 0));
        assert_eq!(c.report_mode, ReportMode::Terse);
        assert!(c.random_mounts && !c.cleanup);
    }

    /// The error for `text`, which must fail.
    fn error(text: &str) -> ConfigError {
        BenchConfig::parse(text).unwrap_err()
    }

    const T: &str = "test \"kvv2_read\" \"r\" {\n  weight = 1\n}\n";

    #[test]
    fn errors_name_line_and_field() {
        let e = error(&format!("workers = 4\nworker = 5\n{T}"));
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("unknown field \"worker\""), "{e}");

        let e = error(&format!("{T}duration = \"10 parsecs\"\n"));
        assert_eq!(e.line, Some(4));
        assert!(e.message.starts_with("duration:"), "{e}");

        let e = error(&format!("workers = \"many\"\n{T}"));
        assert_eq!(e.to_string(), "line 1: workers must be a number");

        let e = error(&format!("workers = 0\n{T}"));
        assert!(
            e.message.contains("workers must be a whole number from 1"),
            "{e}"
        );

        let e = error(&format!("report_mode = \"loud\"\n{T}"));
        assert!(e.message.contains("report_mode must be"), "{e}");

        let e = error("test \"kvv3_write\" \"x\" {\n weight = 1\n}\n");
        assert_eq!(e.line, Some(1));
        assert!(
            e.message.contains("unknown test type \"kvv3_write\""),
            "{e}"
        );

        let e = error("test \"kvv2_write\" {\n weight = 1\n}\n");
        assert!(e.message.contains("two labels"), "{e}");

        let e = error("test \"kvv2_write\" \"w\" {\n}\n");
        assert!(e.message.contains("weight is required"), "{e}");

        let e = error("test \"kvv2_write\" \"w\" {\n weight = 1\n config {\n   numkv = 3\n }\n}\n");
        assert_eq!(e.line, Some(4));
        assert_eq!(
            e.message,
            "test \"kvv2_write\" \"w\" config: unknown field \"numkv\" (known: numkvs, kvsize)"
        );

        let e = error(
            "test \"kvv2_write\" \"w\" {\n weight = 1\n config {\n no_store_metadata = true\n }\n}\n",
        );
        assert!(e.message.contains("not supported"), "{e}");

        let e = error(&format!("{T}{T}"));
        assert_eq!(e.line, Some(4));
        assert!(e.message.contains("used twice"), "{e}");

        let e = error(&format!("rps = 1\nrps = 2\n{T}"));
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("redefined attribute"), "{e}");

        let e = error(&format!(
            "{T}test \"kvv2_read\" \"r2\" {{\n weight = 1\n config {{}}\n config {{}}\n}}\n"
        ));
        assert_eq!(e.line, Some(7));
        assert!(e.message.contains("config is given twice"), "{e}");

        let e = error("workers = 3\n");
        assert!(e.message.contains("no test blocks"), "{e}");

        let e = error("test \"approle_auth\" \"a\" {\n weight = 1\n config {\n  role = 3\n }\n}\n");
        assert!(e.message.contains("role must be a block"), "{e}");
    }
}
