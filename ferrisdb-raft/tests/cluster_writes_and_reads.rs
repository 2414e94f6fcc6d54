//! A 3-node cluster serves writes and linearizable reads from concurrent
//! clients: the history is linearizable per key, and every acknowledged
//! write of a key written once is on every node at the end.

mod cluster;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use cluster::client::History;
use cluster::workload::{check_history, spawn_clients, stop_after};
use cluster::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_see_a_linearizable_map() {
    let cluster = Cluster::new(3).await;
    let history = Arc::new(History::default());
    let stop = Arc::new(AtomicBool::new(false));
    let clients = spawn_clients(&cluster, &history, 4, &stop);
    stop_after(Duration::from_secs(1), &stop, clients).await;
    check_history(&cluster, &history).await;
}
