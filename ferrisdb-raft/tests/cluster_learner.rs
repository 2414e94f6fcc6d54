//! A fourth node joins a 3-node cluster while clients write and read:
//! added as a learner (it catches up without voting), then promoted to a
//! voter. The history is linearizable, and the new node holds every
//! acknowledged write.

mod cluster;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cluster::client::History;
use cluster::workload::{check_history, join, spawn_clients};
use cluster::Cluster;
use ferrisdb_storage::fs::FaultFileSystem;
use openraft::BasicNode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_catches_up_and_becomes_a_voter() {
    let cluster = Cluster::new(3).await;
    let history = Arc::new(History::default());
    let stop = Arc::new(AtomicBool::new(false));
    let clients = spawn_clients(&cluster, &history, 4, &stop);
    tokio::time::sleep(Duration::from_millis(300)).await;

    cluster.start(4, FaultFileSystem::new()).await;
    let leader = cluster.node(cluster.leader().await).unwrap();
    leader
        .raft
        .add_learner(4, BasicNode::default(), true)
        .await
        .expect("node 4 joins as a learner and catches up");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let voters: BTreeSet<u64> = [1, 2, 3, 4].into();
    leader
        .raft
        .change_membership(voters.clone(), false)
        .await
        .expect("node 4 becomes a voter");
    let membership = leader.raft.metrics().borrow().membership_config.clone();
    let now: BTreeSet<u64> = membership.voter_ids().collect();
    assert_eq!(now, voters);

    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    join(clients).await;
    check_history(&cluster, &history).await;
}
