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
    let (cluster, listeners) = start_but(&[]).await;
    assert!(listeners.is_empty());
    cluster
}

/// Starts nodes 1 and 2 and makes the cluster of 1, 2 and 3 through node 1.
/// Node 3's port is reserved with nothing answering on it (connections wait
/// in its backlog and time out, as to a node that is down) until
/// [`catch_up`] starts it on the listener returned.
pub async fn start_cluster_but_3() -> (TcpCluster, TcpListener) {
    let (cluster, mut listeners) = start_but(&[3]).await;
    (cluster, listeners.remove(&3).expect("node 3's listener"))
}

/// Starts nodes 1 to 3 but `late`, and makes the cluster of all three
/// through node 1; returns the listeners of the nodes not started.
async fn start_but(late: &[u64]) -> (TcpCluster, BTreeMap<u64, TcpListener>) {
    let dir = tempfile::tempdir().unwrap();
    let mut addrs = BTreeMap::new();
    let mut rafts = BTreeMap::new();
    let mut waiting = BTreeMap::new();
    for id in 1..=3u64 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        addrs.insert(id, listener.local_addr().unwrap().to_string());
        if late.contains(&id) {
            waiting.insert(id, listener);
            continue;
        }
        let raft = start_node(id, &dir.path().join(id.to_string()), listener)
            .await
            .unwrap();
        rafts.insert(id, raft);
    }
    Client::new(&addrs[&1]).initialize(&addrs).await.unwrap();
    (TcpCluster { dir, addrs, rafts }, waiting)
}

/// Starts node 3 on `listener` (from [`start_cluster_but_3`]) and waits up
/// to `within` until it has applied `target`; whether it did.
pub async fn catch_up(
    cluster: &mut TcpCluster,
    listener: TcpListener,
    target: u64,
    within: Duration,
) -> bool {
    let path = cluster.dir.path().join("3");
    let raft = start_node(3, &path, listener).await.unwrap();
    cluster.rafts.insert(3, raft);
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        if applied(&cluster.addrs[&3]).await >= Some(target) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

/// The index the node at `addr` reports it applied.
pub async fn applied(addr: &str) -> Option<u64> {
    match Client::new(addr).status().await {
        Ok(Reply::Status { applied, .. }) => applied,
        _ => None,
    }
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
