//! One network namespace per node, so that the nemesis can cut links between nodes while
//! the clients (in the root namespace) still reach every node.
//!
//! Layout: a *hub* namespace holds a bridge; every node namespace has a veth `eth0` whose
//! peer is a port of that bridge, and the root namespace has one veth into the bridge too
//! (the clients' side, address `.1`). The bridge lives in its own namespace on purpose:
//! on a host with Docker, bridged traffic in the root namespace passes the root
//! namespace's `FORWARD` chain (policy drop), while a fresh namespace has no rules.
//!
//! A partition is a set of blocked node pairs. Each node namespace gets one nftables table
//! (`inet jepsen`) dropping input from the nodes it must not hear; healing deletes the
//! tables. Nothing outside the namespaces created here is touched, except the one root
//! veth, and everything is removed on drop — and, for namespaces left behind by a harness
//! that was killed, by [`remove_stale`] at the next start.

use std::collections::BTreeSet;
use std::io::Write;
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};

use super::ClusterError;

/// Prefix of every namespace this module creates: `arcaj-<pid>-<seq>-<role>`.
pub const NS_PREFIX: &str = "arcaj-";

/// Runs a command; its stderr in the error when it fails.
pub(crate) fn run(program: &str, args: &[&str]) -> Result<String, ClusterError> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ClusterError::Net(format!("{program} {}: {e}", args.join(" "))))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(ClusterError::Net(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Runs a command with `input` on its stdin.
fn run_with_input(program: &str, args: &[&str], input: &str) -> Result<(), ClusterError> {
    let what = || format!("{program} {}", args.join(" "));
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ClusterError::Net(format!("{}: {e}", what())))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| ClusterError::Net(format!("{}: {e}", what())))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| ClusterError::Net(format!("{}: {e}", what())))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(ClusterError::Net(format!(
            "{}: {}",
            what(),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// The nftables ruleset that makes a node deaf to `blocked` (addresses of other nodes).
pub fn drop_rules(blocked: &[Ipv4Addr]) -> String {
    let set: Vec<String> = blocked.iter().map(Ipv4Addr::to_string).collect();
    format!(
        "table inet jepsen {{\n  chain input {{\n    type filter hook input priority 0; policy accept;\n    ip saddr {{ {} }} drop\n  }}\n}}\n",
        set.join(", ")
    )
}

/// The namespaces, links and addresses of one cluster.
#[derive(Debug)]
pub struct Network {
    hub: String,
    root_veth: String,
    nodes: Vec<String>,
    subnet: [u8; 3],
    /// Nodes whose namespace currently holds drop rules.
    partitioned: BTreeSet<usize>,
}

/// Third octet candidates of `10.213.x.0/24` in use on this host.
fn used_subnets() -> BTreeSet<u8> {
    let text = run("ip", &["-4", "-o", "addr"]).unwrap_or_default();
    text.split_whitespace()
        .filter_map(|w| w.strip_prefix("10.213."))
        .filter_map(|rest| rest.split('.').next()?.parse().ok())
        .collect()
}

impl Network {
    /// Creates the hub, one namespace per node and the root's link; `seq` makes the names
    /// unique within this process.
    pub fn create(nodes: usize, seq: u32) -> Result<Network, ClusterError> {
        if nodes == 0 || nodes > 200 {
            return Err(ClusterError::Config(format!("{nodes} nodes")));
        }
        let pid = std::process::id();
        let used = used_subnets();
        let start = (pid.wrapping_mul(7).wrapping_add(seq * 13) % 250) as u8;
        let third = (0..250u8)
            .map(|k| (start.wrapping_add(k) % 250) + 1)
            .find(|k| !used.contains(k))
            .ok_or_else(|| ClusterError::Net("no free 10.213.x.0/24 subnet".into()))?;
        let base = format!("{NS_PREFIX}{pid}-{seq}");
        let mut net = Network {
            hub: format!("{base}-hub"),
            root_veth: format!("aj{pid:x}r{seq}"),
            nodes: (0..nodes).map(|i| format!("{base}-n{i}")).collect(),
            subnet: [10, 213, third],
            partitioned: BTreeSet::new(),
        };
        if net.root_veth.len() > 15 {
            net.root_veth = format!("aj{}r{seq}", pid % 100_000);
        }
        // On any error the half-built network is removed by Drop.
        net.build()?;
        Ok(net)
    }

    fn build(&mut self) -> Result<(), ClusterError> {
        let hub = self.hub.clone();
        run("ip", &["netns", "add", &hub])?;
        run("ip", &["-n", &hub, "link", "set", "lo", "up"])?;
        run("ip", &["-n", &hub, "link", "add", "br0", "type", "bridge"])?;
        run("ip", &["-n", &hub, "link", "set", "br0", "up"])?;
        let root = self.root_veth.clone();
        run(
            "ip",
            &[
                "link", "add", &root, "type", "veth", "peer", "name", "up0", "netns", &hub,
            ],
        )?;
        run(
            "ip",
            &["-n", &hub, "link", "set", "up0", "master", "br0", "up"],
        )?;
        let cidr = format!("{}/24", self.root_addr());
        run("ip", &["addr", "add", &cidr, "dev", &root])?;
        run("ip", &["link", "set", &root, "up"])?;
        for i in 0..self.nodes.len() {
            let ns = self.nodes[i].clone();
            let port = format!("p{i}");
            run("ip", &["netns", "add", &ns])?;
            run("ip", &["-n", &ns, "link", "set", "lo", "up"])?;
            run(
                "ip",
                &[
                    "-n", &hub, "link", "add", &port, "type", "veth", "peer", "name", "eth0",
                    "netns", &ns,
                ],
            )?;
            run(
                "ip",
                &["-n", &hub, "link", "set", &port, "master", "br0", "up"],
            )?;
            let cidr = format!("{}/24", self.node_addr(i));
            run("ip", &["-n", &ns, "addr", "add", &cidr, "dev", "eth0"])?;
            run("ip", &["-n", &ns, "link", "set", "eth0", "up"])?;
        }
        Ok(())
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether there are no nodes (never, once created).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The namespace of node `i`.
    pub fn namespace(&self, i: usize) -> &str {
        &self.nodes[i]
    }

    /// The root namespace's address on the cluster network (the clients' side).
    pub fn root_addr(&self) -> Ipv4Addr {
        let [a, b, c] = self.subnet;
        Ipv4Addr::new(a, b, c, 1)
    }

    /// Node `i`'s address.
    pub fn node_addr(&self, i: usize) -> Ipv4Addr {
        let [a, b, c] = self.subnet;
        Ipv4Addr::new(a, b, c, 11 + i as u8)
    }

    /// Cuts every link in `blocked` (pairs of node positions), both ways, replacing any
    /// earlier partition.
    pub fn partition(&mut self, blocked: &BTreeSet<(usize, usize)>) -> Result<(), ClusterError> {
        self.heal()?;
        for i in 0..self.nodes.len() {
            let deaf_to: Vec<Ipv4Addr> = blocked
                .iter()
                .filter_map(|&(a, b)| match (a == i, b == i) {
                    (true, false) => Some(b),
                    (false, true) => Some(a),
                    _ => None,
                })
                .filter(|&j| j < self.nodes.len())
                .map(|j| self.node_addr(j))
                .collect();
            if deaf_to.is_empty() {
                continue;
            }
            let ns = self.nodes[i].clone();
            self.partitioned.insert(i);
            run_with_input(
                "ip",
                &["netns", "exec", &ns, "nft", "-f", "-"],
                &drop_rules(&deaf_to),
            )?;
        }
        Ok(())
    }

    /// Removes every drop rule; idempotent.
    pub fn heal(&mut self) -> Result<(), ClusterError> {
        let mut first_error = None;
        for i in std::mem::take(&mut self.partitioned) {
            let ns = self.nodes[i].clone();
            if let Err(e) = run(
                "ip",
                &[
                    "netns", "exec", &ns, "nft", "delete", "table", "inet", "jepsen",
                ],
            ) {
                self.partitioned.insert(i);
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Whether any drop rule is in place.
    pub fn is_partitioned(&self) -> bool {
        !self.partitioned.is_empty()
    }
}

/// Kills every process left in namespace `ns` and deletes it.
fn remove_namespace(ns: &str) {
    if let Ok(pids) = run("ip", &["netns", "pids", ns]) {
        for pid in pids
            .split_whitespace()
            .filter_map(|p| p.parse::<i32>().ok())
        {
            if pid > 1 && pid as u32 != std::process::id() {
                // SAFETY: kill(2) on one positive pid found in our own namespace.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
    let _ = run("ip", &["netns", "del", ns]);
}

impl Drop for Network {
    fn drop(&mut self) {
        for ns in &self.nodes {
            remove_namespace(ns);
        }
        remove_namespace(&self.hub);
        let _ = run("ip", &["link", "del", &self.root_veth]);
    }
}

/// Removes namespaces (and their processes) left by an `arca-jepsen` process that no
/// longer runs; returns their names.
pub fn remove_stale() -> Vec<String> {
    let list = run("ip", &["netns", "list"]).unwrap_or_default();
    let mut removed = Vec::new();
    for name in list.lines().filter_map(|l| l.split_whitespace().next()) {
        let Some(rest) = name.strip_prefix(NS_PREFIX) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            remove_namespace(name);
            removed.push(name.to_string());
        }
    }
    // Root veths of dead harnesses vanish with their hub namespace.
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_rules_name_every_blocked_address() {
        let r = drop_rules(&[Ipv4Addr::new(10, 213, 5, 12), Ipv4Addr::new(10, 213, 5, 13)]);
        assert!(r.contains("table inet jepsen"));
        assert!(r.contains("ip saddr { 10.213.5.12, 10.213.5.13 } drop"));
        assert!(r.contains("hook input"));
    }
}
