//! Finding: `apply` refuses a command by the limits the node's database is
//! open with *when it applies it*, not by anything in the log. The docs ask
//! that "every node must use the same limits", but limits are local config
//! that an operator changes by a (rolling) restart, and a committed entry
//! is applied at different times on different nodes: by a lagging
//! follower, and again after a power loss (applies are not synced, so
//! openraft applies the committed entries again at startup). A command the
//! cluster refused under the old limits is then applied by the node that
//! applies it under the new ones: the replicas' maps differ, for good, and
//! a client told `refused` sees its write take effect on one node.

use ferrisdb_raft::{Request, StateMachine, TypeConfig};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::storage::RaftStateMachine;
use openraft::{CommittedLeaderId, EntryPayload, LogId};

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

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
            key: vec![b'k'; 17],
            value: Some(b"v".to_vec()),
        }),
    }
}

#[test]
#[ignore = "finding: apply's refusal depends on the applying node's current limits, so raising them makes replicas diverge"]
fn every_replica_answers_a_committed_command_the_same_way() {
    // Two nodes, both with max_key_size 16.
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let db_a = open(dir_a.path(), 16);
    let db_b = open(dir_b.path(), 16);
    let mut a = StateMachine::open(&db_a).unwrap();
    drop(StateMachine::open(&db_b).unwrap());
    // Node A applies the committed entry: refused, as the client is told.
    let answer_a = block_on(a.apply([committed()])).unwrap();
    assert!(answer_a[0].refused.is_some(), "{answer_a:?}");

    // Node B lags (or lost its unsynced apply to a power loss); the
    // operator raises max_key_size by a rolling restart, B first.
    db_b.close().unwrap();
    let db_b = open(dir_b.path(), 64);
    let mut b = StateMachine::open(&db_b).unwrap();
    let answer_b = block_on(b.apply([committed()])).unwrap();

    assert_eq!(
        answer_b, answer_a,
        "the same committed entry got different answers on two nodes"
    );
    assert_eq!(
        b.get(&[b'k'; 17]).unwrap(),
        a.get(&[b'k'; 17]).unwrap(),
        "the replicas' maps differ"
    );
}
