//! Bug: a `raft-kv` leader that lost its quorum: a client's write waited
//! forever. Neither the server (`client_write` without a deadline) nor the
//! client (no timeout on the exchange) gives up, so `raft-kv put` hangs.
//! (A read does answer: `ensure_linearizable` fails with "not enough for a
//! quorum".)
//!
//! Now the node answers a write it cannot commit within 5 s as of unknown
//! outcome, and the client waits 10 s at most for any answer.
//!
//! The scan here is the second review's: no test caught a scan answered
//! from the local map without the read index (the cluster tests' clients
//! never scan, and the other TCP tests scan a healthy leader). Such a
//! leader must refuse a scan as it refuses a read.

mod tcp;

use std::time::Duration;
use tcp::{leader, start_cluster, TcpCluster};

use ferrisdb_raft::service::client::Client;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_without_quorum_answers_within_a_deadline() {
    let TcpCluster {
        dir: _dir,
        addrs,
        rafts,
    } = start_cluster().await;
    let (first, _) = leader(&addrs[&1]).await;
    let mut client = Client::new(&addrs[&first]);
    client.write(b"k", Some(b"v")).await.unwrap();
    // Both followers stop: the leader can commit nothing and confirm
    // nothing.
    for (&id, raft) in &rafts {
        if id != first {
            raft.shutdown().await.unwrap();
        }
    }
    // Any answer will do (an error is right), but one must come.
    let read = tokio::time::timeout(Duration::from_secs(10), client.read(b"k")).await;
    assert!(matches!(read, Ok(Err(_))), "the read is refused: {read:?}");
    let scan = tokio::time::timeout(Duration::from_secs(10), client.scan(b"", None, 10)).await;
    assert!(
        matches!(scan, Ok(Err(_))),
        "a leader without a quorum answered a scan: {scan:?}"
    );
    let mut client = Client::new(&addrs[&first]);
    let write = tokio::time::timeout(Duration::from_secs(10), client.write(b"k", Some(b"w"))).await;
    assert!(write.is_ok(), "no answer to the write within 10 s");
}
