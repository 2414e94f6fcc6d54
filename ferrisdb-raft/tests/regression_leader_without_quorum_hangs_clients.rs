//! Bug: a `raft-kv` leader that lost its quorum: a client's write waited
//! forever. Neither the server (`client_write` without a deadline) nor the
//! client (no timeout on the exchange) gives up, so `raft-kv put` hangs.
//! (A read does answer: `ensure_linearizable` fails with "not enough for a
//! quorum".)
//!
//! Now the node answers a write it cannot commit within 5 s as of unknown
//! outcome, and the client waits 10 s at most for any answer.

use std::collections::BTreeMap;
use std::time::Duration;

use ferrisdb_raft::service::client::Client;
use ferrisdb_raft::service::start_node;
use ferrisdb_raft::service::wire::Reply;
use tokio::net::TcpListener;

async fn leader(addr: &str) -> u64 {
    for _ in 0..100 {
        if let Ok(Reply::Status {
            leader: Some((id, _)),
            ..
        }) = Client::new(addr).status().await
        {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no leader known to {addr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_without_quorum_answers_within_a_deadline() {
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
    let first = leader(&addrs[&1]).await;
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
    let mut client = Client::new(&addrs[&first]);
    let write = tokio::time::timeout(Duration::from_secs(10), client.write(b"k", Some(b"w"))).await;
    assert!(write.is_ok(), "no answer to the write within 10 s");
}
