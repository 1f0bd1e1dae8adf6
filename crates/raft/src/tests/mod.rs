//! Behaviour tests of a node through its public API: single node, restart, snapshots,
//! and a real 3-node cluster over the tonic network.

mod cluster;
mod dead_leader;
mod forward;
mod ha;
mod membership;
mod quorum;
mod single;
mod snapshots;
mod stall;
mod support;
mod tls;
