//! The partition machinery on real network namespaces (needs root, `ip` and `nft`): a
//! cut link stops traffic both ways between two nodes, leaves the clients' path from the
//! root namespace alone, and healing restores it; dropping the network removes every
//! namespace. Set `ARCA_JEPSEN_NO_NETNS=1` to skip on a machine without namespaces.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use arca_jepsen::cluster::netns::{NS_PREFIX, Network};

const PORT: u16 = 9009;

fn skip() -> bool {
    std::env::var_os("ARCA_JEPSEN_NO_NETNS").is_some()
}

/// A TCP listener in namespace `ns` that accepts forever.
fn listener(ns: &str, addr: Ipv4Addr) -> Child {
    let script = format!(
        "import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('{addr}',{PORT}))\ns.listen(16)\nwhile True:\n    c,_=s.accept()\n    c.close()\n"
    );
    Command::new("ip")
        .args(["netns", "exec", ns, "python3", "-c", &script])
        .stdin(Stdio::null())
        .spawn()
        .expect("python3 listener")
}

/// Whether a TCP connection to `addr` succeeds within a second, from namespace `ns`
/// (`None`: the root namespace).
fn connects(ns: Option<&str>, addr: Ipv4Addr) -> bool {
    let probe = format!("exec 3<>/dev/tcp/{addr}/{PORT}");
    let mut cmd = match ns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, "timeout", "1", "bash", "-c", &probe]);
            c
        }
        None => {
            let mut c = Command::new("timeout");
            c.args(["1", "bash", "-c", &probe]);
            c
        }
    };
    cmd.stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn eventually(cond: impl Fn() -> bool) -> bool {
    for _ in 0..30 {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn namespaces() -> String {
    String::from_utf8_lossy(
        &Command::new("ip")
            .args(["netns", "list"])
            .output()
            .expect("ip netns list")
            .stdout,
    )
    .into_owned()
}

#[test]
fn partitions_cut_node_links_but_not_clients_and_heal() {
    if skip() {
        eprintln!("ARCA_JEPSEN_NO_NETNS set: skipped");
        return;
    }
    let mut net = Network::create(3, 900).expect("network namespaces (root, ip, nft)");
    let names: Vec<String> = (0..3).map(|i| net.namespace(i).to_string()).collect();
    assert!(names.iter().all(|n| n.starts_with(NS_PREFIX)));
    let mut server = listener(&names[1], net.node_addr(1));
    let target = net.node_addr(1);
    assert!(
        eventually(|| connects(Some(&names[0]), target)),
        "0 -> 1 before"
    );
    assert!(connects(None, target), "root -> 1 before");

    let blocked: BTreeSet<(usize, usize)> = [(0, 1)].into();
    net.partition(&blocked).expect("partition");
    assert!(net.is_partitioned());
    assert!(!connects(Some(&names[0]), target), "0 -> 1 is cut");
    assert!(connects(Some(&names[2]), target), "2 -> 1 still works");
    assert!(connects(None, target), "clients still reach 1");

    net.heal().expect("heal");
    assert!(!net.is_partitioned());
    assert!(
        eventually(|| connects(Some(&names[0]), target)),
        "0 -> 1 healed"
    );
    net.heal().expect("healing twice is fine");

    let _ = server.kill();
    let _ = server.wait();
    drop(net);
    let left = namespaces();
    for n in &names {
        assert!(!left.contains(n.as_str()), "{n} removed: {left}");
    }
}
