//! Reads that wait on the leader at one time share a leadership round
//! (`ReadIndex`): 64 reads at once take a few rounds, not 64, and each sees
//! the write acknowledged before it began. On a follower, every read of a
//! round gets the round's `ForwardToLeader`.

mod cluster;

use std::sync::Arc;

use cluster::Cluster;
use ferrisdb_raft::Request;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_share_rounds() {
    let cluster = Cluster::new(3).await;
    let leader = cluster.node(cluster.leader().await).unwrap();
    let request = Request {
        key: b"k".to_vec(),
        value: Some(b"v".to_vec()),
    };
    leader.raft.client_write(request).await.unwrap();

    let before = leader.reads.rounds();
    let reads: Vec<_> = (0..64)
        .map(|_| {
            let node = leader.clone();
            tokio::spawn(async move {
                node.reads.ensure().await.expect("the leader confirms");
                node.sm.get(b"k").unwrap()
            })
        })
        .collect();
    for read in reads {
        assert_eq!(read.await.unwrap().as_deref(), Some(&b"v"[..]));
    }
    let rounds = leader.reads.rounds() - before;
    eprintln!("64 reads, {rounds} rounds");
    assert!((1..=16).contains(&rounds), "{rounds} rounds for 64 reads");

    let id = cluster.leader().await;
    let follower = cluster.running().into_iter().find(|&f| f != id).unwrap();
    let follower = Arc::new(cluster.node(follower).unwrap());
    let reads: Vec<_> = (0..8)
        .map(|_| {
            let node = Arc::clone(&follower);
            tokio::spawn(async move { node.reads.ensure().await })
        })
        .collect();
    for read in reads {
        let error = read
            .await
            .unwrap()
            .expect_err("a follower confirms nothing");
        let forward = error.forward_to_leader().expect("ForwardToLeader");
        assert_eq!(forward.leader_id, Some(id));
    }
}
