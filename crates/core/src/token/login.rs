//! Logins: a credential backend answers its (unauthenticated) login path with an
//! `auth` block of token parameters, and the core turns it into a real token.

use arca_sdk::{Auth, Error, Response, Storage};

use super::{
    TokenEntry, TokenStore, TokenType,
    policies::{NON_ASSIGNABLE, sanitize},
    ttl::{MountTtls, TtlRequest, calculate_ttl},
};
use crate::{
    Core,
    auth_mounts::{AUTH_PREFIX, TOKEN_TYPE},
    mounts::MountEntry,
    request::CoreRequest,
    router::Route,
};

/// True when `relative` is one of the credential backend's unauthenticated paths
/// (`login`, or a prefix such as `login/*`).
pub(crate) fn is_login_path(route: &Route, relative: &str) -> bool {
    route.credential
        && route
            .backend
            .unauthenticated_paths
            .iter()
            .any(|p| match p.strip_suffix('*') {
                Some(prefix) => relative.starts_with(prefix),
                None => relative == p,
            })
}

impl Core {
    /// Handles an `auth` block in a backend's response: a login gets its token; the token
    /// store's own responses pass through; anything else returning `auth` is a bug.
    pub(crate) async fn finish_auth(
        &self,
        storage: &dyn Storage,
        route: &Route,
        req: &CoreRequest,
        login: bool,
        resp: Option<Response>,
    ) -> Result<Option<Response>, Error> {
        let Some(mut resp) = resp else {
            return Ok(None);
        };
        let Some(auth) = resp.auth.take() else {
            return Ok(Some(resp));
        };
        if route.credential && route.mount.kind == TOKEN_TYPE {
            resp.auth = Some(auth);
            return Ok(Some(resp));
        }
        if !login {
            tracing::error!(path = %req.path, "unexpected auth response for a non-login request");
            return Err(Error::internal("unexpected auth response"));
        }
        let (auth, warnings) =
            issue_login_token(storage, &route.mount, &req.path, auth, self.now_ms()).await?;
        resp.warnings.extend(warnings);
        resp.auth = Some(auth);
        Ok(Some(resp))
    }
}

/// The token type a login issues: the mount's `token_type` tune decides, a
/// `default-*` tune letting the backend's own choice win.
fn token_type(mount: &MountEntry, backend: &str) -> TokenType {
    let asked = match backend {
        "batch" | "default-batch" => Some(TokenType::Batch),
        "service" | "default-service" => Some(TokenType::Service),
        _ => None,
    };
    match mount.config.token_type.as_str() {
        "service" => TokenType::Service,
        "batch" => TokenType::Batch,
        "default-batch" => asked.unwrap_or(TokenType::Batch),
        _ => asked.unwrap_or(TokenType::Service),
    }
}

/// Creates the token of a successful login on `mount` (whose `path` is the full API
/// prefix, `auth/<path>/`) at the request path `path`, and returns the completed `auth`
/// block with any TTL warnings. Login tokens are orphans.
pub(crate) async fn issue_login_token(
    storage: &dyn Storage,
    mount: &MountEntry,
    path: &str,
    mut auth: Auth,
    now_ms: i64,
) -> Result<(Auth, Vec<String>), Error> {
    let source = mount
        .path
        .strip_prefix(AUTH_PREFIX)
        .unwrap_or(&mount.path)
        .replace('/', "-");
    let joined = format!("{source}{}", auth.display_name);
    let display_name = joined.strip_suffix('-').unwrap_or(&joined).to_string();

    let (ttl, warnings) = calculate_ttl(
        MountTtls::of(mount),
        TtlRequest {
            ttl: auth.lease_duration,
            period: auth.period,
            max_ttl: auth.max_ttl,
            explicit_max_ttl: auth.explicit_max_ttl,
            ..Default::default()
        },
        now_ms,
    )?;
    let policies = sanitize(&auth.policies, !auth.no_default_policy);
    for p in &policies {
        if p == "root" {
            return Err(Error::bad_request("auth methods cannot create root tokens"));
        }
        if NON_ASSIGNABLE.contains(&p.as_str()) {
            return Err(Error::bad_request(format!("cannot assign policy {p:?}")));
        }
    }
    let token_type = token_type(mount, &auth.token_type);
    let mut entry = TokenEntry {
        policies,
        path: path.to_string(),
        display_name,
        ttl,
        num_uses: auth.num_uses,
        meta: auth.metadata.clone().unwrap_or_default(),
        explicit_max_ttl: auth.explicit_max_ttl,
        period: auth.period,
        max_ttl: auth.max_ttl,
        token_type,
        entity_id: auth.entity_id.clone(),
        renewable: auth.renewable && token_type == TokenType::Service,
        bound_cidrs: auth.bound_cidrs.clone(),
        mount_accessor: mount.accessor.clone(),
        ..Default::default()
    };
    if token_type == TokenType::Batch {
        entry.num_uses = 0;
    }
    let token = TokenStore::create(storage, &mut entry, None, now_ms).await?;
    tracing::debug!(path = %path, "login issued a token");
    auth.client_token = token;
    auth.accessor = entry.accessor.clone();
    auth.policies = entry.policies.clone();
    auth.token_policies = entry.policies;
    auth.identity_policies = Vec::new();
    auth.lease_duration = ttl;
    auth.renewable = entry.renewable;
    auth.token_type = token_type.as_str().to_string();
    auth.orphan = true;
    auth.num_uses = entry.num_uses;
    Ok((auth, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_sdk::testing::MemoryStorage;

    #[tokio::test]
    async fn login_tokens_follow_vault_rules() {
        let s = MemoryStorage::default();
        TokenStore::create_salt(&s).await.unwrap();
        let mut mount = crate::auth_mounts::new_auth_entry("userpass", "userpass", "");
        mount.path = "auth/userpass/".into();
        mount.config.max_lease_ttl = 7200;
        let auth = Auth {
            policies: vec!["Dev".into()],
            lease_duration: 86400,
            display_name: "alice".into(),
            renewable: true,
            ..Default::default()
        };
        let now = 1_700_000_000_000;
        let (out, warnings) =
            issue_login_token(&s, &mount, "auth/userpass/login/alice", auth.clone(), now)
                .await
                .unwrap();
        assert_eq!(out.policies, ["default", "dev"]);
        assert_eq!(out.lease_duration, 7200, "capped by the mount's max TTL");
        assert_eq!(warnings.len(), 1);
        assert!(out.orphan && out.renewable);
        let e = TokenStore::find(&s, &out.client_token, now)
            .await
            .unwrap()
            .live()
            .unwrap();
        assert_eq!(e.display_name, "userpass-alice");
        assert_eq!(e.path, "auth/userpass/login/alice");
        assert_eq!(e.mount_accessor, mount.accessor);

        let root = Auth {
            policies: vec!["root".into()],
            ..auth.clone()
        };
        assert!(
            issue_login_token(&s, &mount, "auth/userpass/login/x", root, now)
                .await
                .is_err()
        );

        mount.config.token_type = "batch".into();
        let (b, _) = issue_login_token(&s, &mount, "auth/userpass/login/x", auth, now)
            .await
            .unwrap();
        assert!(b.client_token.starts_with("hvb."));
        assert_eq!(b.token_type, "batch");
        assert!(!b.renewable && b.accessor.is_empty());
    }
}
