//! Capabilities as a small bit set, so merging the rules of many policies on one path is
//! a bitwise OR and checking an operation is one AND.

use arca_sdk::Operation;

/// A set of capabilities granted (or denied) on a path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Capabilities(u16);

impl Capabilities {
    /// Explicit denial: overrides every other capability on the same path.
    pub const DENY: Capabilities = Capabilities(1);
    pub const CREATE: Capabilities = Capabilities(1 << 1);
    pub const READ: Capabilities = Capabilities(1 << 2);
    pub const UPDATE: Capabilities = Capabilities(1 << 3);
    pub const DELETE: Capabilities = Capabilities(1 << 4);
    pub const LIST: Capabilities = Capabilities(1 << 5);
    /// Access to root-protected paths, on top of the operation's own capability.
    pub const SUDO: Capabilities = Capabilities(1 << 6);
    pub const PATCH: Capabilities = Capabilities(1 << 7);
    /// Accepted for compatibility (event subscriptions); Arca has no events yet.
    pub const SUBSCRIBE: Capabilities = Capabilities(1 << 8);
    /// Accepted for compatibility (snapshot recovery reads).
    pub const RECOVER: Capabilities = Capabilities(1 << 9);

    /// The empty set.
    pub const NONE: Capabilities = Capabilities(0);

    /// Every capability except `deny` (what the `root` policy amounts to).
    pub const ALL: Capabilities = Capabilities(0b11_1111_1110);

    /// Names in the order Vault reports them from `sys/capabilities` before sorting.
    const NAMED: [(&'static str, Capabilities); 10] = [
        ("sudo", Self::SUDO),
        ("read", Self::READ),
        ("list", Self::LIST),
        ("update", Self::UPDATE),
        ("delete", Self::DELETE),
        ("create", Self::CREATE),
        ("patch", Self::PATCH),
        ("subscribe", Self::SUBSCRIBE),
        ("recover", Self::RECOVER),
        ("deny", Self::DENY),
    ];

    /// The capability called `name` (case-sensitive, as in Vault).
    pub fn from_name(name: &str) -> Option<Capabilities> {
        Self::NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| *c)
    }

    /// True when every capability of `other` is in `self`.
    pub fn contains(self, other: Capabilities) -> bool {
        other.0 != 0 && self.0 & other.0 == other.0
    }

    /// True when nothing is granted or denied.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The union of both sets.
    pub fn union(self, other: Capabilities) -> Capabilities {
        Capabilities(self.0 | other.0)
    }

    /// The names in this set, as `sys/capabilities` lists them: `["deny"]` when denied
    /// or empty, otherwise sorted alphabetically.
    pub fn names(self) -> Vec<String> {
        if self.contains(Self::DENY) {
            return vec!["deny".into()];
        }
        let mut out: Vec<String> = Self::NAMED
            .iter()
            .filter(|(_, c)| *c != Self::DENY && self.contains(*c))
            .map(|(n, _)| n.to_string())
            .collect();
        if out.is_empty() {
            out.push("deny".into());
        }
        out.sort();
        out
    }

    /// The capability an operation needs, or `None` for operations that need none
    /// (help).
    pub fn for_operation(op: Operation) -> Option<Capabilities> {
        Some(match op {
            Operation::Read => Self::READ,
            Operation::Create => Self::CREATE,
            Operation::Update => Self::UPDATE,
            Operation::Patch => Self::PATCH,
            Operation::Delete => Self::DELETE,
            Operation::List => Self::LIST,
            Operation::Help => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_and_deny_wins() {
        let c = Capabilities::READ
            .union(Capabilities::LIST)
            .union(Capabilities::UPDATE);
        assert_eq!(c.names(), ["list", "read", "update"]);
        assert_eq!(c.union(Capabilities::DENY).names(), ["deny"]);
        assert_eq!(Capabilities::NONE.names(), ["deny"]);
        assert_eq!(
            Capabilities::ALL.names(),
            [
                "create",
                "delete",
                "list",
                "patch",
                "read",
                "recover",
                "subscribe",
                "sudo",
                "update"
            ]
        );
    }

    #[test]
    fn lookup_and_contains() {
        assert_eq!(Capabilities::from_name("patch"), Some(Capabilities::PATCH));
        assert_eq!(Capabilities::from_name("Read"), None);
        assert!(!Capabilities::NONE.contains(Capabilities::NONE));
        assert!(Capabilities::ALL.contains(Capabilities::SUDO));
        assert!(!Capabilities::ALL.contains(Capabilities::DENY));
        assert_eq!(Capabilities::for_operation(Operation::Help), None);
        assert_eq!(
            Capabilities::for_operation(Operation::List),
            Some(Capabilities::LIST)
        );
    }
}
