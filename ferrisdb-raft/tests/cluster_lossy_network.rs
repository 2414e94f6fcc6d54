//! A 3-node cluster on a lossy network: every link drops a tenth of the
//! requests and a tenth of the responses, at random, while clients write
//! and read (lost heartbeats start elections; lost appends and acks are
//! sent again). The history is linearizable, and no acknowledged write is
//! lost, on any node, once the network is whole again.

mod cluster;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use cluster::client::History;
use cluster::workload::{check_history, spawn_clients, stop_after};
use cluster::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lossy_network_keeps_the_map_linearizable() {
    let cluster = Cluster::new(3).await;
    let history = Arc::new(History::default());
    let stop = Arc::new(AtomicBool::new(false));
    let clients = spawn_clients(&cluster, &history, 4, &stop);
    cluster.router.lose(100, 25);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.router.lose(0, 0);
    stop_after(Duration::from_millis(300), &stop, clients).await;
    let operations = history.operations();
    let acknowledged = (operations.values().flatten())
        .filter(|op| op.ret.is_some())
        .count();
    assert!(acknowledged > 0, "the cluster answered nothing");
    check_history(&cluster, &history).await;
}
