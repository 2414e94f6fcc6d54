//! What the `raft-kv` tests over loopback TCP share: three nodes started
//! on their own databases and ports and made a cluster, and the leader a
//! node knows.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use ferrisdb_raft::service::client::Client;
use ferrisdb_raft::service::wire::Reply;
use ferrisdb_raft::service::{start_node, Raft};
use tempfile::TempDir;
use tokio::net::TcpListener;

/// A running loopback cluster: its nodes' addresses and Rafts by id.
pub struct TcpCluster {
    pub dir: TempDir,
    pub addrs: BTreeMap<u64, String>,
    pub rafts: BTreeMap<u64, Raft>,
}

/// Starts nodes 1, 2 and 3 on ports the system picks, and makes them a
/// cluster through node 1.
pub async fn start_cluster() -> TcpCluster {
    let dir = tempfile::tempdir().unwrap();
    let mut addrs = BTreeMap::new();
    let mut rafts = BTreeMap::new();
    for id in 1..=3u64 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        addrs.insert(id, listener.local_addr().unwrap().to_string());
        let raft = start_node(id, &dir.path().join(id.to_string()), listener)
            .await
            .unwrap();
        rafts.insert(id, raft);
    }
    Client::new(&addrs[&1]).initialize(&addrs).await.unwrap();
    TcpCluster { dir, addrs, rafts }
}

/// The leader (id and address) the node at `addr` knows, once it knows
/// one (waits up to 5 s).
pub async fn leader(addr: &str) -> (u64, String) {
    for _ in 0..100 {
        if let Ok(Reply::Status {
            leader: Some(leader),
            ..
        }) = Client::new(addr).status().await
        {
            return leader;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no leader known to {addr}");
}
