//! A 3-node cluster partitioned while clients write and read: first the
//! leader alone on the minority side, for longer than a client's timeout
//! (the majority elects a new leader and takes the clients' writes; the
//! old one can commit nothing, and a reader pinned to it is answered
//! nothing it could not confirm), then a follower alone (the majority,
//! leader included, goes on), each healed after a while. The history is
//! linearizable, and no acknowledged write is lost, on any node.

mod cluster;

use std::sync::Arc;

use cluster::client::History;
use cluster::workload::{check_history, partitions};
use cluster::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minority_and_majority_partitions_keep_the_map_linearizable() {
    let cluster = Cluster::new(3).await;
    let history = Arc::new(History::default());
    let (asked, answered) = partitions(&cluster, &history).await;
    eprintln!("the reader pinned to the deposed leader asked {asked} reads, {answered} answered");
    assert!(asked > 0);
    assert_eq!(
        answered, 0,
        "a leader cut off from its quorum confirms no read index"
    );
    check_history(&cluster, &history).await;
}
