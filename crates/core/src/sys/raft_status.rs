//! The raft routes that answer without a token and while sealed, like Vault's:
//! `sys/storage/raft/join` on the joining node, and the two bootstrap routes a joining
//! node calls on the leader.

use arca_sdk::{Error, Map, Operation, Response};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::{
    Core, CoreRequest,
    raft_bootstrap::bool_field,
    raft_control::LeaderTarget,
    raft_join::{ANSWER_PATH, CHALLENGE_PATH, JoinRequest},
};

const JOIN_PATH: &str = "sys/storage/raft/join";

/// Handles `req` if it is one of these routes.
pub(crate) async fn handle(
    core: &Core,
    req: &CoreRequest,
) -> Option<Result<Option<Response>, Error>> {
    let path = req.path.trim_end_matches('/');
    if path != JOIN_PATH && path != CHALLENGE_PATH && path != ANSWER_PATH {
        return None;
    }
    if !matches!(req.op(), Operation::Update | Operation::Create) {
        return Some(Err(Error::UnsupportedOperation));
    }
    let result = match path {
        JOIN_PATH => join(core, &req.data).await,
        CHALLENGE_PATH => core
            .raft_bootstrap_challenge(&req.data)
            .await
            .map(Response::from_json),
        _ => core
            .raft_bootstrap_answer(&req.data)
            .await
            .map(Response::from_json),
    };
    Some(result.map(Some))
}

fn optional(data: &Map, name: &str) -> Option<String> {
    data.get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Reads the body of `sys/storage/raft/join` (Vault's field names).
fn join_request(data: &Map) -> Result<JoinRequest, Error> {
    if optional(data, "auto_join").is_some() {
        return Err(Error::bad_request(
            "auto_join (cloud auto-join) is not supported; give leader_api_addr",
        ));
    }
    let leader = LeaderTarget {
        api_addr: optional(data, "leader_api_addr").unwrap_or_default(),
        ca_cert: optional(data, "leader_ca_cert"),
        client_cert: optional(data, "leader_client_cert"),
        client_key: optional(data, "leader_client_key").map(Zeroizing::new),
        tls_servername: optional(data, "leader_tls_servername"),
    };
    if leader.client_cert.is_some() != leader.client_key.is_some() {
        return Err(Error::bad_request(
            "leader_client_cert and leader_client_key must be given together",
        ));
    }
    Ok(JoinRequest {
        leaders: vec![leader],
        retry: bool_field(data, "retry")?,
        non_voter: bool_field(data, "non_voter")?,
    })
}

async fn join(core: &Core, data: &Map) -> Result<Response, Error> {
    core.join_raft(join_request(data)?).await?;
    Ok(Response::raw_json(200, &json!({ "joined": true })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: Value) -> Map {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn join_body_uses_vault_fields() {
        let r = join_request(&map(json!({
            "leader_api_addr": "https://10.0.0.1:8200",
            "retry": true,
            "non_voter": "true",
            "leader_ca_cert": "PEM",
            "leader_tls_servername": "vault.example",
        })))
        .unwrap();
        assert!(r.retry && r.non_voter);
        assert_eq!(r.leaders[0].api_addr, "https://10.0.0.1:8200");
        assert_eq!(r.leaders[0].ca_cert.as_deref(), Some("PEM"));
        assert_eq!(
            r.leaders[0].tls_servername.as_deref(),
            Some("vault.example")
        );
        assert!(join_request(&map(json!({"auto_join": "provider=aws"}))).is_err());
        assert!(join_request(&map(json!({"leader_client_cert": "x"}))).is_err());
        assert!(join_request(&map(json!({"retry": 3}))).is_err());
    }
}
