//! The leader of a 3-node cluster loses its power while clients write and
//! read, twice: the other two elect a leader and go on, and the old leader
//! starts again on what its disk kept (any crash state of the unsynced
//! data) and rejoins. The history is linearizable, and no acknowledged
//! write is lost, on any node.

mod cluster;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cluster::client::History;
use cluster::workload::{check_history, join, spawn_clients};
use cluster::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_power_loss_loses_no_acknowledged_write() {
    let cluster = Cluster::new(3).await;
    let history = Arc::new(History::default());
    let stop = Arc::new(AtomicBool::new(false));
    let clients = spawn_clients(&cluster, &history, 4, &stop);
    for round in 0..2 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let leader = cluster.leader().await;
        let disk = cluster.power_off(leader, round).await;
        // The others elect a leader among themselves while it is down.
        let next = cluster.leader().await;
        assert_ne!(next, leader);
        tokio::time::sleep(Duration::from_millis(300)).await;
        cluster.start(leader, disk).await;
        eprintln!("leader {leader} lost its power; {next} took over; {leader} rejoined");
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    stop.store(true, Ordering::Relaxed);
    join(clients).await;
    check_history(&cluster, &history).await;
}
