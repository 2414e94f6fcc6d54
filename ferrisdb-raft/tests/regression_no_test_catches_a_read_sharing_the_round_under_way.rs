//! Gap found by the review of issue 25 (this test passes; it is the test
//! the suite lacked): no test caught a `ReadIndex` that lets a read share
//! the round *under way* when it arrived, instead of waiting for the next
//! one. Mutant: in `src/service/read_index.rs`, stamp `start` after
//! `ensure_linearizable` returns instead of before it starts. Every cluster
//! test, the TCP tests and `concurrent_reads_share_rounds` still passed
//! (its 1..=16 rounds for 64 reads holds either way), yet such a read may
//! be answered from a round whose quorum answered before the read arrived:
//! a deposed leader may then serve a write's old value after the new
//! leader acknowledged the write.
//!
//! Here a round is kept under way for a heartbeat's timeout: both
//! followers' WAL syncs are held while a write is replicated, so their
//! Raft cores are stuck in an append and answer no heartbeat. A read that
//! arrives during that round must run a round of its own.

mod cluster;

use std::time::Duration;

use cluster::Cluster;
use ferrisdb_raft::Request;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_read_arriving_during_a_round_waits_for_the_next() {
    let cluster = Cluster::new(3).await;
    let id = cluster.leader().await;
    let leader = cluster.node(id).unwrap();
    let followers: Vec<_> = (cluster.running().into_iter())
        .filter(|&f| f != id)
        .map(|f| cluster.node(f).unwrap())
        .collect();
    let held: Vec<_> = followers.iter().map(|f| f.fs.hold_syncs(".wal")).collect();
    let raft = leader.raft.clone();
    let write = tokio::spawn(async move {
        let request = Request {
            key: b"k".to_vec(),
            value: Some(b"v".to_vec()),
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), raft.client_write(request)).await;
    });
    // The followers are inside their appends' syncs.
    for held in &held {
        held.wait_until_held(1);
    }

    let before = leader.reads.rounds();
    let first = {
        let node = leader.clone();
        tokio::spawn(async move { node.reads.ensure().await })
    };
    while leader.reads.rounds() == before {
        tokio::task::yield_now().await;
    }
    // The first round is under way (it waits up to a heartbeat for answers
    // that cannot come); this read arrives during it.
    let second = {
        let node = leader.clone();
        tokio::spawn(async move { node.reads.ensure().await })
    };
    let first = first.await.unwrap();
    let second = second.await.unwrap();
    let rounds = leader.reads.rounds() - before;
    drop(held);
    write.await.unwrap();
    assert!(first.is_err(), "no follower answered the first round");
    assert!(second.is_err(), "no follower answered the second round");
    assert_eq!(
        rounds, 2,
        "the read that arrived during a round shared it instead of running the next"
    );
}
