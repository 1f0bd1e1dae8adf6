//! Client calls and output layouts for HA operations: `operator step-down`,
//! `operator members`, `operator raft autopilot *` and `operator raft snapshot *`.

use std::{io::Write, path::Path, time::Duration};

use indicatif::{ProgressBar, ProgressStyle};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{Client, ClientError, Request};
use crate::secret::Secret;

/// Deadline of a snapshot download or upload (they can be large).
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(3600);

/// One node of `sys/ha-status` (Vault's `api.HANode`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HaNode {
    /// Host name of the node's machine.
    #[serde(default)]
    pub hostname: String,
    /// Client API address.
    #[serde(default)]
    pub api_address: String,
    /// Cluster address.
    #[serde(default)]
    pub cluster_address: String,
    /// Whether it is the active node.
    #[serde(default)]
    pub active_node: bool,
    /// Time of its last heartbeat (RFC 3339); `None` for the active node.
    #[serde(default)]
    pub last_echo: Option<String>,
    /// Its version.
    #[serde(default)]
    pub version: String,
    /// Enterprise upgrade version.
    #[serde(default)]
    pub upgrade_version: String,
    /// Enterprise redundancy zone.
    #[serde(default)]
    pub redundancy_zone: String,
}

impl Client {
    /// `PUT sys/step-down`.
    pub async fn step_down(&self) -> Result<(), ClientError> {
        self.call_ignoring_answer(Method::PUT, "sys/step-down", None)
            .await
    }

    /// `GET sys/ha-status`: the nodes (read from the top level, as the Go client does).
    pub async fn ha_status(&self) -> Result<Vec<HaNode>, ClientError> {
        let v: Value = self
            .send(Request::new(Method::GET, "sys/ha-status"))
            .await?
            .ok()?
            .json()?;
        let nodes = v
            .get("nodes")
            .or_else(|| v.get("data").and_then(|d| d.get("nodes")))
            .cloned()
            .unwrap_or(Value::Array(Vec::new()));
        serde_json::from_value(nodes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// `GET sys/storage/raft/autopilot/state`.
    pub async fn autopilot_state(&self) -> Result<Option<Secret>, ClientError> {
        self.read("sys/storage/raft/autopilot/state", Vec::new())
            .await
    }

    /// `GET sys/storage/raft/autopilot/configuration`.
    pub async fn autopilot_config(&self) -> Result<Option<Secret>, ClientError> {
        self.read("sys/storage/raft/autopilot/configuration", Vec::new())
            .await
    }

    /// `GET sys/storage/raft/snapshot` into `file` (created 0600), with a progress bar on
    /// a terminal. Returns the bytes written.
    pub async fn snapshot_save(&self, file: &Path) -> Result<u64, String> {
        let mut resp = self
            .send_raw(
                Method::GET,
                "sys/storage/raft/snapshot",
                None,
                SNAPSHOT_TIMEOUT,
            )
            .await
            .map_err(|e| e.to_string())?;
        let mut out = create_private(file).map_err(|e| e.to_string())?;
        let bar = progress(resp.content_length(), "saving snapshot");
        let mut written = 0u64;
        while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
            out.write_all(&chunk).map_err(|e| e.to_string())?;
            written += chunk.len() as u64;
            bar.set_position(written);
        }
        out.sync_all().map_err(|e| e.to_string())?;
        bar.finish_and_clear();
        Ok(written)
    }

    /// `POST sys/storage/raft/snapshot[-force]` with the backup in `file`; the file is
    /// read with a progress bar, then uploaded (a spinner runs while the cluster restores).
    pub async fn snapshot_restore(&self, file: &Path, force: bool) -> Result<(), String> {
        let body = read_with_progress(file)?;
        let path = if force {
            "sys/storage/raft/snapshot-force"
        } else {
            "sys/storage/raft/snapshot"
        };
        let spinner = ProgressBar::new_spinner().with_message("restoring snapshot");
        spinner.enable_steady_tick(Duration::from_millis(120));
        let result = self
            .send_raw(Method::POST, path, Some(body), SNAPSHOT_TIMEOUT)
            .await;
        spinner.finish_and_clear();
        result.map(|_| ()).map_err(|e| e.to_string())
    }
}

fn create_private(file: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).write(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(file)
}

fn progress(total: Option<u64>, message: &'static str) -> ProgressBar {
    let bar = match total {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.with_message(message)
}

fn read_with_progress(file: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let text = |e: std::io::Error| crate::client::io_text(&e);
    let mut f = std::fs::File::open(file).map_err(text)?;
    let total = f.metadata().map(|m| m.len()).map_err(text)?;
    let bar = progress(Some(total), "reading snapshot");
    let mut body = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(text)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
        bar.set_position(body.len() as u64);
    }
    bar.finish_and_clear();
    Ok(body)
}

/// Go's `time.RFC3339` rendering of an RFC 3339 timestamp: whole seconds.
pub fn rfc3339_seconds(ts: &str) -> String {
    let Some((date, rest)) = ts.split_once('T') else {
        return ts.to_string();
    };
    let zone_at = rest.find(['Z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let hms = clock.split_once('.').map(|(h, _)| h).unwrap_or(clock);
    format!("{date}T{hms}{zone}")
}

/// The rows of `operator members` (Vault's columns).
pub fn member_rows(nodes: &[HaNode]) -> Vec<String> {
    let mut out = vec![
        "Host Name | API Address | Cluster Address | Active Node | Version | Upgrade Version | Redundancy Zone | Last Echo"
            .to_string(),
    ];
    for n in nodes {
        out.push(format!(
            "{} | {} | {} | {} | {} | {} | {} | {}",
            n.hostname,
            n.api_address,
            n.cluster_address,
            n.active_node,
            n.version,
            n.upgrade_version,
            n.redundancy_zone,
            n.last_echo
                .as_deref()
                .map(rfc3339_seconds)
                .unwrap_or_default()
        ));
    }
    out
}

/// The rows of `operator raft autopilot get-config` (Vault's order and names).
pub fn autopilot_config_rows(data: &Map<String, Value>) -> Vec<String> {
    let text = |k: &str| match data.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    vec![
        "Key | Value".to_string(),
        format!("Cleanup Dead Servers | {}", text("cleanup_dead_servers")),
        format!(
            "Last Contact Threshold | {}",
            text("last_contact_threshold")
        ),
        format!(
            "Dead Server Last Contact Threshold | {}",
            text("dead_server_last_contact_threshold")
        ),
        format!(
            "Server Stabilization Time | {}",
            text("server_stabilization_time")
        ),
        format!("Min Quorum | {}", text("min_quorum")),
        format!("Max Trailing Logs | {}", text("max_trailing_logs")),
        format!(
            "Disable Upgrade Migration | {}",
            text("disable_upgrade_migration")
        ),
    ]
}

/// Vault's "pretty" layout of the autopilot state.
pub fn pretty_autopilot_state(data: &Map<String, Value>) -> String {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    };
    let list = |k: &str| -> Vec<String> {
        data.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|v| text(Some(v))).collect())
            .unwrap_or_default()
    };
    let mut out = String::new();
    out.push_str(&format!(
        "Healthy:                      {}\n",
        text(data.get("healthy"))
    ));
    out.push_str(&format!(
        "Failure Tolerance:            {}\n",
        text(data.get("failure_tolerance"))
    ));
    out.push_str(&format!(
        "Leader:                       {}\n",
        text(data.get("leader"))
    ));
    out.push_str("Voters:\n");
    for v in list("voters") {
        out.push_str(&format!("   {v}\n"));
    }
    let non_voters = list("non_voters");
    if !non_voters.is_empty() {
        out.push_str("Non Voters:\n");
        for v in non_voters {
            out.push_str(&format!("   {v}\n"));
        }
    }
    out.push_str("Servers:\n");
    if let Some(servers) = data.get("servers").and_then(Value::as_object) {
        let mut ids: Vec<&String> = servers.keys().collect();
        ids.sort();
        for id in ids {
            let s = &servers[id.as_str()];
            let f = |k: &str| text(s.get(k));
            out.push_str(&format!("   {}\n", f("id")));
            for (label, key) in [
                ("Name", "name"),
                ("Address", "address"),
                ("Status", "status"),
                ("Node Status", "node_status"),
                ("Healthy", "healthy"),
                ("Last Contact", "last_contact"),
                ("Last Term", "last_term"),
                ("Last Index", "last_index"),
            ] {
                out.push_str(&format!("      {:<17}{}\n", format!("{label}:"), f(key)));
            }
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::format::columns::table;

    #[test]
    fn members_table_has_vaults_columns() {
        let nodes = vec![
            HaNode {
                hostname: "h1".into(),
                api_address: "http://a:8200".into(),
                cluster_address: "http://a:8201".into(),
                active_node: true,
                version: "1.15.6".into(),
                upgrade_version: "1.15.6".into(),
                ..Default::default()
            },
            HaNode {
                hostname: "h2".into(),
                active_node: false,
                last_echo: Some("2024-03-04T08:05:48.403148Z".into()),
                ..Default::default()
            },
        ];
        let rows = member_rows(&nodes);
        assert!(rows[0].starts_with("Host Name | API Address | Cluster Address | Active Node"));
        assert!(rows[1].contains("| true |"));
        assert!(rows[2].ends_with("| 2024-03-04T08:05:48Z"), "{}", rows[2]);
        assert!(table(&rows, "|").contains("Redundancy Zone"));
        assert_eq!(
            rfc3339_seconds("2021-11-29T10:29:09.202235-05:00"),
            "2021-11-29T10:29:09-05:00"
        );
    }

    #[test]
    fn autopilot_state_pretty_layout() {
        let data = json!({
            "healthy": true, "failure_tolerance": 1, "leader": "n1",
            "voters": ["n1", "n2"], "non_voters": ["n3"],
            "servers": {"n2": {"id": "n2", "name": "n2", "address": "a:2", "status": "voter",
                "node_status": "alive", "healthy": true, "last_contact": "1.5s",
                "last_term": 3, "last_index": 9}}
        });
        let text = pretty_autopilot_state(data.as_object().unwrap());
        assert!(text.starts_with("Healthy:                      true\n"));
        assert!(text.contains("Voters:\n   n1\n   n2\nNon Voters:\n   n3\nServers:\n   n2\n"));
        assert!(text.contains("      Last Contact:    1.5s\n"));
        assert!(text.ends_with("      Last Index:      9"));
        let rows = autopilot_config_rows(
            json!({"cleanup_dead_servers": false, "min_quorum": 3, "last_contact_threshold": "10s"})
                .as_object()
                .unwrap(),
        );
        assert_eq!(rows[1], "Cleanup Dead Servers | false");
        assert_eq!(rows[2], "Last Contact Threshold | 10s");
        assert_eq!(rows[5], "Min Quorum | 3");
    }
}
