//! `raft-kv` makes clusters of at most four voters (`MAX_VOTERS`): its
//! client follows `NotLeader` for a write whose entry a node truncated,
//! which never commits with four voters or fewer but may with five, and
//! would then take effect twice. A node asked to make a cluster of five
//! refuses, says why, and stays uninitialized: it then makes one of four.

use std::collections::BTreeMap;

use ferrisdb_raft::service::client::Client;
use ferrisdb_raft::service::server::MAX_VOTERS;
use ferrisdb_raft::service::start_node;
use tokio::net::TcpListener;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_of_five_voters_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let raft = start_node(1, dir.path(), listener).await.unwrap();
    // Members 2 to 5 never run: the refusal comes before any RPC.
    let members = |n: u64| -> BTreeMap<u64, String> {
        (1..=n)
            .map(|id| (id, format!("127.0.0.1:{}", 1 + id)))
            .map(|(id, port)| (id, if id == 1 { addr.clone() } else { port }))
            .collect()
    };
    let error = Client::new(&addr)
        .initialize(&members(MAX_VOTERS as u64 + 1))
        .await
        .expect_err("five voters refused");
    let message = error.to_string();
    assert!(message.contains("at most 4"), "{message}");
    Client::new(&addr)
        .initialize(&members(MAX_VOTERS as u64))
        .await
        .expect("four voters made a cluster");
    raft.shutdown().await.unwrap();
}
