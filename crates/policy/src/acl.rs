//! The combined access rules of a token's policies, and the access decision.
//!
//! Rules of several policies on the *same* pattern merge (capabilities are OR-ed; a
//! `deny` anywhere wins; parameter lists and wrapping bounds merge as in Vault). The
//! request path is then matched to ONE winning pattern — an exact pattern if any,
//! else the most specific wildcard one — and only that pattern's merged permissions
//! decide. A broader pattern never adds to a more specific one: that is Vault's model.

use std::collections::HashMap;

use arca_sdk::{Map, Operation};

use crate::{
    Capabilities, Permissions, Policy, params,
    pattern::{PathPattern, SegmentPattern, Specificity},
    policy::PathRule,
};

/// Access rules ready for checking requests.
#[derive(Debug, Clone, Default)]
pub struct Acl {
    root: bool,
    exact: HashMap<String, Permissions>,
    prefix: HashMap<String, Permissions>,
    segments: HashMap<String, (SegmentPattern, Permissions)>,
}

/// What is being asked: the operation on a full API path (mount included) with the
/// request's parameters and, when the client asked for a wrapped response, its TTL.
#[derive(Debug, Clone, Copy)]
pub struct AccessRequest<'a> {
    pub operation: Operation,
    pub path: &'a str,
    pub data: &'a Map,
    /// Seconds of `X-Vault-Wrap-TTL`; `None` when the response is not wrapped.
    pub wrap_ttl: Option<u64>,
}

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The winning rule grants `sudo` (needed in addition on root-protected paths).
    pub sudo: bool,
    /// The token holds the `root` policy: everything is allowed, sudo included.
    pub root: bool,
    /// Why (for logs and debugging; names parameters, never their values).
    pub reason: String,
}

impl Decision {
    fn deny(sudo: bool, reason: impl Into<String>) -> Decision {
        Decision {
            allowed: false,
            sudo,
            root: false,
            reason: reason.into(),
        }
    }

    fn allow(sudo: bool, reason: impl Into<String>) -> Decision {
        Decision {
            allowed: true,
            sudo,
            root: false,
            reason: reason.into(),
        }
    }
}

/// A wildcard rule that matches the path, with its specificity.
type Candidate<'a> = (Specificity, &'a Permissions);

impl Acl {
    /// Combines policies. A policy named `root` makes the ACL allow everything.
    pub fn new(policies: &[Policy]) -> Acl {
        Acl::from_policies(policies)
    }

    /// [`Acl::new`] over borrowed policies (e.g. shared from a cache).
    pub fn from_policies<'a>(policies: impl IntoIterator<Item = &'a Policy>) -> Acl {
        let mut acl = Acl::default();
        for policy in policies {
            if policy.name == crate::ROOT_POLICY {
                acl.root = true;
                continue;
            }
            for rule in &policy.rules {
                acl.insert(rule);
            }
        }
        acl
    }

    /// The ACL of the `root` policy.
    pub fn root() -> Acl {
        Acl {
            root: true,
            ..Acl::default()
        }
    }

    /// True when built from the `root` policy.
    pub fn is_root(&self) -> bool {
        self.root
    }

    fn insert(&mut self, rule: &PathRule) {
        let existing = match &rule.pattern {
            PathPattern::Exact(p) => self.exact.get_mut(p),
            PathPattern::Prefix(p) => self.prefix.get_mut(p),
            PathPattern::Segments(s) => self.segments.get_mut(&s.full).map(|(_, perms)| perms),
        };
        if let Some(existing) = existing {
            merge(existing, &rule.permissions);
            return;
        }
        let perms = rule.permissions.clone();
        match &rule.pattern {
            PathPattern::Exact(p) => {
                self.exact.insert(p.clone(), perms);
            }
            PathPattern::Prefix(p) => {
                self.prefix.insert(p.clone(), perms);
            }
            PathPattern::Segments(s) => {
                self.segments.insert(s.full.clone(), (s.clone(), perms));
            }
        }
    }

    /// Checks `op` on `path` with parameters `data` (an unwrapped request).
    pub fn check(&self, op: Operation, path: &str, data: &Map) -> Decision {
        self.check_request(&AccessRequest {
            operation: op,
            path,
            data,
            wrap_ttl: None,
        })
    }

    /// Checks a request, including its response-wrapping TTL.
    pub fn check_request(&self, req: &AccessRequest<'_>) -> Decision {
        if self.root {
            return Decision {
                allowed: true,
                sudo: true,
                root: true,
                reason: "granted by the root policy".into(),
            };
        }
        let op = req.operation;
        let Some(needed) = Capabilities::for_operation(op) else {
            // Help is always allowed to an authenticated token, as in Vault.
            return Decision::allow(false, "help is always allowed");
        };
        let mut path = req.path.trim_start_matches('/').to_string();
        let list = op == Operation::List;
        // Vault's HTTP layer gives list requests a trailing slash; patterns are written
        // for that form (e.g. `secret/metadata/*` allows listing `secret/metadata`).
        if list && !path.ends_with('/') {
            path.push('/');
        }
        let Some(perms) = self.lookup(&path, list) else {
            return Decision::deny(false, "no policy grants access to this path");
        };
        let caps = perms.capabilities;
        let sudo = caps.contains(Capabilities::SUDO);
        if caps.contains(Capabilities::DENY) {
            return Decision::deny(false, "a policy explicitly denies this path");
        }
        if !caps.contains(needed) {
            return Decision::deny(
                sudo,
                format!(
                    "no policy grants the {} capability on this path",
                    op.as_str()
                ),
            );
        }
        if let Some(reason) = wrapping_violation(perms, req.wrap_ttl) {
            return Decision::deny(sudo, reason);
        }
        if matches!(
            op,
            Operation::Read | Operation::Update | Operation::Create | Operation::Patch
        ) && let Some(reason) = parameter_violation(perms, req.data)
        {
            return Decision::deny(sudo, reason);
        }
        Decision::allow(sudo, format!("the {} capability is granted", op.as_str()))
    }

    /// What `sys/capabilities` reports for `path`: `["root"]` for root, `["deny"]` when
    /// nothing is granted, else the sorted capability names.
    pub fn capabilities(&self, path: &str) -> Vec<String> {
        if self.root {
            return vec!["root".into()];
        }
        match self.lookup(path.trim_start_matches('/'), true) {
            Some(perms) => perms.capabilities.names(),
            None => vec!["deny".into()],
        }
    }

    /// The merged permissions of the winning pattern for `path`. `list` enables Vault's
    /// list fallbacks (the path without its trailing slash also counts).
    fn lookup(&self, path: &str, list: bool) -> Option<&Permissions> {
        if let Some(p) = self.exact.get(path) {
            return Some(p);
        }
        let trimmed = path.strip_suffix('/');
        if list && let Some(p) = trimmed.and_then(|t| self.exact.get(t)) {
            return Some(p);
        }
        if list && let Some(trimmed) = trimmed {
            let mut all = self.candidates(trimmed);
            all.extend(self.candidates(path));
            return resolve_list(all);
        }
        most_specific(self.candidates(path))
    }

    /// Wildcard rules matching `path`: the longest matching prefix rule (as Vault's
    /// radix lookup finds it) and every matching segment rule.
    fn candidates(&self, path: &str) -> Vec<Candidate<'_>> {
        let mut out: Vec<Candidate<'_>> = Vec::new();
        if let Some((prefix, perms)) = self
            .prefix
            .iter()
            .filter(|(p, _)| path.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
        {
            out.push((Specificity::of_prefix(prefix), perms));
        }
        if !self.segments.is_empty() {
            let parts: Vec<&str> = path.split('/').collect();
            out.extend(
                self.segments
                    .values()
                    .filter_map(|(pattern, perms)| pattern.matches(&parts).map(|s| (s, perms))),
            );
        }
        out
    }
}

fn most_specific(candidates: Vec<Candidate<'_>>) -> Option<&Permissions> {
    candidates
        .into_iter()
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, p)| p)
}

/// Vault's choice for a list request with a trailing slash, among the rules matching
/// the path with and without that slash: a deny more specific than every rule granting
/// `list` wins; else the most specific rule granting `list`; else the most specific
/// rule (which then refuses the list).
fn resolve_list(all: Vec<Candidate<'_>>) -> Option<&Permissions> {
    let best_with = |cap: Capabilities| {
        all.iter()
            .filter(|(_, p)| p.capabilities.contains(cap))
            .max_by(|a, b| a.0.cmp(&b.0))
    };
    let best_deny = best_with(Capabilities::DENY);
    let best_list = best_with(Capabilities::LIST);
    match (best_deny, best_list) {
        (Some(deny), Some(list)) if list.0 < deny.0 => Some(deny.1),
        (Some(deny), None) => Some(deny.1),
        (_, Some(list)) => Some(list.1),
        (None, None) => most_specific(all),
    }
}

/// Merges the permissions of another rule on the same pattern, as Vault does.
fn merge(existing: &mut Permissions, new: &Permissions) {
    if existing.capabilities.contains(Capabilities::DENY) {
        return;
    }
    if new.capabilities.contains(Capabilities::DENY) {
        existing.capabilities = Capabilities::DENY;
        existing.allowed_parameters.clear();
        existing.denied_parameters.clear();
        return;
    }
    existing.capabilities = existing.capabilities.union(new.capabilities);
    // The smaller bound of each kind wins (the shortest-lived wrapping).
    if new.max_wrapping_ttl > 0
        && (existing.max_wrapping_ttl == 0 || new.max_wrapping_ttl < existing.max_wrapping_ttl)
    {
        existing.max_wrapping_ttl = new.max_wrapping_ttl;
    }
    if new.min_wrapping_ttl > 0
        && (existing.min_wrapping_ttl == 0 || new.min_wrapping_ttl < existing.min_wrapping_ttl)
    {
        existing.min_wrapping_ttl = new.min_wrapping_ttl;
    }
    merge_parameters(&mut existing.allowed_parameters, &new.allowed_parameters);
    merge_parameters(&mut existing.denied_parameters, &new.denied_parameters);
    for p in &new.required_parameters {
        if !existing.required_parameters.contains(p) {
            existing.required_parameters.push(p.clone());
        }
    }
}

/// Value lists of the same parameter are concatenated; an empty list (any value) on
/// either side makes the merged list empty.
fn merge_parameters(
    existing: &mut std::collections::BTreeMap<String, Vec<serde_json::Value>>,
    new: &std::collections::BTreeMap<String, Vec<serde_json::Value>>,
) {
    for (name, values) in new {
        match existing.get_mut(name) {
            Some(current) if current.is_empty() => {}
            Some(current) if values.is_empty() => current.clear(),
            Some(current) => current.extend(values.iter().cloned()),
            None => {
                existing.insert(name.clone(), values.clone());
            }
        }
    }
}

fn wrapping_violation(perms: &Permissions, wrap_ttl: Option<u64>) -> Option<String> {
    let (min, max) = (perms.min_wrapping_ttl, perms.max_wrapping_ttl);
    if max > 0 && wrap_ttl.is_none_or(|t| t > max) {
        return Some(format!(
            "this path requires response wrapping with a TTL of at most {max}s"
        ));
    }
    if min > 0 && wrap_ttl.is_none_or(|t| t < min) {
        return Some(format!(
            "this path requires response wrapping with a TTL of at least {min}s"
        ));
    }
    if min > 0 && max > 0 && max < min {
        return Some("the merged wrapping TTL bounds of this path are contradictory".into());
    }
    None
}

fn parameter_violation(perms: &Permissions, data: &Map) -> Option<String> {
    for required in &perms.required_parameters {
        if !data.contains_key(&required.to_lowercase()) {
            return Some(format!("required parameter {required:?} is missing"));
        }
    }
    if data.is_empty() {
        return None;
    }
    let denied = &perms.denied_parameters;
    if !denied.is_empty() {
        if denied.contains_key("*") {
            return Some("all parameters are denied on this path".into());
        }
        for (name, value) in data {
            if let Some(list) = denied.get(&name.to_lowercase())
                && params::denied(&params::normalize(name, value), list)
            {
                return Some(format!("parameter {name:?} has a denied value"));
            }
        }
    }
    let allowed = &perms.allowed_parameters;
    if allowed.is_empty() {
        return None;
    }
    let any_name = allowed.contains_key("*");
    if any_name && allowed.len() == 1 {
        return None;
    }
    for (name, value) in data {
        match allowed.get(&name.to_lowercase()) {
            None if !any_name => return Some(format!("parameter {name:?} is not allowed")),
            Some(list) if !params::allowed(&params::normalize(name, value), list) => {
                return Some(format!(
                    "parameter {name:?} has a value that is not allowed"
                ));
            }
            _ => {}
        }
    }
    None
}
