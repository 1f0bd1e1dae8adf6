//! Token visibility: create a token, use it from every node, revoke it, keep using it.
//!
//! - create = `POST auth/token/create` (root token; policy `default`, TTL 1h);
//! - use = `GET auth/token/lookup-self` with the token under test: 200 is `valid`, 403 is
//!   `invalid` (both `ok`: the server answered the question);
//! - revoke = `POST auth/token/revoke` with the token in the body (root token).
//!
//! Once creation is acknowledged every node must accept the token; once revocation is
//! acknowledged every node must refuse it. Token secrets stay in memory (zeroized on
//! drop) and never reach the history, which names tokens `t<n>`.

use std::sync::Mutex;

use async_trait::async_trait;
use rand::Rng;
use rand::rngs::StdRng;
use reqwest::Method;
use serde_json::{Value, json};

use super::{Completion, Invocation, Workload, WorkloadConfig, WorkloadError, probe_until};
use crate::client::{Cluster, Token};
use crate::history::{F, Kind};

/// Most operations on one token.
const MAX_USES: usize = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Creating,
    Live,
    Revoking,
    Revoked,
    /// Creation failed or its outcome is unknown: the secret is unknown, never used.
    Lost,
}

#[derive(Debug)]
struct Entry {
    key: String,
    secret: Option<Token>,
    phase: Phase,
    ops: usize,
}

/// The token workload.
#[derive(Debug)]
pub struct TokenWorkload {
    cfg: WorkloadConfig,
    tokens: Mutex<Vec<Entry>>,
}

impl TokenWorkload {
    /// A token workload.
    pub fn new(cfg: WorkloadConfig) -> Self {
        TokenWorkload {
            cfg,
            tokens: Mutex::new(Vec::new()),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Vec<Entry>) -> R) -> R {
        let mut g = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    fn secret(&self, key: &str) -> Option<Token> {
        self.with(|t| {
            t.iter()
                .find(|e| e.key == key)
                .and_then(|e| e.secret.clone())
        })
    }

    fn set_phase(&self, key: &str, phase: Phase, secret: Option<Token>) {
        self.with(|t| {
            if let Some(e) = t.iter_mut().find(|e| e.key == key) {
                e.phase = phase;
                if secret.is_some() {
                    e.secret = secret;
                }
            }
        });
    }

    async fn create(&self, cluster: &Cluster, node: usize, key: &str) -> Completion {
        let body = json!({ "policies": ["default"], "ttl": "1h" });
        let c = match cluster
            .call(node, Method::POST, "auth/token/create", Some(&body), None)
            .await
        {
            Ok(r) if r.status == 200 => match r.body["auth"]["client_token"].as_str() {
                Some(t) => {
                    self.set_phase(key, Phase::Live, Some(Token::new(t)));
                    return Completion::ok(Value::Null);
                }
                None => Completion::malformed("create without auth.client_token"),
            },
            Ok(r) => Completion::from_status(&r),
            Err(e) => Completion::from_call_error(&e),
        };
        self.set_phase(key, Phase::Lost, None);
        c
    }

    async fn use_token(&self, cluster: &Cluster, node: usize, key: &str) -> Completion {
        let Some(secret) = self.secret(key) else {
            return Completion::fail("token secret unknown");
        };
        match cluster
            .call(
                node,
                Method::GET,
                "auth/token/lookup-self",
                None,
                Some(&secret),
            )
            .await
        {
            Ok(r) if r.status == 200 => Completion::ok(json!({ "valid": true })),
            Ok(r) if r.status == 403 => Completion::ok(json!({ "valid": false })),
            Ok(r) => Completion::from_status(&r),
            Err(e) => Completion::from_call_error(&e),
        }
    }

    async fn revoke(&self, cluster: &Cluster, node: usize, key: &str) -> Completion {
        let Some(secret) = self.secret(key) else {
            return Completion::fail("token secret unknown");
        };
        let body = json!({ "token": secret.expose() });
        let c = match cluster
            .call(node, Method::POST, "auth/token/revoke", Some(&body), None)
            .await
        {
            Ok(r) if r.status == 204 || r.status == 200 => Completion::ok(Value::Null),
            Ok(r) => Completion::from_status(&r),
            Err(e) => Completion::from_call_error(&e),
        };
        // A failed revoke leaves the token live; an unknown one is treated as revoked
        // (no second attempt), which the model handles either way.
        let phase = if c.kind == Kind::Fail {
            Phase::Live
        } else {
            Phase::Revoked
        };
        self.set_phase(key, phase, None);
        c
    }
}

#[async_trait]
impl Workload for TokenWorkload {
    fn name(&self) -> &'static str {
        "token"
    }

    async fn setup(&self, cluster: &Cluster) -> Result<(), WorkloadError> {
        probe_until("looking up the harness token", || async {
            let r = cluster
                .call(0, Method::GET, "auth/token/lookup-self", None, None)
                .await
                .map_err(|e| e.to_string())?;
            if r.status == 200 {
                Ok(())
            } else {
                Err(r.describe())
            }
        })
        .await
    }

    fn next(&self, rng: &mut StdRng) -> Option<Invocation> {
        // Many short-lived tokens test visibility more often than a few long-lived ones.
        let limit = self.cfg.ops_per_key.clamp(3, MAX_USES);
        let active = self.cfg.active_keys.max(1);
        self.with(|tokens| {
            let usable: Vec<usize> = (0..tokens.len())
                .filter(|&i| {
                    let e = &tokens[i];
                    e.secret.is_some() && e.phase != Phase::Lost && e.ops < limit
                })
                .collect();
            let creating = tokens.iter().filter(|e| e.phase == Phase::Creating).count();
            let want_more = usable.len() + creating < active;
            if usable.is_empty() || (want_more && rng.random_range(0..100) < 50) {
                let key = format!("t{}", tokens.len());
                tokens.push(Entry {
                    key: key.clone(),
                    secret: None,
                    phase: Phase::Creating,
                    ops: 1,
                });
                return Some(Invocation {
                    f: F::TokenCreate,
                    key,
                    args: Value::Null,
                });
            }
            let e = &mut tokens[usable[rng.random_range(0..usable.len())]];
            e.ops += 1;
            // Revoke about once per token, half-way through its uses.
            let f = if e.phase == Phase::Live && e.ops * 2 >= limit && rng.random_range(0..100) < 40
            {
                e.phase = Phase::Revoking;
                F::TokenRevoke
            } else {
                F::TokenUse
            };
            Some(Invocation {
                f,
                key: e.key.clone(),
                args: Value::Null,
            })
        })
    }

    async fn invoke(&self, cluster: &Cluster, node: usize, inv: &Invocation) -> Completion {
        match inv.f {
            F::TokenCreate => self.create(cluster, node, &inv.key).await,
            F::TokenUse => self.use_token(cluster, node, &inv.key).await,
            F::TokenRevoke => self.revoke(cluster, node, &inv.key).await,
            other => Completion::fail(format!("{} is not a token operation", other.name())),
        }
    }

    fn final_reads(&self) -> Vec<Invocation> {
        self.with(|tokens| {
            tokens
                .iter()
                .filter(|e| e.secret.is_some() && e.phase != Phase::Lost)
                .map(|e| Invocation {
                    f: F::TokenUse,
                    key: e.key.clone(),
                    args: Value::Null,
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn creates_then_uses_and_revokes_known_tokens() {
        let w = TokenWorkload::new(WorkloadConfig {
            mount: "secret".into(),
            prefix: "p".into(),
            active_keys: 2,
            ops_per_key: 6,
        });
        let mut rng = StdRng::seed_from_u64(9);
        // Nothing is usable yet: the first operation creates.
        let first = w.next(&mut rng).unwrap();
        assert_eq!(first.f, F::TokenCreate);
        // Pretend creation succeeded.
        w.set_phase(&first.key, Phase::Live, Some(Token::new("hvs.x")));
        let mut revokes = 0;
        for _ in 0..40 {
            let inv = w.next(&mut rng).unwrap();
            if inv.f == F::TokenCreate {
                w.set_phase(&inv.key, Phase::Live, Some(Token::new("hvs.y")));
            }
            if inv.f == F::TokenRevoke {
                revokes += 1;
                w.set_phase(&inv.key, Phase::Revoked, None);
            }
        }
        assert!(revokes >= 1);
        // No token is used more than its quota.
        w.with(|t| assert!(t.iter().all(|e| e.ops <= 6)));
        assert!(!w.final_reads().is_empty());
        // Secrets never appear in invocations.
        let inv = w.next(&mut rng).unwrap();
        assert!(!inv.args.to_string().contains("hvs."));
    }
}
