//! `subkeys/<path>`: the shape of a secret's data with every value replaced by null,
//! so a client can learn which keys exist without being able to read the values.

use std::sync::Arc;

use arca_sdk::{
    Error, FieldData, Map, Operation, Request, Response,
    field::{Field, FieldType},
    framework::Path,
};
use serde_json::{Value, json};

use super::{
    State,
    model::{KeyMetadata, load_version},
    not_found_with, with_state,
};
use crate::path_check::check_path;

/// The `subkeys/` route.
pub(super) fn path(state: &Arc<State>) -> Path {
    Path::new("subkeys/(?P<path>.*)")
        .field(Field::new("path", FieldType::String, "Location of the secret."))
        .field(Field::new("depth", FieldType::Int, "Deepest nesting level to return; 0 (default) means no limit."))
        .field(Field::new("version", FieldType::Int, "The version to read; the latest when unset or 0."))
        .on(Operation::Read, with_state(state, read))
        .help(
            "Read the structure of a secret entry from the Key-Value store with the values removed.",
            "Leaf values (non-objects and empty objects) are replaced with null. \"depth\" \
limits how deep objects are followed; deeper objects are shown as null.",
        )
}

async fn read(state: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    let depth = fd.get_i64("depth")?.unwrap_or(0);
    let storage = req.storage.as_ref();
    let Some(meta) = KeyMetadata::load(storage, &path).await? else {
        return Ok(None);
    };
    let version = match fd.get_i64("version")? {
        Some(v) if v > 0 => v.unsigned_abs(),
        _ => meta.current_version,
    };
    let Some(vm) = meta.versions.get(&version) else {
        return Ok(None);
    };
    let mut body = json!({"subkeys": null, "metadata": meta.version_json(version, vm)});
    if vm.is_gone(state.now()) {
        return Ok(Some(not_found_with(body)));
    }
    let data = load_version(storage, &path, version).await?;
    body["subkeys"] = Value::Object(strip_values(data, 1, depth));
    Ok(Some(Response::from_json(body)))
}

/// Replaces leaves with null; objects at `level` are followed while `level + 1` is
/// within `max_depth` (0 = unlimited), as Vault does.
fn strip_values(map: Map, level: i64, max_depth: i64) -> Map {
    map.into_iter()
        .map(|(k, v)| {
            let next = level + 1;
            let value = match v {
                Value::Object(inner)
                    if !inner.is_empty() && (max_depth == 0 || next <= max_depth) =>
                {
                    Value::Object(strip_values(inner, next, max_depth))
                }
                _ => Value::Null,
            };
            (k, value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn strips_like_vault() {
        let data = obj(json!({"foo": "abc", "bar": {"baz": 1, "q": {"x": [1]}}, "e": {}}));
        assert_eq!(
            Value::Object(strip_values(data.clone(), 1, 0)),
            json!({"foo": null, "bar": {"baz": null, "q": {"x": null}}, "e": null})
        );
        assert_eq!(
            Value::Object(strip_values(data.clone(), 1, 1)),
            json!({"foo": null, "bar": null, "e": null})
        );
        assert_eq!(
            Value::Object(strip_values(data, 1, 2)),
            json!({"foo": null, "bar": {"baz": null, "q": null}, "e": null})
        );
    }
}
