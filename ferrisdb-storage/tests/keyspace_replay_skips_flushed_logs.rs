//! Replay applies an entry only from a log its keyspace still needs (risk
//! R2 of issue 19): a cold keyspace pins an old log that `default` has
//! flushed past, and `default`'s entries in that log, already in its
//! tables (here put, deleted and merged away to nothing), are not applied
//! again. Without the rule they would come back as a second copy in a new
//! level-0 table, tombstone and all.

use ferrisdb_storage::internals::manifest;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{CompressionType, StorageEngine};

mod common;

use common::keyspaces::{batch, new_database, store, stored_options, write_log};
use common::{dir, fault_config, MemFs};

#[test]
fn a_cold_keyspace_s_old_log_does_not_replay_default_s_flushed_writes() {
    let fs = MemFs::new();
    let (mut state, old) = new_database(&fs);
    let new = old + 1;
    // `cold` (id 1) needs log `old` on; `default` flushed it (k put at 1,
    // deleted at 2, merged away) and needs only `new` on.
    let cold = state
        .keyspaces
        .create("cold", stored_options(CompressionType::None, false), old)
        .unwrap();
    state.keyspaces.default_log_number = new;
    state.log_number = old;
    state.last_timestamp = 2;
    store(&fs, &state);
    let in_old = [
        batch(&[(0, "k", Some("v1")), (cold, "c", Some("x"))]),
        batch(&[(0, "k", None)]),
    ];
    write_log(&fs, old, 1, &in_old, true);
    write_log(&fs, new, 3, &[batch(&[(0, "d", Some("1"))])], false);

    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    assert_eq!(db.get("k").unwrap(), None);
    assert_eq!(db.get("d").unwrap().unwrap(), "1");
    assert_eq!(db.keyspace("cold").unwrap().get("c").unwrap().unwrap(), "x");
    // `default` holds what log `new` brought, once: no copy of k's put or
    // its tombstone.
    let tables = db.live_tables();
    let entries: u64 = tables.iter().map(|t| t.entry_count).sum();
    let tombstones: u64 = tables.iter().map(|t| t.tombstone_count).sum();
    assert_eq!((entries, tombstones), (1, 0), "{tables:?}");

    // One manifest recorded both keyspaces' tables, each needing only the
    // log this open started; the replayed logs are gone.
    let stored = manifest::load(&fs, &dir()).unwrap().unwrap();
    let record = stored.keyspaces.named("cold").unwrap();
    assert_eq!(record.tables.len(), 1);
    assert_eq!(record.log_number, stored.log_number);
    assert_eq!(stored.keyspaces.default_log_number, stored.log_number);
    assert!(stored.log_number > new);
    let logs = ferrisdb_storage::internals::wal::wal_files(&fs, &dir()).unwrap();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(logs[0].0, stored.log_number);
    drop(db);

    // Reopened after a crash, nothing is replayed twice.
    let db = StorageEngine::open(fault_config(&fs.crash(), RecoveryMode::default())).unwrap();
    assert_eq!(db.get("k").unwrap(), None);
    assert_eq!(db.keyspace("cold").unwrap().get("c").unwrap().unwrap(), "x");
    assert_eq!(db.live_tables().len(), tables.len());
}
