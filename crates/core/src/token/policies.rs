//! Policy-list rules shared by token creation, roles and logins (Vault's `policyutil`
//! and `strutil` helpers).

/// Policies no token may be given.
pub const NON_ASSIGNABLE: &[&str] = &["response-wrapping", "control-group"];

/// Vault's `SanitizePolicies`: trims and lower-cases names, drops empty ones, reduces a
/// list containing `root` to `["root"]`, adds `default` when asked (unless root), and
/// returns the names sorted without duplicates.
pub fn sanitize(policies: &[String], add_default: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(policies.len() + 1);
    let mut has_default = false;
    for p in policies {
        let p = p.trim().to_lowercase();
        if p.is_empty() {
            continue;
        }
        if p == "root" {
            return vec!["root".into()];
        }
        if p == "default" {
            has_default = true;
        }
        out.push(p);
    }
    if add_default && !has_default {
        out.push("default".into());
    }
    dedup_sorted(out)
}

/// Vault's `RemoveDuplicates(items, lowercase=true)`: trimmed, lower-cased, sorted,
/// without duplicates or empty names.
pub fn dedup_lower(items: &[String]) -> Vec<String> {
    dedup_sorted(
        items
            .iter()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

fn dedup_sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// True when every element of `subset` is in `set`.
pub fn is_subset(set: &[String], subset: &[String]) -> bool {
    subset.iter().all(|p| set.contains(p))
}

/// True when `item` matches one of the glob `patterns` (`*` matches any run of
/// characters, anywhere in the pattern).
pub fn matches_any_glob(patterns: &[String], item: &str) -> bool {
    patterns.iter().any(|p| glob_match(p, item))
}

fn glob_match(pattern: &str, item: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == item;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !item.starts_with(first) || !item.ends_with(last) || item.len() < first.len() + last.len() {
        return false;
    }
    // Both bounds are character boundaries: the prefix and suffix matched.
    let Some(mut rest) = item.get(first.len()..item.len() - last.len()) else {
        return false;
    };
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sanitize_like_vault() {
        assert_eq!(
            sanitize(&v(&["B", " a ", "", "a"]), true),
            v(&["a", "b", "default"])
        );
        assert_eq!(sanitize(&v(&["a", "root"]), true), v(&["root"]));
        assert_eq!(sanitize(&v(&[]), true), v(&["default"]));
        assert_eq!(sanitize(&v(&["default", "x"]), false), v(&["default", "x"]));
        assert!(sanitize(&v(&[]), false).is_empty());
    }

    #[test]
    fn globs_and_subsets() {
        let pats = v(&["dev-*", "*-ro", "a*b*c"]);
        assert!(matches_any_glob(&pats, "dev-team"));
        assert!(matches_any_glob(&pats, "db-ro"));
        assert!(matches_any_glob(&pats, "axxbyyc"));
        assert!(!matches_any_glob(&pats, "prod"));
        assert!(!matches_any_glob(&pats, "acb"));
        assert!(matches_any_glob(&v(&["*"]), "anything"));
        assert!(is_subset(&v(&["a", "b"]), &v(&["b"])));
        assert!(!is_subset(&v(&["a"]), &v(&["a", "c"])));
    }
}
