//! Finding of the review of issue 25: the partitions workload passed its
//! linearizability check with reads that skip the read index (a deposed
//! leader answers from its own map): it cut the leader off for less than a
//! client's timeout, so the clients stayed on the old leader and wrote
//! nothing through the new one. The workload now keeps the partition longer,
//! the clients move to the new leader, and a reader stays pinned to the old
//! one: with this mutant, its stale reads fail the check.

mod cluster;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use cluster::client::History;
use cluster::workload::partitions;
use cluster::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partitions_workload_catches_reads_without_the_read_index() {
    cluster::client::LOCAL_READS.store(true, Ordering::Relaxed);
    let cluster = Cluster::new(3).await;
    let history = Arc::new(History::default());
    let (asked, answered) = partitions(&cluster, &history).await;
    assert!(answered > 0, "{asked} reads asked, none answered");
    assert!(
        ferrisdb_raft::linearizability::check(&history.operations()).is_err(),
        "{answered} reads from a deposed leader went unnoticed"
    );
}
