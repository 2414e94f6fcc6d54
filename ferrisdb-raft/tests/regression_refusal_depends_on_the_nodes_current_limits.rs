//! Bug: `apply` refused a command by the limits the node's database was
//! open with when it applied it. A committed entry is applied at different
//! times on different nodes (a lagging follower; again after a power loss,
//! since applies are not synced), and an operator raises limits by a
//! rolling restart: a command the cluster refused under the old limits was
//! applied by a node under the new ones, the replicas' maps differed for
//! good, and a client told `refused` saw its write take effect on one node.
//!
//! Now the limits of a command are fixed constants (`MAX_KEY_LEN`,
//! `MAX_VALUE_LEN`), the same on every node and at every time.

mod common;

use common::block_on;
use ferrisdb_raft::{Request, StateMachine, TypeConfig, MAX_KEY_LEN};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::storage::RaftStateMachine;
use openraft::{CommittedLeaderId, EntryPayload, LogId};

fn open(dir: &std::path::Path, max_key_size: usize) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        max_key_size,
        ..StorageConfig::new(dir)
    })
    .unwrap()
}

fn committed() -> openraft::Entry<TypeConfig> {
    openraft::Entry {
        log_id: LogId::new(CommittedLeaderId::new(1, 0), 1),
        payload: EntryPayload::Normal(Request {
            key: vec![b'k'; MAX_KEY_LEN + 1],
            value: Some(b"v".to_vec()),
        }),
    }
}

#[test]
fn every_replica_answers_a_committed_command_the_same_way() {
    // Two nodes, both with the default max_key_size.
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let db_a = open(dir_a.path(), MAX_KEY_LEN);
    let db_b = open(dir_b.path(), MAX_KEY_LEN);
    let mut a = StateMachine::open(&db_a).unwrap();
    drop(StateMachine::open(&db_b).unwrap());
    // Node A applies the committed entry: refused, as the client is told.
    let answer_a = block_on(a.apply([committed()])).unwrap();
    assert!(answer_a[0].refused.is_some(), "{answer_a:?}");

    // Node B lags (or lost its unsynced apply to a power loss); the
    // operator raises max_key_size by a rolling restart, B first.
    db_b.close().unwrap();
    let db_b = open(dir_b.path(), 1 << 20);
    let mut b = StateMachine::open(&db_b).unwrap();
    let answer_b = block_on(b.apply([committed()])).unwrap();

    assert_eq!(
        answer_b, answer_a,
        "the same committed entry got different answers on two nodes"
    );
    assert_eq!(
        b.get(&[b'k'; MAX_KEY_LEN + 1]).unwrap(),
        a.get(&[b'k'; MAX_KEY_LEN + 1]).unwrap(),
        "the replicas' maps differ"
    );
}
