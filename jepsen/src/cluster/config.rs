//! The configuration file of one node of a local test cluster.

use std::net::Ipv4Addr;

/// API port of every node (each node has its own network namespace).
pub const API_PORT: u16 = 8200;
/// Cluster (raft) port of every node.
pub const CLUSTER_PORT: u16 = 8201;

/// The API address of a node.
pub fn api_addr(addr: Ipv4Addr) -> String {
    format!("http://{addr}:{API_PORT}")
}

/// HCL for a raft node named `node_id` at `addr`, storing in `data_dir`; `join` lists the
/// API addresses to `retry_join` (empty for the node that is initialised).
pub fn node_hcl(node_id: &str, addr: Ipv4Addr, data_dir: &str, join: &[String]) -> String {
    let mut retry = String::new();
    for leader in join {
        retry.push_str(&format!(
            "  retry_join {{\n    leader_api_addr = \"{leader}\"\n  }}\n"
        ));
    }
    format!(
        "disable_mlock = true\n\
         api_addr = \"{api}\"\n\
         cluster_addr = \"http://{addr}:{CLUSTER_PORT}\"\n\
         storage \"raft\" {{\n  path = \"{data_dir}\"\n  node_id = \"{node_id}\"\n{retry}}}\n\
         listener \"tcp\" {{\n  address = \"{addr}:{API_PORT}\"\n  cluster_address = \"{addr}:{CLUSTER_PORT}\"\n  tls_disable = true\n}}\n",
        api = api_addr(addr),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_names_the_node_its_addresses_and_leaders() {
        let hcl = node_hcl(
            "n1g0",
            Ipv4Addr::new(10, 213, 4, 12),
            "/tmp/d",
            &["http://10.213.4.11:8200".into()],
        );
        assert!(hcl.contains("node_id = \"n1g0\""));
        assert!(hcl.contains("api_addr = \"http://10.213.4.12:8200\""));
        assert!(hcl.contains("cluster_addr = \"http://10.213.4.12:8201\""));
        assert!(hcl.contains("leader_api_addr = \"http://10.213.4.11:8200\""));
        assert!(hcl.contains("address = \"10.213.4.12:8200\""));
        assert!(!node_hcl("n0g0", Ipv4Addr::LOCALHOST, "/d", &[]).contains("retry_join"));
    }
}
