//! The partitions workload of `cluster_partitions.rs`, with its clients' reads
//! mutated to skip the read index: the check should fail, and does not.
//! (Was: a 3-node cluster partitioned while clients write and read: first the
//! leader alone on the minority side (the majority elects a new leader;
//! the old one can commit nothing), then a follower alone (the majority,
//! leader included, goes on), each healed after a while. The history is
//! linearizable, and no acknowledged write is lost, on any node.)

mod cluster;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cluster::{join, spawn_clients, Cluster, History};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "finding: with reads that skip the read index (a deposed leader answers from its own map), the partitions workload still passes its linearizability check"]
async fn the_partitions_workload_catches_reads_without_the_read_index() {
    cluster::LOCAL_READS.store(true, Ordering::Relaxed);
    let cluster = Cluster::new(3).await;
    let all = [1, 2, 3];
    let history = Arc::new(History::default());
    let stop = Arc::new(AtomicBool::new(false));
    let clients = spawn_clients(&cluster, &history, 4, &stop);

    // The leader alone on the minority side.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let leader = cluster.leader().await;
    cluster.router.isolate(&[leader], &all);
    let majority: Vec<u64> = all.iter().copied().filter(|&id| id != leader).collect();
    let elected = cluster.leader_among(&majority).await;
    eprintln!("leader {leader} cut off alone; {elected} elected by the majority");
    tokio::time::sleep(Duration::from_millis(500)).await;
    cluster.router.heal();

    // A follower alone on the minority side; the leader keeps its majority.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let leader = cluster.leader().await;
    let follower = all.iter().copied().find(|&id| id != leader).unwrap();
    cluster.router.isolate(&[follower], &all);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        cluster.leader_among(&[leader]).await,
        leader,
        "the majority's leader stays"
    );
    cluster.router.heal();
    eprintln!("follower {follower} cut off alone, then healed");

    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    join(clients).await;
    assert!(
        ferrisdb_raft::linearizability::check(&history.operations()).is_err(),
        "reads without the read index went unnoticed"
    );
}
