//! CIDR blocks for source-address bindings (`token_bound_cidrs`, AppRole's
//! `secret_id_bound_cidrs` and `cidr_list`).
//!
//! Auth methods check a login's [`crate::Request::remote_addr`] against these blocks, and
//! the core checks a token's blocks on every use, so the parsing lives here once. Like
//! Vault (go-sockaddr), a bare address is accepted and means a single host (`/32` or
//! `/128`).

use std::net::{IpAddr, SocketAddr};

/// One parsed block: the network address (host bits cleared) and its prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n`, an IPv6 block, or a bare address. Returns `None` for
    /// anything else, so callers can choose their own error text (Vault's differ by
    /// endpoint).
    pub fn parse(input: &str) -> Option<Cidr> {
        let s = input.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = max_prefix(addr);
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        Some(Cidr {
            network: mask(addr, prefix),
            prefix,
        })
    }

    /// True when `ip` lies inside the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        same_family(self.network, ip) && mask(ip, self.prefix) == self.network
    }

    /// True when every address of `other` lies inside this block.
    pub fn contains_block(&self, other: &Cidr) -> bool {
        other.prefix >= self.prefix && self.contains(other.network)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Parses every block of a list; `None` when any entry is not a block or an address.
pub fn parse_list(list: &[String]) -> Option<Vec<Cidr>> {
    list.iter().map(|s| Cidr::parse(s)).collect()
}

/// Parses a client address as the HTTP layer records it: a bare IP or `ip:port`.
pub fn parse_remote_addr(remote: &str) -> Option<IpAddr> {
    let s = remote.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .map(canonical)
}

/// True when `remote` (a client address) lies inside at least one of `blocks`
/// (strings as stored). An unparsable address or block never matches.
pub fn remote_addr_allowed(remote: &str, blocks: &[String]) -> bool {
    let Some(ip) = parse_remote_addr(remote) else {
        return false;
    };
    blocks
        .iter()
        .filter_map(|b| Cidr::parse(b))
        .any(|c| c.contains(ip))
}

/// True when every block of `inner` lies inside some block of `outer` (AppRole:
/// a secret ID's CIDRs must narrow the role's). An empty `outer` allows anything.
pub fn is_subset(inner: &[String], outer: &[String]) -> bool {
    if outer.is_empty() {
        return true;
    }
    let (Some(inner), Some(outer)) = (parse_list(inner), parse_list(outer)) else {
        return false;
    };
    inner
        .iter()
        .all(|i| outer.iter().any(|o| o.contains_block(i)))
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn same_family(a: IpAddr, b: IpAddr) -> bool {
    matches!(
        (a, b),
        (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_))
    )
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, as dual-stack listeners report them)
/// compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((bits & m).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn parses_blocks_and_bare_addresses() {
        assert_eq!(Cidr::parse("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(
            Cidr::parse(" 127.0.0.1 ").unwrap().to_string(),
            "127.0.0.1/32"
        );
        assert_eq!(Cidr::parse("::1").unwrap().to_string(), "::1/128");
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().to_string(), "0.0.0.0/0");
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("10.0.0/8").is_none());
        assert!(Cidr::parse("nope").is_none());
        assert!(parse_list(&s(&["10.0.0.0/8", "x"])).is_none());
    }

    #[test]
    fn matches_remote_addresses() {
        let blocks = s(&["10.0.0.0/8", "192.168.1.7"]);
        assert!(remote_addr_allowed("10.200.3.4", &blocks));
        assert!(remote_addr_allowed("192.168.1.7:5555", &blocks));
        assert!(remote_addr_allowed("::ffff:10.0.0.1", &blocks));
        assert!(!remote_addr_allowed("192.168.1.8", &blocks));
        assert!(!remote_addr_allowed("11.0.0.1", &blocks));
        assert!(!remote_addr_allowed("", &blocks));
        assert!(remote_addr_allowed("0.0.0.1", &s(&["0.0.0.0/0"])));
        assert!(!remote_addr_allowed("::1", &s(&["0.0.0.0/0"])));
    }

    #[test]
    fn subset_relation() {
        let role = s(&["10.0.0.0/8", "172.16.0.0/12"]);
        assert!(is_subset(&s(&["10.1.0.0/16", "172.16.1.1"]), &role));
        assert!(!is_subset(&s(&["10.0.0.0/7"]), &role));
        assert!(!is_subset(&s(&["192.168.0.0/16"]), &role));
        assert!(is_subset(&s(&["192.168.0.0/16"]), &[]));
        assert!(is_subset(&[], &role));
    }
}
