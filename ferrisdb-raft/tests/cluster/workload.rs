//! What the clients of the cluster tests do, and the check at the end of
//! every test.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferrisdb_raft::linearizability::{Kind, Operation};

use super::client::{Client, History, OPERATION_TIMEOUT};
use super::Cluster;

/// Starts `clients` clients that run until `stop` is set: reads and
/// writes of three shared keys, and writes of keys written once (for the
/// durability oracle), in an order a seed per client fixes, a few
/// milliseconds apart.
pub fn spawn_clients(
    cluster: &Arc<Cluster>,
    history: &Arc<History>,
    clients: u64,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    use rand::{Rng, SeedableRng};
    (0..clients)
        .map(|c| {
            let cluster = Arc::clone(cluster);
            let history = Arc::clone(history);
            let stop = Arc::clone(stop);
            tokio::spawn(async move {
                let mut rng = rand::rngs::StdRng::seed_from_u64(c);
                let mut client = Client { history, leader: 1 };
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let key = format!("k{}", rng.random_range(0..3u8)).into_bytes();
                    match rng.random_range(0..10u8) {
                        0..4 => {
                            let value = format!("c{c}-{i}").into_bytes();
                            client.write(&cluster, &key, Some(value)).await;
                        }
                        4 => {
                            client.write(&cluster, &key, None).await;
                        }
                        5..8 => {
                            client.read(&cluster, &key).await;
                        }
                        _ => {
                            let key = format!("once-c{c}-{i}").into_bytes();
                            client.write_once(&cluster, &key, b"v".to_vec()).await;
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(3)).await;
                }
            })
        })
        .collect()
}

/// Starts a reader pinned to node `id`, as a client that has not heard of
/// an election: it reads the shared keys from that node until `stop`, and
/// after a failed read asks the same node again. Returns how many reads it
/// asked and how many were answered.
pub fn spawn_pinned_reader(
    cluster: &Arc<Cluster>,
    history: &Arc<History>,
    id: u64,
    stop: &Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(u64, u64)> {
    let cluster = Arc::clone(cluster);
    let history = Arc::clone(history);
    let stop = Arc::clone(stop);
    tokio::spawn(async move {
        let mut client = Client {
            history,
            leader: id,
        };
        let (mut asked, mut answered) = (0, 0);
        while !stop.load(Ordering::Relaxed) {
            let key = format!("k{}", asked % 3).into_bytes();
            asked += 1;
            if client.read(&cluster, &key).await.is_some() {
                answered += 1;
            }
            client.leader = id;
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        (asked, answered)
    })
}

/// The partitions workload of `cluster_partitions.rs` (and of its mutant,
/// `regression_partition_test_misses_stale_reads.rs`), while four clients
/// write and read:
/// - the leader is cut off alone, for longer than a client's timeout: the
///   majority elects a new leader, the clients waiting on the old one give
///   up and write through the new one, and a reader pinned to the old
///   leader keeps asking it, so a stale read from a deposed leader shows in
///   the history;
/// - then a follower is cut off alone, and the leader keeps its majority.
///
/// Each is healed after a while. Returns the pinned reader's figures: reads
/// asked, and answered by the deposed leader.
pub async fn partitions(cluster: &Arc<Cluster>, history: &Arc<History>) -> (u64, u64) {
    let all = [1, 2, 3];
    let stop = Arc::new(AtomicBool::new(false));
    let clients = spawn_clients(cluster, history, 4, &stop);

    tokio::time::sleep(Duration::from_millis(300)).await;
    let leader = cluster.leader().await;
    cluster.router.isolate(&[leader], &all);
    let stop_reader = Arc::new(AtomicBool::new(false));
    let reader = spawn_pinned_reader(cluster, history, leader, &stop_reader);
    let majority: Vec<u64> = all.iter().copied().filter(|&id| id != leader).collect();
    let elected = cluster.leader_among(&majority).await;
    let from = history.now();
    tokio::time::sleep(OPERATION_TIMEOUT + Duration::from_millis(700)).await;
    let to = history.now();
    stop_reader.store(true, Ordering::Relaxed);
    cluster.router.heal();
    let acknowledged = (history.operations().values().flatten())
        .filter(|op| matches!(op.kind, Kind::Write(_)) && op.call > from)
        .filter(|op| op.ret.is_some_and(|ret| ret < to))
        .count();
    eprintln!(
        "leader {leader} cut off alone; {elected} elected by the majority, which acknowledged \
         {acknowledged} writes meanwhile"
    );
    assert!(
        acknowledged > 0,
        "the clients found the majority's leader while the old one was cut off"
    );

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
    reader.await.expect("the pinned reader panicked")
}

/// Lets the clients run for `time`, then stops them and waits for them.
pub async fn stop_after(
    time: Duration,
    stop: &AtomicBool,
    clients: Vec<tokio::task::JoinHandle<()>>,
) {
    tokio::time::sleep(time).await;
    stop.store(true, Ordering::Relaxed);
    join(clients).await;
}

/// Waits for the clients.
pub async fn join(clients: Vec<tokio::task::JoinHandle<()>>) {
    for client in clients {
        client.await.expect("a client panicked");
    }
}

/// The end of every cluster test: the history is linearizable per key, and
/// every acknowledged write of a key written once is read back (through
/// the log's leader) and is in every running node's map once they applied
/// the leader's log.
pub async fn check_history(cluster: &Cluster, history: &Arc<History>) {
    if let Err(e) = ferrisdb_raft::linearizability::check(&history.operations()) {
        panic!("{e}");
    }
    let leader = cluster.leader().await;
    let mut client = Client {
        history: Arc::clone(history),
        leader,
    };
    let written = history.written_once();
    for (key, value) in &written {
        let mut read = None;
        for _ in 0..10 {
            read = client.read(cluster, key).await;
            if read.is_some() {
                break;
            }
        }
        assert_eq!(
            read,
            Some(Some(value.clone())),
            "acknowledged write of {} lost",
            String::from_utf8_lossy(key)
        );
    }
    let node = cluster.node(leader).expect("the leader runs");
    let applied = node.raft.metrics().borrow().last_applied;
    let index = applied.map_or(0, |id| id.index);
    cluster.applied_everywhere(index).await;
    for (key, value) in &written {
        for (id, local) in cluster.local_values(key) {
            assert_eq!(
                local.as_ref(),
                Some(value),
                "node {id} lacks the acknowledged write of {}",
                String::from_utf8_lossy(key)
            );
        }
    }
    let operations = history.operations();
    let all: Vec<&Operation> = operations.values().flatten().collect();
    let unknown = all.iter().filter(|op| op.ret.is_none()).count();
    eprintln!(
        "{} keys, {} operations ({unknown} of unknown outcome) linearizable; {} writes-once \
         acknowledged and on every node",
        operations.len(),
        all.len(),
        written.len()
    );
}
