//! Bug: a command whose key FerrisDB refuses (longer than `max_key_size`,
//! 64 KiB by default) was appended fine, replicated and committed, and then
//! `apply` returned a `StorageError` on every node. openraft treats a state
//! machine error as fatal and applies the same committed entry again after
//! a restart: one command took the whole cluster down for good.
//!
//! Now `apply` answers such a command with `Response::refused`, leaving the
//! map as it was, the same way on every node, and goes on with the next.

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
                let applied = sm
                    .apply([entry(1, key.clone()), entry(2, b"k".to_vec())])
                    .await;
                let responses = applied.unwrap_or_else(|e| {
                    panic!("attempt {attempt}: the committed entry cannot be applied: {e}")
                });
                let refused = responses[0].refused.as_deref().unwrap_or_default();
                assert!(refused.contains("max_key_size"), "{responses:?}");
                assert_eq!(responses[1].refused, None);
                assert_eq!(sm.get(&key).unwrap(), None);
                assert_eq!(sm.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
            }
        });
}
