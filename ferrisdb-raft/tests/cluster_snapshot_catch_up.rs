//! A node cut off while the others write far past the leader's snapshot
//! (the leader purges its log behind it) catches up through a snapshot
//! install when the link heals: its map becomes a new data generation,
//! holds every acknowledged write, and the history is linearizable.

mod cluster;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cluster::client::History;
use cluster::workload::{check_history, join, spawn_clients};
use cluster::Cluster;
use ferrisdb_raft::keys;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_node_catches_up_through_a_snapshot() {
    let cluster = Cluster::new(3).await;
    let all = [1, 2, 3];
    let leader = cluster.leader().await;
    let lagging = all.iter().copied().find(|&id| id != leader).unwrap();
    cluster.router.isolate(&[lagging], &all);

    let history = Arc::new(History::default());
    let stop = Arc::new(AtomicBool::new(false));
    let clients = spawn_clients(&cluster, &history, 4, &stop);
    // Until the leader's log starts well past what the lagging node has.
    let lagging_applied = |cluster: &cluster::Cluster| {
        let node = cluster.node(lagging).unwrap();
        let applied = node.raft.metrics().borrow().last_applied;
        applied.map_or(0, |id| id.index)
    };
    let behind = lagging_applied(&cluster);
    for _ in 0..200 {
        let node = cluster.node(leader).unwrap();
        let purged = node.raft.metrics().borrow().purged.map_or(0, |id| id.index);
        if purged > behind + 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let node = cluster.node(leader).unwrap();
    let purged = node.raft.metrics().borrow().purged.map_or(0, |id| id.index);
    assert!(purged > behind + 10, "the leader purged to {purged} only");
    cluster.router.heal();

    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    join(clients).await;
    check_history(&cluster, &history).await;
    let node = cluster.node(lagging).unwrap();
    assert!(
        node.db.keyspaces().contains(&keys::sm_keyspace(1)),
        "node {lagging} installed no snapshot: {:?}",
        node.db.keyspaces()
    );
    eprintln!(
        "node {lagging} was at {behind}, the leader purged to {purged}; caught up by a snapshot"
    );
}
