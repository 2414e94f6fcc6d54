//! The clients of the cluster tests, and the history they record: every
//! invocation and response on one clock, per key, for the linearizability
//! checker, and the acknowledged writes of keys written once, for the
//! durability oracle.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferrisdb_raft::linearizability::{Kind, Operation};
use ferrisdb_raft::service::read_index::ReadIndexError;
use ferrisdb_raft::Request;

use super::Cluster;

/// A mutant for the tests of the tests: clients read the node they take
/// for the leader without the read index (a deposed leader answers from
/// its own map). Off except in `regression_partition_test_misses_stale_reads`.
pub static LOCAL_READS: AtomicBool = AtomicBool::new(false);

/// How long a client waits for one operation before it takes the outcome
/// as unknown.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(1);

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
    ///
    /// A truncated entry never takes effect in a cluster of at most four
    /// voters ([`MAX_VOTERS`](super::MAX_VOTERS)): it was on the old leader
    /// alone, or on two nodes, one of which every later quorum holds. With
    /// five, it may be on two nodes that a quorum of the other three leaves
    /// out, and a later leader among the two may still commit it.
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
    /// and reads once it applied that far (the read index, shared by the
    /// reads waiting on the node, as `raft-kv` reads). A failed read is not
    /// recorded: it constrains nothing.
    pub async fn read(&mut self, cluster: &Cluster, key: &[u8]) -> Option<Option<Vec<u8>>> {
        let call = self.history.now();
        let Some(node) = cluster.node(self.leader) else {
            self.follow(cluster, None).await;
            return None;
        };
        let read = async {
            if !LOCAL_READS.load(Ordering::Relaxed) {
                node.reads.ensure().await?;
            }
            Ok::<_, ReadIndexError>(node.sm.get(key).expect("a local read"))
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
