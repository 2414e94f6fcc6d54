//! Gap found by the review of issue 25 (this test passes; it is the test
//! the suite lacked): no test caught a `raft-kv` scan that skips the read
//! index. Mutant: in `src/service/server.rs`, answer `Message::Scan` from
//! the local map without `node.reads.ensure()`. Every test still passed:
//! the cluster tests' clients never scan (their histories hold reads and
//! writes only), and the TCP tests scan only a healthy leader. A node cut
//! off from its quorum must refuse a scan, as it refuses a read.

mod tcp;

use std::time::Duration;
use tcp::{leader, start_cluster, TcpCluster};

use ferrisdb_raft::service::client::Client;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_without_quorum_refuses_a_scan() {
    let TcpCluster {
        dir: _dir,
        addrs,
        rafts,
    } = start_cluster().await;
    let (first, _) = leader(&addrs[&1]).await;
    let mut client = Client::new(&addrs[&first]);
    client.write(b"k", Some(b"v")).await.unwrap();
    for (&id, raft) in &rafts {
        if id != first {
            raft.shutdown().await.unwrap();
        }
    }
    let scan = tokio::time::timeout(Duration::from_secs(10), client.scan(b"", None, 10)).await;
    assert!(
        matches!(scan, Ok(Err(_))),
        "a leader without a quorum answered a scan: {scan:?}"
    );
    rafts[&first].shutdown().await.unwrap();
}
