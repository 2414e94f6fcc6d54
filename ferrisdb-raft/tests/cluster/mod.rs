//! An in-process cluster for the cluster tests: each node an openraft
//! `Raft` on its own FerrisDB, on its own `FaultFileSystem`, so a node can
//! lose its power; a router network between them that can cut links, one
//! direction at a time; and clients that record every invocation and
//! response for the linearizability checker.

#![allow(dead_code)]

pub mod client;
pub mod network;
pub mod workload;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferrisdb_raft::service::read_index::ReadIndex;
use ferrisdb_raft::{LogStore, StateMachine, TypeConfig};
use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::{BasicNode, Config, ServerState};

use network::Router;

/// A node's Raft.
pub type Raft = openraft::Raft<TypeConfig>;

/// The most nodes a cluster test runs: `raft-kv`'s own bound, for the same
/// reason (see [`client::Client::write`]).
pub const MAX_VOTERS: u64 = ferrisdb_raft::service::server::MAX_VOTERS as u64;

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
    /// The node's shared read index, as `raft-kv`'s server reads.
    pub reads: Arc<ReadIndex>,
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
        assert!(
            id <= MAX_VOTERS,
            "the clients read a truncated write as never done, which holds up to {MAX_VOTERS} \
             voters"
        );
        let db = open_db(&fs);
        let log = LogStore::open(&db).expect("the log store opens");
        let sm = StateMachine::open(&db).expect("the state machine opens");
        let raft = Raft::new(id, config(), self.router.factory(id), log, sm.clone())
            .await
            .expect("the node starts");
        self.router.add(id, raft.clone());
        let reads = Arc::new(ReadIndex::new(raft.clone()));
        let node = Node {
            raft,
            reads,
            sm,
            db,
            fs,
        };
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
