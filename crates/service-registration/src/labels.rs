//! The labels Vault puts on its pod and the JSON patches that write them.
//!
//! Vault (`serviceregistration/kubernetes`) sends `application/json-patch+json` patches
//! to `PATCH /api/v1/namespaces/{ns}/pods/{name}`: when the pod has no `labels` map at
//! all, one `add` of `/metadata/labels` with every label; otherwise one operation per
//! label at `/metadata/labels/<label>`. Vault uses `replace` for those; Arca uses `add`,
//! which RFC 6902 defines as "set, creating the member if needed", so the patch is valid
//! even under a strict JSON-patch implementation when the label does not exist yet.

use serde_json::{Value, json};

/// `"true"` while this node is the active node (unsealed raft leader).
pub const LABEL_ACTIVE: &str = "vault-active";
/// `"true"` while this node is sealed.
pub const LABEL_SEALED: &str = "vault-sealed";
/// `"true"` once the cluster this node belongs to is initialised.
pub const LABEL_INITIALIZED: &str = "vault-initialized";
/// Always `"false"`: Arca has no performance standbys (an Enterprise feature).
pub const LABEL_PERF_STANDBY: &str = "vault-perf-standby";
/// The Vault version this server reports (`sys/health` `version`).
pub const LABEL_VERSION: &str = "vault-version";

/// Where a pod's labels live, as a JSON pointer.
const LABELS_POINTER: &str = "/metadata/labels";

/// The part of a server's state the labels describe. The server crate derives it from
/// the core (seal state, raft leadership, `sys/init`), so this crate needs no core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeState {
    /// Unsealed and the raft leader: the node the `<fullname>-active` Service selects.
    pub active: bool,
    /// The barrier is sealed on this node.
    pub sealed: bool,
    /// `sys/init` has completed (here or on the cluster this node joined).
    pub initialized: bool,
}

impl NodeState {
    /// The state a shut-down server leaves on its pod, as Vault's shutdown (which seals
    /// the core) does: sealed and not active, so no Service selects a pod that is going
    /// away. `initialized` is kept: the data on the volume stays initialised.
    pub fn shut_down(self) -> NodeState {
        NodeState {
            active: false,
            sealed: true,
            initialized: self.initialized,
        }
    }
}

/// A label value as Kubernetes accepts it: letters, digits, `-`, `_` and `.`; anything
/// else becomes `-` (Vault's `Sanitize`), and at most 63 characters.
pub fn sanitize(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect()
}

fn flag(b: bool) -> Value {
    Value::String(if b { "true" } else { "false" }.to_string())
}

/// Every label with its value for `state`, in a fixed order.
fn all_labels(state: NodeState, version: &str) -> [(&'static str, Value); 5] {
    [
        (LABEL_VERSION, Value::String(version.to_string())),
        (LABEL_ACTIVE, flag(state.active)),
        (LABEL_SEALED, flag(state.sealed)),
        (LABEL_PERF_STANDBY, flag(false)),
        (LABEL_INITIALIZED, flag(state.initialized)),
    ]
}

/// The first patch of a run: every label. `pod_has_labels` says whether the pod already
/// has a `metadata.labels` map (a JSON patch cannot add a member to a missing map, so a
/// pod without one gets the whole map in one `add`, as Vault does).
pub fn initial_patch(state: NodeState, version: &str, pod_has_labels: bool) -> Value {
    let labels = all_labels(state, version);
    if !pod_has_labels {
        let map: serde_json::Map<String, Value> = labels
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        return json!([{ "op": "add", "path": LABELS_POINTER, "value": map }]);
    }
    Value::Array(labels.into_iter().map(|(k, v)| set_label(k, v)).collect())
}

/// The patch that moves the pod's labels from `from` to `to`: one operation per label
/// whose value changed (Vault notifies each change separately). `None` when nothing
/// changed.
pub fn change_patch(from: NodeState, to: NodeState) -> Option<Value> {
    let mut ops = Vec::new();
    if from.active != to.active {
        ops.push(set_label(LABEL_ACTIVE, flag(to.active)));
    }
    if from.sealed != to.sealed {
        ops.push(set_label(LABEL_SEALED, flag(to.sealed)));
    }
    if from.initialized != to.initialized {
        ops.push(set_label(LABEL_INITIALIZED, flag(to.initialized)));
    }
    (!ops.is_empty()).then_some(Value::Array(ops))
}

/// One `add` operation for a label. Label names here never contain `/` or `~`, so the
/// pointer needs no escaping.
fn set_label(name: &str, value: Value) -> Value {
    json!({ "op": "add", "path": format!("{LABELS_POINTER}/{name}"), "value": value })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEALED: NodeState = NodeState {
        active: false,
        sealed: true,
        initialized: false,
    };

    #[test]
    fn initial_patch_adds_each_label_to_an_existing_map() {
        let patch = initial_patch(SEALED, "1.15.6", true);
        assert_eq!(
            patch,
            json!([
                {"op": "add", "path": "/metadata/labels/vault-version", "value": "1.15.6"},
                {"op": "add", "path": "/metadata/labels/vault-active", "value": "false"},
                {"op": "add", "path": "/metadata/labels/vault-sealed", "value": "true"},
                {"op": "add", "path": "/metadata/labels/vault-perf-standby", "value": "false"},
                {"op": "add", "path": "/metadata/labels/vault-initialized", "value": "false"},
            ])
        );
    }

    #[test]
    fn initial_patch_creates_a_missing_label_map_whole() {
        let patch = initial_patch(SEALED, "1.15.6", false);
        assert_eq!(
            patch,
            json!([{"op": "add", "path": "/metadata/labels", "value": {
                "vault-version": "1.15.6",
                "vault-active": "false",
                "vault-sealed": "true",
                "vault-perf-standby": "false",
                "vault-initialized": "false",
            }}])
        );
    }

    #[test]
    fn change_patch_names_only_what_changed() {
        let unsealed_active = NodeState {
            active: true,
            sealed: false,
            initialized: true,
        };
        assert_eq!(change_patch(SEALED, SEALED), None);
        assert_eq!(
            change_patch(SEALED, unsealed_active),
            Some(json!([
                {"op": "add", "path": "/metadata/labels/vault-active", "value": "true"},
                {"op": "add", "path": "/metadata/labels/vault-sealed", "value": "false"},
                {"op": "add", "path": "/metadata/labels/vault-initialized", "value": "true"},
            ]))
        );
        let standby = NodeState {
            active: false,
            ..unsealed_active
        };
        assert_eq!(
            change_patch(unsealed_active, standby),
            Some(json!([{"op": "add", "path": "/metadata/labels/vault-active", "value": "false"}]))
        );
    }

    #[test]
    fn shut_down_is_sealed_and_passive_but_keeps_initialized() {
        let s = NodeState {
            active: true,
            sealed: false,
            initialized: true,
        };
        assert_eq!(
            s.shut_down(),
            NodeState {
                active: false,
                sealed: true,
                initialized: true
            }
        );
    }

    #[test]
    fn sanitize_keeps_label_characters_only() {
        assert_eq!(sanitize("1.15.6"), "1.15.6");
        assert_eq!(sanitize("1.15.6+arca 0.1"), "1.15.6-arca-0.1");
        assert_eq!(sanitize(&"x".repeat(80)).len(), 63);
    }
}
