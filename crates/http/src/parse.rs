//! Turning an HTTP request into the parts of a core request, with Vault's rules and
//! Vault's error messages for bad input.

use arca_sdk::{Error, Map, Operation};
use axum::http::{HeaderMap, Method, Uri};
use serde_json::Value;

/// The API path after `/v1/`, percent-decoded. `None` for paths outside the API.
pub(crate) fn api_path(uri: &Uri) -> Option<Result<String, Error>> {
    let rest = uri.path().strip_prefix("/v1/")?;
    Some(percent_decode(rest))
}

fn percent_decode(s: &str) -> Result<String, Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| Error::bad_request("invalid percent-encoding in request path"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Error::bad_request("request path is not valid UTF-8"))
}

/// The operation for an HTTP method (`LIST` and `GET ?list=true` are lists).
pub(crate) fn operation(method: &Method, query: &Map) -> Result<Operation, Error> {
    let list_flag = matches!(
        query.get("list").and_then(Value::as_str),
        Some("true" | "1" | "t" | "True" | "TRUE")
    );
    Ok(match method.as_str() {
        "GET" | "HEAD" if list_flag => Operation::List,
        "GET" | "HEAD" => Operation::Read,
        "POST" | "PUT" => Operation::Update,
        "DELETE" => Operation::Delete,
        "PATCH" => Operation::Patch,
        "LIST" => Operation::List,
        _ => {
            return Err(Error::Status {
                status: 405,
                message: format!("unsupported method {}", method),
            });
        }
    })
}

/// Query parameters as a JSON object of strings (repeated keys: last wins).
pub(crate) fn query(uri: &Uri) -> Result<Map, Error> {
    let Some(q) = uri.query() else {
        return Ok(Map::new());
    };
    let mut out = Map::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(&k.replace('+', " "))?;
        let v = percent_decode(&v.replace('+', " "))?;
        out.insert(k, Value::String(v));
    }
    Ok(out)
}

/// The JSON object of a request body; an empty body is an empty object.
pub(crate) fn body(bytes: &[u8]) -> Result<Map, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        // Go clients encode a nil map as `null` (`vault unwrap` does); Vault reads it as
        // an empty body.
        Ok(Value::Null) => Ok(Map::new()),
        Ok(other) => Err(Error::bad_request(format!(
            "failed to parse JSON input: expected a JSON object, got {}",
            match other {
                Value::Array(_) => "an array",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "a value",
            }
        ))),
        Err(e) => Err(Error::bad_request(format!(
            "failed to parse JSON input: {e}"
        ))),
    }
}

/// The client token: `X-Vault-Token`, else `Authorization: Bearer <token>`.
pub(crate) fn token(headers: &HeaderMap) -> Option<String> {
    if let Some(t) = headers.get("x-vault-token").and_then(|v| v.to_str().ok()) {
        return Some(t.trim().to_string());
    }
    let auth = headers.get("authorization")?.to_str().ok()?;
    let (scheme, rest) = auth.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_paths_and_queries() {
        let uri: Uri = "/v1/secret/data/a%20b?version=2&list=true".parse().unwrap();
        assert_eq!(api_path(&uri).unwrap().unwrap(), "secret/data/a b");
        let q = query(&uri).unwrap();
        assert_eq!(q["version"], "2");
        assert_eq!(operation(&Method::GET, &q).unwrap(), Operation::List);
        let bad: Uri = "/v1/secret/%ff%fe".parse().unwrap();
        assert!(api_path(&bad).unwrap().is_err());
        assert!(api_path(&"/ui/".parse().unwrap()).is_none());
    }

    #[test]
    fn parses_bodies() {
        assert!(body(b"").unwrap().is_empty());
        assert!(body(b"null\n").unwrap().is_empty());
        assert_eq!(body(br#"{"a":1}"#).unwrap()["a"], 1);
        assert!(body(b"{not json").is_err());
        assert!(body(b"[1,2]").is_err());
        assert!(body(b"{\"a\":\"\xff\"}").is_err());
    }

    #[test]
    fn finds_tokens() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "Bearer abc".parse().unwrap());
        assert_eq!(token(&h).as_deref(), Some("abc"));
        h.insert("x-vault-token", "xyz".parse().unwrap());
        assert_eq!(token(&h).as_deref(), Some("xyz"));
    }
}
