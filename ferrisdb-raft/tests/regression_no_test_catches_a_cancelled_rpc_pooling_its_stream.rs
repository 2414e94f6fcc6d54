//! Gap found by the third review of issue 25 (this test passes; it is the
//! test the suite lacked): nothing checked that a stream whose RPC was
//! cancelled midway never goes back to the pool. Mutant: in
//! `src/service/network.rs`, `Connection::call`, keep the stream in
//! `self.stream` while the request is on the wire (connect or
//! `take_idle()` into `self.stream`, send and receive through
//! `self.stream.as_mut()`, clear it only on an `Err` of the exchange, as
//! before the pool). Every TCP and cluster test still passed, yet an RPC
//! that timed out leaves its stream, with its reply still to come, in the
//! `Connection`; `Drop` pools it, and the next client to that node reads
//! the old RPC's reply as its own (here an AppendEntries' answer to a
//! Vote; with two Votes, a grant for another term).
//!
//! The fake node answers the first RPC after the client's timeout, and
//! every later one at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferrisdb_raft::service::network::Network;
use ferrisdb_raft::service::wire::{receive, send, Message, Reply};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{AppendEntriesRequest, AppendEntriesResponse, VoteRequest, VoteResponse};
use openraft::{BasicNode, Vote};
use tokio::net::TcpListener;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_rpc_leaves_no_reply_for_the_next_client() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let first = Arc::new(AtomicBool::new(true));
    {
        let first = Arc::clone(&first);
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                let first = Arc::clone(&first);
                tokio::spawn(async move {
                    while let Ok(Some(message)) = receive::<Message>(&mut stream).await {
                        let reply = match message {
                            Message::AppendEntries(_) => {
                                Reply::AppendEntries(Ok(AppendEntriesResponse::Success))
                            }
                            Message::Vote(rpc) => Reply::Vote(Ok(VoteResponse {
                                vote: rpc.vote,
                                vote_granted: true,
                                last_log_id: None,
                            })),
                            other => panic!("not an RPC: {other:?}"),
                        };
                        if first.swap(false, Ordering::SeqCst) {
                            tokio::time::sleep(Duration::from_millis(400)).await;
                        }
                        if send(&mut stream, &reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    }

    let mut network = Network::new(1);
    let node = BasicNode::new(addr);
    {
        let mut client = network.new_client(2, &node).await;
        let rpc = AppendEntriesRequest {
            vote: Vote::new_committed(1, 1),
            prev_log_id: None,
            entries: vec![],
            leader_commit: None,
        };
        let option = RPCOption::new(Duration::from_millis(100));
        client
            .append_entries(rpc, option)
            .await
            .expect_err("the node answers after the timeout");
    }
    // The late reply is on its way meanwhile.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut client = network.new_client(2, &node).await;
    let rpc = VoteRequest::new(Vote::new(2, 1), None);
    let option = RPCOption::new(Duration::from_secs(2));
    let reply = client
        .vote(rpc, option)
        .await
        .expect("the vote's own answer");
    assert_eq!(reply.vote, Vote::new(2, 1));
    assert!(reply.vote_granted);
}
