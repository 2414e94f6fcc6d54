//! A client request whose key FerrisDB refuses (longer than
//! `max_key_size`, 64 KiB by default) is appended fine (its JSON entry is far
//! below `max_value_size`), replicated and committed everywhere, and then
//! `apply` returns a `StorageError` on every node. openraft treats a state
//! machine error as fatal, and after a restart re-applies the same committed
//! entry and fails again: one request takes the whole cluster down for good.
//!
//! A state machine must apply every committed entry deterministically; an
//! entry it cannot store has to get an answer (an error `Response`), not a
//! storage error.

use ferrisdb_raft::{LogStore, Request, StateMachine, TypeConfig};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::storage::{RaftLogStorageExt, RaftStateMachine};
use openraft::{CommittedLeaderId, EntryPayload, LogId};

fn entry(index: u64, key: Vec<u8>) -> openraft::Entry<TypeConfig> {
    openraft::Entry {
        log_id: LogId::new(CommittedLeaderId::new(1, 0), index),
        payload: EntryPayload::Normal(Request {
            key,
            value: Some(b"v".to_vec()),
        }),
    }
}

#[test]
#[ignore = "finding: a request with a key over max_key_size is appended, then fails apply on every node, forever"]
fn an_oversized_key_is_answered_not_a_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    let mut log = LogStore::open(&db).unwrap();
    let mut sm = StateMachine::open(&db).unwrap();
    let key = vec![b'k'; (64 << 10) + 1];
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            // The log accepts it: this is what every follower does too.
            log.blocking_append([entry(1, key.clone())]).await.unwrap();
            // Every node then applies the committed entry, and again after
            // every restart.
            for attempt in 0..2 {
                let applied = sm.apply([entry(1, key.clone())]).await;
                assert!(
                    applied.is_ok(),
                    "attempt {attempt}: the committed entry cannot be applied: {:?}",
                    applied.err()
                );
            }
        });
}
