//! `vault login -method=<type>` for auth methods other than tokens: the credentials go
//! to `auth/<path>/login` (username-based methods: `auth/<path>/login/<username>`) and
//! the answer carries the new token.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::client::Client;
use crate::secret::Secret;

/// Methods whose login path ends with the user name and that prompt for a password.
const USERNAME_METHODS: &[&str] = &["userpass", "ldap", "okta", "radius"];

/// Methods this client logs in with by sending the given `K=V` pairs.
pub const SUPPORTED: &[&str] = &[
    "userpass",
    "ldap",
    "okta",
    "radius",
    "approle",
    "cert",
    "jwt",
    "kubernetes",
    "github",
];

/// What to send: the login path under `auth/<mount>/` and the JSON body. `password` is
/// the password read from the terminal when the arguments had none.
pub fn login_request(
    method: &str,
    mount: &str,
    config: &BTreeMap<String, String>,
    password: Option<&str>,
) -> Result<(String, Value), String> {
    let mount = config
        .get("mount")
        .map(String::as_str)
        .unwrap_or(mount)
        .trim_matches('/');
    let mut body: Map<String, Value> = config
        .iter()
        .filter(|(k, _)| k.as_str() != "mount" && k.as_str() != "username")
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    if USERNAME_METHODS.contains(&method) {
        let username = config
            .get("username")
            .filter(|u| !u.is_empty())
            .ok_or_else(|| "'username' must be specified".to_string())?;
        if let Some(p) = password {
            body.insert("password".into(), json!(p));
        }
        return Ok((
            format!("auth/{mount}/login/{username}"),
            Value::Object(body),
        ));
    }
    Ok((format!("auth/{mount}/login"), Value::Object(body)))
}

/// True when the method needs a password and the arguments have none.
pub fn needs_password(method: &str, config: &BTreeMap<String, String>) -> bool {
    USERNAME_METHODS.contains(&method) && !config.contains_key("password")
}

/// Sends the login; the response must carry an `auth` block.
pub async fn login(client: &Client, path: &str, body: Value) -> Result<Secret, String> {
    match client.write(path, body).await {
        Ok(Some(s)) if s.auth.is_some() => Ok(s),
        Ok(_) => Err("empty response from credential provider".into()),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn username_methods_put_the_user_in_the_path() {
        let (path, body) = login_request(
            "userpass",
            "userpass",
            &cfg(&[("username", "alice"), ("password", "pw")]),
            None,
        )
        .unwrap();
        assert_eq!(path, "auth/userpass/login/alice");
        assert_eq!(body, json!({"password": "pw"}));
        let (path, body) = login_request(
            "userpass",
            "people",
            &cfg(&[("username", "bob")]),
            Some("x"),
        )
        .unwrap();
        assert_eq!(path, "auth/people/login/bob");
        assert_eq!(body, json!({"password": "x"}));
        assert!(login_request("userpass", "userpass", &cfg(&[]), None).is_err());
        assert!(needs_password("userpass", &cfg(&[("username", "a")])));
        assert!(!needs_password("approle", &cfg(&[])));
    }

    #[test]
    fn other_methods_send_their_pairs() {
        let (path, body) = login_request(
            "approle",
            "approle",
            &cfg(&[("role_id", "r"), ("secret_id", "s"), ("mount", "apps")]),
            None,
        )
        .unwrap();
        assert_eq!(path, "auth/apps/login");
        assert_eq!(body, json!({"role_id": "r", "secret_id": "s"}));
    }
}
