//! Bug: log entries were stored as JSON, which writes a `Vec<u8>` as an
//! array of decimal numbers, up to 4 bytes per byte: a 4.5 MiB value made
//! an entry of ~17 MiB, above FerrisDB's `max_value_size` (16 MiB by
//! default), so `append` failed and openraft's leader shut down, for a
//! value FerrisDB itself takes.
//!
//! Now entries are postcard, a byte string its length and its bytes, and
//! `Request::check` says beforehand whether a command fits the log.

use ferrisdb_raft::{LogStore, Request, TypeConfig, MAX_KEY_LEN, MAX_VALUE_LEN};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::storage::RaftLogStorageExt;
use openraft::{CommittedLeaderId, EntryPayload, LogId};

#[test]
fn a_value_the_engine_accepts_can_be_appended() {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    // 4.5 MiB, which the engine stores directly.
    let value = vec![0xff_u8; 9 << 19];
    db.keyspace("plain").unwrap().put(b"k", &value).unwrap();
    let mut log = LogStore::open(&db).unwrap();
    let request = Request {
        key: b"k".to_vec(),
        value: Some(value),
    };
    request.check().unwrap();
    // The longest command fits the log of a database of the defaults.
    let longest = Request {
        key: vec![0xff; MAX_KEY_LEN],
        value: Some(vec![0xff; MAX_VALUE_LEN]),
    };
    longest.check().unwrap();
    let entry = openraft::Entry::<TypeConfig> {
        log_id: LogId::new(CommittedLeaderId::new(1, 0), 1),
        payload: EntryPayload::Normal(request),
    };
    let appended = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(log.blocking_append([
            entry,
            openraft::Entry::<TypeConfig> {
                log_id: LogId::new(CommittedLeaderId::new(u64::MAX, u64::MAX), 2),
                payload: EntryPayload::Normal(longest),
            },
        ]));
    assert!(appended.is_ok(), "{:?}", appended.err());
}
