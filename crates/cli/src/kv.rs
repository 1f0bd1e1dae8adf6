//! KV path handling: the preflight that finds the mount and its version, and the rules that
//! turn `secret/foo` or `-mount=secret foo` into `secret/data/foo`.
//!
//! Vault's `kv` commands first `GET sys/internal/ui/mounts/<path>` to learn the mount path and
//! whether it is KV v2, then insert `data/`, `metadata/`, `delete/`... after the mount. The
//! exact joining rules (Go's `path.Join` cleaning, namespace-prefixed mount paths) decide the
//! URL, so they are reproduced and unit-tested here.

use reqwest::Method;

use crate::client::{Client, ClientError, Request};
use crate::secret::Secret;

/// Go's `path.Clean` for slash-separated paths.
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `path.Join`: joins the non-empty elements and cleans; all-empty gives "".
pub fn path_join(elems: &[&str]) -> String {
    match elems.iter().position(|e| !e.is_empty()) {
        Some(i) => clean_path(&elems[i..].join("/")),
        None => String::new(),
    }
}

/// Vault's `sanitizePath`: trims whitespace and leading/trailing slashes.
pub fn sanitize_path(s: &str) -> String {
    s.trim()
        .trim_start_matches('/')
        .trim_end_matches('/')
        .to_string()
}

/// Vault's `ensureTrailingSlash`.
pub fn ensure_trailing_slash(s: &str) -> String {
    let s = s.trim();
    if s.is_empty() || s.ends_with('/') {
        s.to_string()
    } else {
        format!("{s}/")
    }
}

/// Vault's `addPrefixToKVPath`: inserts `api_prefix` after the mount part of `p`.
pub fn add_prefix_to_kv_path(
    p: &str,
    mount_path: &str,
    api_prefix: &str,
    skip_if_exists: bool,
) -> String {
    if p == mount_path || p == mount_path.trim_end_matches('/') {
        return path_join(&[mount_path, api_prefix]);
    }
    let mut mount = mount_path.to_string();
    let mut suffix = p.strip_prefix(mount.as_str()).unwrap_or(p).to_string();
    // Mount paths may carry a namespace prefix the user did not type; drop leading
    // segments of the mount path until the rest matches.
    while suffix == p {
        let Some((_, rest)) = mount.split_once('/') else {
            break;
        };
        if rest.is_empty() {
            break;
        }
        mount = rest.trim_end_matches('/').to_string();
        suffix = suffix
            .strip_prefix(mount.as_str())
            .map(str::to_string)
            .unwrap_or(suffix);
    }
    if skip_if_exists
        && (suffix.starts_with(api_prefix) || suffix.starts_with(&format!("/{api_prefix}")))
    {
        return path_join(&[&mount, &suffix]);
    }
    path_join(&[&mount, api_prefix, &suffix])
}

/// What the preflight learned about a mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvMount {
    /// Mount path as the server reports it (`secret/`), or empty when unknown.
    pub mount_path: String,
    /// KV version (1 or 2).
    pub version: u8,
}

impl KvMount {
    /// Interprets the preflight response (`data.path`, `data.options.version`).
    pub fn from_preflight(secret: Option<&Secret>) -> Result<KvMount, String> {
        let Some(secret) = secret else {
            return Err("nil response from pre-flight request".to_string());
        };
        let mount_path = secret
            .data_field("path")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        let version = secret
            .data_field("options")
            .and_then(|o| o.get("version"))
            .and_then(|v| v.as_str())
            .map(|v| if v == "2" { 2 } else { 1 })
            .unwrap_or(1);
        Ok(KvMount {
            mount_path,
            version,
        })
    }
}

/// Vault's `kvPreflightVersionRequest`; a 404 (older servers) means "version 1, mount unknown".
pub async fn preflight(client: &Client, path: &str) -> Result<KvMount, String> {
    let req = Request::new(Method::GET, &format!("sys/internal/ui/mounts/{path}"))
        .no_wrap()
        .no_curl();
    let resp = client.send(req).await.map_err(|e| e.to_string())?;
    if resp.status == 404 {
        return Ok(KvMount {
            mount_path: String::new(),
            version: 1,
        });
    }
    let resp = resp.ok().map_err(|e: ClientError| e.to_string())?;
    let secret = resp.secret().map_err(|e| e.to_string())?;
    KvMount::from_preflight(secret.as_ref())
}

/// A resolved KV location: what the user typed plus what the preflight said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvTarget {
    /// The path to which API prefixes are added (mount-joined for `-mount` with v2).
    pub partial: String,
    /// Mount path from the preflight.
    pub mount_path: String,
    /// Whether the mount is KV v2.
    pub v2: bool,
    /// Whether `-mount` was used.
    pub mount_flag: bool,
}

impl KvTarget {
    /// Combines the user's argument, the `-mount` flag and the preflight result the way every
    /// `vault kv` subcommand does.
    pub fn new(arg: &str, mount_flag: Option<&str>, mount: &KvMount) -> Self {
        let partial = sanitize_path(arg);
        let v2 = mount.version == 2;
        match mount_flag {
            Some(_) => KvTarget {
                partial: if v2 {
                    path_join(&[&mount.mount_path, &partial])
                } else {
                    partial
                },
                mount_path: mount.mount_path.clone(),
                v2,
                mount_flag: true,
            },
            None => KvTarget {
                partial,
                mount_path: mount.mount_path.clone(),
                v2,
                mount_flag: false,
            },
        }
    }

    /// The path a KV v2 request uses (`data`, `metadata`, `delete`, ...).
    pub fn v2_path(&self, api_prefix: &str, skip_if_exists: bool) -> String {
        add_prefix_to_kv_path(&self.partial, &self.mount_path, api_prefix, skip_if_exists)
    }

    /// The path a KV v1 request uses.
    pub fn v1_path(&self) -> String {
        if self.mount_flag {
            path_join(&[&self.mount_path, &self.partial])
        } else {
            self.partial.clone()
        }
    }

    /// The v2 path with `api_prefix` for v2 mounts, the plain path for v1.
    pub fn full_path(&self, api_prefix: &str) -> String {
        if self.v2 {
            self.v2_path(api_prefix, false)
        } else {
            self.v1_path()
        }
    }
}

/// Runs the preflight for `arg` (or for the `-mount` value) and resolves the target.
pub async fn resolve(
    client: &Client,
    arg: &str,
    mount_flag: Option<&str>,
) -> Result<KvTarget, String> {
    let probe = match mount_flag {
        Some(m) => sanitize_path(m),
        None => sanitize_path(arg),
    };
    let mount = preflight(client, &probe).await?;
    Ok(KvTarget::new(arg, mount_flag, &mount))
}

/// Vault's `padEqualSigns`: `== Title ==` sized for a value of `total_len` characters.
pub fn pad_equal_signs(header: &str, total_len: usize) -> String {
    let mut signs = total_len as i64 - (header.chars().count() as i64 + 2);
    if signs <= 0 {
        signs = 4;
    }
    if signs % 2 != 0 {
        signs += 1;
    }
    let side = "=".repeat((signs / 2) as usize);
    format!("{side} {header} {side}")
}

/// Vault's `getHeaderForMap`: the banner above a key/value table of `keys`.
pub fn header_for_map<'a>(header: &str, keys: impl Iterator<Item = &'a String>) -> String {
    let max = keys.map(|k| k.chars().count()).max().unwrap_or(0);
    pad_equal_signs(header, max + 4 + 5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mount(path: &str, version: u8) -> KvMount {
        KvMount {
            mount_path: path.into(),
            version,
        }
    }

    #[test]
    fn go_path_semantics() {
        assert_eq!(clean_path("a//b/./c/"), "a/b/c");
        assert_eq!(clean_path("/v1/secret/"), "/v1/secret");
        assert_eq!(clean_path("a/../../b"), "../b");
        assert_eq!(clean_path(""), ".");
        assert_eq!(path_join(&["secret/", "data", "foo"]), "secret/data/foo");
        assert_eq!(path_join(&["", "foo"]), "foo");
        assert_eq!(path_join(&["", ""]), "");
        assert_eq!(sanitize_path(" /secret/foo/ "), "secret/foo");
        assert_eq!(ensure_trailing_slash("secret"), "secret/");
        assert_eq!(ensure_trailing_slash(""), "");
    }

    #[test]
    fn preflight_response_parsing() {
        let v2: Secret = serde_json::from_value(json!({
            "data": {"path": "secret/", "type": "kv", "options": {"version": "2"}}
        }))
        .unwrap();
        assert_eq!(
            KvMount::from_preflight(Some(&v2)).unwrap(),
            mount("secret/", 2)
        );
        let v1: Secret = serde_json::from_value(json!({
            "data": {"path": "kv/", "type": "kv", "options": null}
        }))
        .unwrap();
        assert_eq!(KvMount::from_preflight(Some(&v1)).unwrap(), mount("kv/", 1));
        let v1b: Secret =
            serde_json::from_value(json!({"data": {"path": "kv/", "options": {"version": "1"}}}))
                .unwrap();
        assert_eq!(KvMount::from_preflight(Some(&v1b)).unwrap().version, 1);
        assert!(KvMount::from_preflight(None).is_err());
    }

    #[test]
    fn v2_path_form() {
        let t = KvTarget::new("secret/foo/bar", None, &mount("secret/", 2));
        assert_eq!(t.full_path("data"), "secret/data/foo/bar");
        assert_eq!(t.full_path("metadata"), "secret/metadata/foo/bar");
        assert_eq!(t.full_path("delete"), "secret/delete/foo/bar");
        let root = KvTarget::new("secret/", None, &mount("secret/", 2));
        assert_eq!(root.full_path("metadata"), "secret/metadata");
    }

    #[test]
    fn v2_mount_flag_form() {
        let t = KvTarget::new("foo", Some("secret"), &mount("secret/", 2));
        assert_eq!(t.partial, "secret/foo");
        assert_eq!(t.full_path("data"), "secret/data/foo");
        let nested = KvTarget::new("app/cfg", Some("team/kv"), &mount("team/kv/", 2));
        assert_eq!(nested.full_path("undelete"), "team/kv/undelete/app/cfg");
    }

    #[test]
    fn v1_forms() {
        let t = KvTarget::new("kv/foo", None, &mount("kv/", 1));
        assert_eq!(t.full_path("data"), "kv/foo");
        let t = KvTarget::new("foo", Some("kv"), &mount("kv/", 1));
        assert_eq!(t.full_path("data"), "kv/foo");
    }

    #[test]
    fn namespace_prefixed_mount_paths() {
        // The server reports "ns1/secret/" while the user typed "secret/foo".
        assert_eq!(
            add_prefix_to_kv_path("secret/foo", "ns1/secret/", "data", false),
            "secret/data/foo"
        );
    }

    #[test]
    fn skip_if_exists_keeps_existing_prefix() {
        assert_eq!(
            add_prefix_to_kv_path("secret/metadata/foo", "secret/", "metadata", true),
            "secret/metadata/foo"
        );
        assert_eq!(
            add_prefix_to_kv_path("secret/foo", "secret/", "metadata", true),
            "secret/metadata/foo"
        );
    }

    #[test]
    fn banners() {
        assert_eq!(pad_equal_signs("Secret Path", 15), "= Secret Path =");
        assert_eq!(pad_equal_signs("Secret Path", 17), "== Secret Path ==");
        assert_eq!(pad_equal_signs("Data", 3), "== Data ==");
        let keys: Vec<String> = ["created_time", "custom_metadata", "deletion_time"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            header_for_map("Metadata", keys.iter()),
            "======= Metadata ======="
        );
        let keys = ["foo".to_string()];
        assert_eq!(header_for_map("Data", keys.iter()), "=== Data ===");
    }
}
