//! Finding: the store's own keys are up to 16 bytes (`current_snapshot`
//! and `last_membership` in `raft_meta`, 16-byte chunk keys in
//! `raft_snapshot`, `last_applied` 12), but FerrisDB accepts any
//! `max_key_size` from 1, and `Request::check` checks only the command's
//! key and the 8-byte log key. On a database of short keys (here 10 bytes)
//! a command passes `Request::check`, appends, and then `apply` fails with
//! `KeyTooLarge` for `last_applied`: the `StorageError` openraft treats as
//! fatal, again at every restart, on every node: the poison `refused` was
//! meant to remove. Nothing (open, check, the docs) says the store needs
//! `max_key_size >= 16`.

use ferrisdb_raft::{LogStore, Request, StateMachine, TypeConfig};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::storage::{RaftLogStorageExt, RaftStateMachine};
use openraft::{CommittedLeaderId, EntryPayload, LogId};

#[test]
#[ignore = "finding: on a database with max_key_size below 16 a command passes Request::check and every apply fails"]
fn a_command_that_passes_check_applies() {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig {
        max_key_size: 10,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    let mut log = LogStore::open(&db).unwrap();
    let mut sm = StateMachine::open(&db).unwrap();
    let request = Request {
        key: b"k".to_vec(),
        value: Some(b"v".to_vec()),
    };
    request.check(&db).unwrap();
    let entry = openraft::Entry::<TypeConfig> {
        log_id: LogId::new(CommittedLeaderId::new(1, 0), 1),
        payload: EntryPayload::Normal(request),
    };
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            log.blocking_append([entry.clone()]).await.unwrap();
            let applied = sm.apply([entry]).await;
            assert!(applied.is_ok(), "apply failed: {}", applied.unwrap_err());
        });
}
