//! An in-process cluster for the cluster tests: each node an openraft
//! `Raft` on its own FerrisDB, on its own `FaultFileSystem`, so a node can
//! lose its power; a router network between them that can cut links, one
//! direction at a time; and clients that record every invocation and
//! response for the linearizability checker.

#![allow(dead_code)]

mod network;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferrisdb_raft::linearizability::{Kind, Operation};
use ferrisdb_raft::{LogStore, Request, StateMachine, TypeConfig};
use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::{BasicNode, Config, ServerState};

pub use network::Router;

/// A mutant for the tests of the tests: clients read the node they take
/// for the leader without the read index (a deposed leader answers from
/// its own map). Off except in `regression_partition_test_misses_stale_reads`.
pub static LOCAL_READS: AtomicBool = AtomicBool::new(false);

/// A node's Raft.
pub type Raft = openraft::Raft<TypeConfig>;

/// How long a client waits for one operation before it takes the outcome
/// as unknown.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(1);

/// The Raft settings of the tests: short timeouts, for a loopback cluster.
pub fn config() -> Arc<Config> {
    let config = Config {
        cluster_name: "ferrisdb-raft-tests".into(),
        heartbeat_interval: 50,
        election_timeout_min: 200,
        election_timeout_max: 400,
        // Small, so that a lagging node needs a snapshot.
        max_in_snapshot_log_to_keep: 20,
        snapshot_policy: openraft::SnapshotPolicy::LogsSinceLast(50),
        ..Config::default()
    };
    Arc::new(config.validate().expect("a valid Raft config"))
}

/// One node: its Raft, its state machine (for reads), its disk. Cheap
/// handles, cloned out of the cluster's lock.
#[derive(Clone)]
pub struct Node {
    pub raft: Raft,
    pub sm: StateMachine,
    pub db: StorageEngine,
    pub fs: FaultFileSystem,
}

/// The cluster: shared by the clients and the test, which kills,
/// restarts and partitions nodes while the clients run.
pub struct Cluster {
    pub router: Router,
    nodes: Mutex<BTreeMap<u64, Node>>,
}

/// Opens a node's database on `fs`.
fn open_db(fs: &FaultFileSystem) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        // Small MemTables, so that flushes happen within a test.
        memtable_size: 64 << 10,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .expect("the node's database opens")
}

impl Cluster {
    /// A cluster of nodes `1..=voters`, initialized with all of them as
    /// voters, with a leader elected.
    pub async fn new(voters: u64) -> Arc<Cluster> {
        let cluster = Arc::new(Cluster {
            router: Router::default(),
            nodes: Mutex::new(BTreeMap::new()),
        });
        for id in 1..=voters {
            cluster.start(id, FaultFileSystem::new()).await;
        }
        let members: BTreeMap<u64, BasicNode> =
            (1..=voters).map(|id| (id, BasicNode::default())).collect();
        let first = cluster.node(1).expect("node 1 runs");
        first
            .raft
            .initialize(members)
            .await
            .expect("the cluster initializes");
        cluster.leader().await;
        cluster
    }

    /// Node `id`, if it runs.
    pub fn node(&self, id: u64) -> Option<Node> {
        self.nodes.lock().unwrap().get(&id).cloned()
    }

    /// The running nodes.
    pub fn running(&self) -> Vec<u64> {
        self.nodes.lock().unwrap().keys().copied().collect()
    }

    /// Starts node `id` on `fs` (new, or what a power loss left).
    pub async fn start(&self, id: u64, fs: FaultFileSystem) {
        let db = open_db(&fs);
        let log = LogStore::open(&db).expect("the log store opens");
        let sm = StateMachine::open(&db).expect("the state machine opens");
        let raft = Raft::new(id, config(), self.router.factory(id), log, sm.clone())
            .await
            .expect("the node starts");
        self.router.add(id, raft.clone());
        let node = Node { raft, sm, db, fs };
        self.nodes.lock().unwrap().insert(id, node);
    }

    /// Cuts node `id`'s power: returns its disk as a reboot finds it,
    /// with only what was synced (in a crash state the model picks with
    /// `seed`). `start` it again on that disk.
    pub async fn power_off(&self, id: u64, seed: u64) -> FaultFileSystem {
        let node = self.take(id);
        let (rebooted, _) = node
            .fs
            .crash_with(ferrisdb_storage::fs::CrashModel::new(seed));
        // The node's disk is dead: it stops on its first failed write, if
        // it has not already.
        let _ = node.raft.shutdown().await;
        rebooted
    }

    /// Takes node `id` out of the cluster and the router.
    fn take(&self, id: u64) -> Node {
        self.nodes
            .lock()
            .unwrap()
            .remove(&id)
            .expect("a running node")
    }

    /// The leader, once one of the running nodes is leader (waits up to
    /// 10 s).
    pub async fn leader(&self) -> u64 {
        self.leader_among(&self.running()).await
    }

    /// The leader among `ids`, once one of them is leader by its own
    /// metrics (waits up to 10 s): with a partition, the old leader on the
    /// minority side may still think it leads, so a test names the side.
    pub async fn leader_among(&self, ids: &[u64]) -> u64 {
        for _ in 0..200 {
            // Of two that think they lead (one cut off, or not yet told),
            // the one of the later term.
            let mut leader: Option<(u64, u64)> = None;
            for &id in ids {
                let Some(node) = self.node(id) else { continue };
                let metrics = node.raft.metrics().borrow().clone();
                if metrics.state == ServerState::Leader && metrics.current_leader == Some(id) {
                    let term = metrics.current_term;
                    if leader.is_none_or(|(_, t)| term > t) {
                        leader = Some((id, term));
                    }
                }
            }
            if let Some((id, _)) = leader {
                return id;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no leader among {ids:?} within 10 s");
    }

    /// Waits until every running node has applied at least `index`.
    pub async fn applied_everywhere(&self, index: u64) {
        let nodes: Vec<Node> = self.nodes.lock().unwrap().values().cloned().collect();
        for node in nodes {
            node.raft
                .wait(Some(Duration::from_secs(20)))
                .applied_index_at_least(Some(index), "applied_everywhere")
                .await
                .expect("every node applies the log");
        }
    }

    /// Every running node's map value of `key`, read locally.
    pub fn local_values(&self, key: &[u8]) -> BTreeMap<u64, Option<Vec<u8>>> {
        let nodes = self.nodes.lock().unwrap();
        (nodes.iter())
            .map(|(id, node)| (*id, node.sm.get(key).expect("a local read")))
            .collect()
    }
}

/// The history the clients record, and the durability oracle: every
/// acknowledged write of a key that is written once.
#[derive(Default)]
pub struct History {
    clock: AtomicU64,
    operations: Mutex<BTreeMap<Vec<u8>, Vec<Operation>>>,
    written_once: Mutex<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl History {
    /// The next instant of the clients' shared clock.
    pub fn now(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::SeqCst)
    }

    fn record(&self, key: &[u8], operation: Operation) {
        let mut operations = self.operations.lock().unwrap();
        operations.entry(key.to_vec()).or_default().push(operation);
    }

    /// The operations by key.
    pub fn operations(&self) -> BTreeMap<Vec<u8>, Vec<Operation>> {
        self.operations.lock().unwrap().clone()
    }

    /// The acknowledged writes of keys written once.
    pub fn written_once(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.written_once.lock().unwrap().clone()
    }
}

/// A client: sends each operation to the node it takes for the leader,
/// follows `ForwardToLeader`, and records what it saw.
pub struct Client {
    pub history: Arc<History>,
    pub leader: u64,
}

impl Client {
    /// Writes `value` (or deletes, `None`) under `key` through the log;
    /// whether it was acknowledged. A write refused before it reached a log
    /// (no node, or not the leader) or cut from the log (`ForwardToLeader`
    /// after a truncate) never takes effect and is not recorded; one without
    /// an answer (a timeout, a node that stopped) is recorded with an
    /// unknown outcome: it may take effect later, or never.
    pub async fn write(&mut self, cluster: &Cluster, key: &[u8], value: Option<Vec<u8>>) -> bool {
        let Some(node) = cluster.node(self.leader) else {
            self.follow(cluster, None).await;
            return false;
        };
        let call = self.history.now();
        let request = Request {
            key: key.to_vec(),
            value: value.clone(),
        };
        let ret =
            match tokio::time::timeout(OPERATION_TIMEOUT, node.raft.client_write(request)).await {
                Ok(Ok(response)) => {
                    assert_eq!(response.data.refused, None, "a command within the limits");
                    Some(self.history.now())
                }
                Ok(Err(e)) => match e.forward_to_leader() {
                    Some(forward) => {
                        let leader = forward.leader_id;
                        self.follow(cluster, leader).await;
                        return false;
                    }
                    None => {
                        self.follow(cluster, None).await;
                        None
                    }
                },
                Err(_) => {
                    self.follow(cluster, None).await;
                    None
                }
            };
        self.history.record(
            key,
            Operation {
                call,
                ret,
                kind: Kind::Write(value),
            },
        );
        ret.is_some()
    }

    /// Writes a key once (the durability oracle checks it at the end).
    pub async fn write_once(&mut self, cluster: &Cluster, key: &[u8], value: Vec<u8>) -> bool {
        let acknowledged = self.write(cluster, key, Some(value.clone())).await;
        if acknowledged {
            self.history
                .written_once
                .lock()
                .unwrap()
                .insert(key.to_vec(), value);
        }
        acknowledged
    }

    /// Reads `key` linearizably: the node confirms it leads with a quorum
    /// (`ensure_linearizable`: read index) and reads once it applied that
    /// far. A failed read is not recorded: it constrains nothing.
    pub async fn read(&mut self, cluster: &Cluster, key: &[u8]) -> Option<Option<Vec<u8>>> {
        let call = self.history.now();
        let Some(node) = cluster.node(self.leader) else {
            self.follow(cluster, None).await;
            return None;
        };
        let read = async {
            if !LOCAL_READS.load(Ordering::Relaxed) {
                node.raft.ensure_linearizable().await?;
            }
            Ok::<
                _,
                openraft::error::RaftError<
                    u64,
                    openraft::error::CheckIsLeaderError<u64, BasicNode>,
                >,
            >(node.sm.get(key).expect("a local read"))
        };
        match tokio::time::timeout(OPERATION_TIMEOUT, read).await {
            Ok(Ok(value)) => {
                let ret = self.history.now();
                self.history.record(
                    key,
                    Operation {
                        call,
                        ret: Some(ret),
                        kind: Kind::Read(value.clone()),
                    },
                );
                Some(value)
            }
            Ok(Err(e)) => {
                let leader = e.forward_to_leader().and_then(|f| f.leader_id);
                self.follow(cluster, leader).await;
                None
            }
            Err(_) => {
                self.follow(cluster, None).await;
                None
            }
        }
    }

    /// Turns to `leader` if given and running, else (an election, a node
    /// down) waits a little and turns to the next node.
    async fn follow(&mut self, cluster: &Cluster, leader: Option<u64>) {
        let ids = cluster.running();
        self.leader = match leader.filter(|id| ids.contains(id)) {
            Some(id) => id,
            None => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                let next = ids.iter().find(|&&id| id > self.leader).or(ids.first());
                next.copied().unwrap_or(self.leader)
            }
        };
    }
}

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
