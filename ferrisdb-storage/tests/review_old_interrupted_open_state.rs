//! Review (issue 18): a database that an `open` of the FerrisDB before
//! 40c89a2 left when it lost power. That `open` created its new log under
//! its own name (`NNNNNN.wal`, header synced, name synced) before it
//! replayed the crashed log, and retired the crashed log only in the
//! manifest after the replay; a power loss in between left the crashed,
//! unsealed log followed by a header-only log that no rotation made (the
//! commit message of 40c89a2 says so). That FerrisDB opened this state with
//! every acknowledged write.
//!
//! Since 40c89a2, replay refuses any log that ends without its seal when a
//! later log exists, so this database, with every one of its acknowledged
//! writes in the crashed log, no longer opens after the upgrade: a
//! corruption error, in the default mode, telling the user the log "was
//! complete and lost its end", which is untrue.

mod common;

use std::sync::Arc;

use common::{dir, fault_config};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::manifest;
use ferrisdb_storage::internals::wal::{wal_files, WalOptions, WalWriter};
use ferrisdb_storage::{RecoveryMode, StorageConfig, StorageEngine, SyncMode};

const WRITES: usize = 10;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Full,
        ..fault_config(fs, RecoveryMode::default())
    }
}

#[test]
fn a_power_loss_during_an_older_open_leaves_a_database_that_still_opens() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    for i in 0..WRITES {
        db.put(format!("key{i}"), "value").unwrap();
    }
    let crashed = fs.crash();
    drop(db);

    // What the older open did before it lost power: its new log, numbered
    // after every file of the directory, under its own name, header synced
    // and its name durable (`WalWriter::create`), nothing appended.
    let state = manifest::load(&crashed, &dir()).unwrap().unwrap();
    let (last_log, _) = wal_files(&crashed, &dir()).unwrap().pop().unwrap();
    assert_eq!(
        last_log, state.log_number,
        "the crashed log holds the writes"
    );
    let number = state.next_file_number.max(last_log + 1);
    let writer = WalWriter::create(
        Arc::new(crashed.clone()),
        dir(),
        number,
        WalOptions::default(),
    )
    .unwrap();
    drop(writer);
    let rebooted = crashed.crash();
    assert_eq!(wal_files(&rebooted, &dir()).unwrap().len(), 2);
    assert!(rebooted
        .exists(&dir().join(format!("{number:06}.wal")))
        .unwrap());

    let db = StorageEngine::open(config(&rebooted))
        .unwrap_or_else(|e| panic!("the database an interrupted open left does not open: {e}"));
    for i in 0..WRITES {
        assert!(db.get(format!("key{i}")).unwrap().is_some(), "lost key{i}");
    }
}
