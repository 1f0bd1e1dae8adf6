//! `batch_input`: many items in one request, one result per item, in order.
//!
//! As in Vault, an item that fails does not fail the others: its result carries an
//! `error`. When any item failed with a client error the whole response is sent with
//! status 400 (or `partial_failure_response_code` when some items succeeded), and the
//! `batch_results` are still in the body.

use arca_sdk::{Map, Response};
use serde_json::Value;

use crate::error::TransitError;

/// The items of `batch_input`, or `None` when the request is a single-item one.
pub fn parse(raw: Option<Value>) -> Result<Option<Vec<Map>>, TransitError> {
    let items = match raw {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(TransitError::invalid(format!(
                "failed to parse batch input: source data must be an array or slice, got {}",
                go_type(&other)
            )));
        }
    };
    if items.is_empty() {
        return Err(TransitError::invalid("missing batch input to process"));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Object(m) => Ok(m),
            other => Err(TransitError::invalid(format!(
                "failed to parse batch input: [{i}] expected a map, got '{}'",
                go_type(&other)
            ))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A string member of an item; null or absent is `None`, other types are an error in
/// Vault's words.
pub fn string(item: &Map, index: usize, field: &str) -> Result<Option<String>, TransitError> {
    match item.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(TransitError::invalid(format!(
            "failed to parse batch input: '[{index}].{field}' expected type 'string', got unconvertible type '{}'",
            go_type(other)
        ))),
    }
}

/// An integer member (`key_version`); numbers in strings are accepted, as Go's decoder
/// does for `json.Number`.
pub fn int(item: &Map, index: usize, field: &str) -> Result<i64, TransitError> {
    let bad = || {
        TransitError::invalid(format!(
            "failed to parse batch input: '[{index}].{field}' expected type 'int'"
        ))
    };
    match item.get(field) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n.as_i64().ok_or_else(bad),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// The `reference` of an item, echoed in its result ("" when absent).
pub fn reference(item: &Map) -> String {
    match item.get("reference") {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

/// Counts the outcome of a batch to pick the response status.
#[derive(Debug, Default, Clone, Copy)]
pub struct Outcome {
    pub succeeded: usize,
    pub failed: usize,
}

/// The response of a batch: `batch_results`, with status 400 when an item failed, or
/// `partial_failure_response_code` (1..=599) when some also succeeded.
pub fn respond(results: Vec<Value>, outcome: Outcome, partial_code: Option<i64>) -> Response {
    let mut data = Map::new();
    data.insert("batch_results".into(), Value::Array(results));
    let mut resp = Response::with_data(data);
    if outcome.failed > 0 {
        let mut status = 400u16;
        if let Some(code) = partial_code.filter(|_| outcome.succeeded > 0) {
            match u16::try_from(code) {
                Ok(c) if (1..=599).contains(&c) => status = c,
                _ => {
                    resp.warnings.push(format!(
                        "invalid HTTP response code override from partial_failure_response_code, reverting to {status}"
                    ));
                }
            }
        }
        resp.status = Some(status);
    }
    resp
}

/// One item's result fields, built from pairs.
pub fn fields<const N: usize>(pairs: [(&str, Value); N]) -> Map {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Runs `one` over every item and answers as Vault does. With `batch_input`: every item's
/// result fields or its client error, tagged with its `reference`, in `batch_results`
/// (see [`respond`]). With a single item: its fields, or its error as a 400. An error
/// that is not the client's fails the whole request.
pub fn answer<T>(
    items: &[T],
    is_batch: bool,
    reference: impl Fn(&T) -> &str,
    one: impl Fn(&T) -> Result<Map, TransitError>,
    partial_code: Option<i64>,
) -> Result<Response, arca_sdk::Error> {
    let mut results = Vec::with_capacity(items.len());
    let mut outcome = Outcome::default();
    for item in items {
        match one(item) {
            Ok(fields) if !is_batch => return Ok(Response::with_data(fields)),
            Ok(mut fields) => {
                outcome.succeeded += 1;
                fields.insert("reference".into(), reference(item).into());
                results.push(Value::Object(fields));
            }
            Err(e) if e.is_user_error() && is_batch => {
                outcome.failed += 1;
                let mut fields = Map::new();
                fields.insert("error".into(), e.to_string().into());
                fields.insert("reference".into(), reference(item).into());
                results.push(Value::Object(fields));
            }
            Err(e) if e.is_user_error() => return Err(TransitError::Invalid(e.to_string()).into()),
            Err(e) => return Err(e.into()),
        }
    }
    if !is_batch {
        return Err(arca_sdk::Error::internal("no result for the input item"));
    }
    Ok(respond(results, outcome, partial_code))
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => "json.Number",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parses_items_and_members() {
        assert_eq!(parse(None).unwrap(), None);
        assert_eq!(
            parse(Some(json!([]))).unwrap_err().to_string(),
            "missing batch input to process"
        );
        assert!(parse(Some(json!([1]))).is_err());
        assert!(parse(Some(json!("x"))).is_err());
        let items = parse(Some(
            json!([{"plaintext": "eA==", "key_version": "2", "reference": "r"}]),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            string(&items[0], 0, "plaintext").unwrap().as_deref(),
            Some("eA==")
        );
        assert_eq!(string(&items[0], 0, "context").unwrap(), None);
        assert_eq!(int(&items[0], 0, "key_version").unwrap(), 2);
        assert_eq!(reference(&items[0]), "r");
        let bad = json!({"plaintext": 5});
        assert!(string(bad.as_object().unwrap(), 0, "plaintext").is_err());
    }

    #[test]
    fn status_follows_outcome() {
        let ok = respond(
            vec![],
            Outcome {
                succeeded: 2,
                failed: 0,
            },
            None,
        );
        assert_eq!(ok.status, None);
        let failed = respond(
            vec![],
            Outcome {
                succeeded: 1,
                failed: 1,
            },
            None,
        );
        assert_eq!(failed.status, Some(400));
        let partial = respond(
            vec![],
            Outcome {
                succeeded: 1,
                failed: 1,
            },
            Some(207),
        );
        assert_eq!(partial.status, Some(207));
        let all_failed = respond(
            vec![],
            Outcome {
                succeeded: 0,
                failed: 2,
            },
            Some(207),
        );
        assert_eq!(all_failed.status, Some(400));
        let bogus = respond(
            vec![],
            Outcome {
                succeeded: 1,
                failed: 1,
            },
            Some(1000),
        );
        assert_eq!(bogus.status, Some(400));
        assert_eq!(bogus.warnings.len(), 1);
    }
}
