//! Dropping a keyspace: its handles and the batches built with them are
//! refused with `Error::KeyspaceDropped` and log nothing, the name can be
//! created again at once as a new, empty keyspace, a flush finishing on the
//! dropped keyspace deletes its table and stops nothing, and a scan open
//! across the drop reads every item while the dropped tables' files stay
//! until it ends.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::filename::table_file_name;
use ferrisdb_storage::internals::manifest;
use ferrisdb_storage::{Error, KeyspaceOptions, StorageConfig, StorageEngine, WriteBatch};

fn open(fs: &FaultFileSystem) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

/// The table files in the directory, finished or being written.
fn table_files(fs: &FaultFileSystem) -> Vec<PathBuf> {
    fs.files()
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".sst"))
        .collect()
}

fn dropped(err: &Error) -> bool {
    matches!(err, Error::KeyspaceDropped { .. })
}

#[test]
fn a_dropped_keyspace_refuses_its_handles_and_batches_and_its_name_is_free() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    let log = db.keyspace("log").unwrap();
    let users = db.keyspace("users").unwrap();
    log.put("e:1", "one").unwrap();
    db.flush().unwrap();
    log.put("e:2", "two").unwrap();
    let mut prepared = WriteBatch::new();
    prepared
        .put_in(&users, "u:1", "ada")
        .put_in(&log, "e:3", "three");

    db.drop_keyspace("log").unwrap();
    assert_eq!(db.keyspaces(), ["default", "users"]);
    let state = manifest::load(&fs, Path::new("/db")).unwrap().unwrap();
    assert!(state.keyspaces.named("log").is_none());
    assert!(state.keyspaces.is_dropped(1), "its id stays given out");

    // Every use of the old handle, and the batch built before the drop.
    let logged = db.stats().wal_bytes_written;
    assert!(dropped(&log.put("e:4", "four").unwrap_err()));
    assert!(dropped(&log.delete("e:1").unwrap_err()));
    assert!(dropped(&log.get("e:1").unwrap_err()));
    assert!(dropped(&log.iter().unwrap_err()));
    assert!(dropped(&log.scan_prefix("e").unwrap_err()));
    let err = db.write(prepared).unwrap_err();
    assert!(dropped(&err), "{err}");
    assert_eq!(db.stats().wal_bytes_written, logged, "nothing logged");
    assert_eq!(users.get("u:1").unwrap(), None, "none of the batch");
    let err = db.drop_keyspace("log").unwrap_err();
    assert!(
        matches!(&err, Error::KeyspaceNotFound { name } if name == "log"),
        "{err}"
    );

    // The name again: a new keyspace, empty, the old handle still refused.
    let again = db.keyspace("log").unwrap();
    assert_eq!(again.iter().unwrap().count(), 0);
    assert_eq!(again.get("e:1").unwrap(), None);
    again.put("e:1", "new").unwrap();
    assert!(dropped(&log.get("e:1").unwrap_err()));
    assert_eq!(again.get("e:1").unwrap().unwrap(), "new");
    let state = manifest::load(&fs, Path::new("/db")).unwrap().unwrap();
    assert_eq!(state.keyspaces.named("log").unwrap().id, 3);

    // Its tables go once nothing holds them.
    drop(log);
    db.wait_for_compactions().unwrap();
    assert!(table_files(&fs).is_empty(), "{:?}", table_files(&fs));
    db.close().unwrap();
}

#[test]
fn a_flush_finishing_on_a_dropped_keyspace_deletes_its_table_and_fails_nothing() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    let small = KeyspaceOptions {
        memtable_size: 4 << 10,
        ..KeyspaceOptions::default()
    };
    let log = db.keyspace_with("log", small).unwrap();
    let held = fs.hold_syncs(".sst");
    // Past 4 KiB: the MemTable freezes and its flush waits on the sync.
    for i in 0..60 {
        log.put(format!("e:{i:03}"), [b'v'; 80]).unwrap();
    }
    held.wait_until_held(1);
    assert_eq!(table_files(&fs).len(), 1, "the table being flushed");
    db.drop_keyspace("log").unwrap();
    drop(log);
    held.release();

    db.wait_for_compactions().unwrap();
    assert!(table_files(&fs).is_empty(), "{:?}", table_files(&fs));
    // Nothing stopped: the engine writes, flushes and makes keyspaces.
    db.put("k", "v").unwrap();
    let other = db.keyspace("other").unwrap();
    other.put("k", "w").unwrap();
    db.flush().unwrap();
    assert_eq!(db.get("k").unwrap().unwrap(), "v");
    assert_eq!(other.get("k").unwrap().unwrap(), "w");
    assert_eq!(table_files(&fs).len(), 2);
    db.close().unwrap();
}

#[test]
fn a_scan_open_across_the_drop_reads_every_item_and_keeps_the_files() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    let log = db.keyspace("log").unwrap();
    for i in 0..100 {
        log.put(format!("e:{i:03}"), format!("{i}")).unwrap();
    }
    db.flush().unwrap();
    for i in 100..120 {
        log.put(format!("e:{i:03}"), format!("{i}")).unwrap();
    }
    let files: Vec<PathBuf> = log
        .live_tables()
        .iter()
        .map(|t| Path::new("/db").join(table_file_name(t.file_number)))
        .collect();
    assert_eq!(files.len(), 1);
    let mut scan = log.iter().unwrap();
    let first = scan.next().unwrap().unwrap();
    assert_eq!(&first.0[..], b"e:000");

    db.drop_keyspace("log").unwrap();
    drop(log);
    let again = db.keyspace("log").unwrap();
    assert_eq!(again.iter().unwrap().count(), 0, "a new, empty keyspace");
    db.wait_for_compactions().unwrap();
    for file in &files {
        assert!(
            fs.files().contains(file),
            "{} went under the scan",
            file.display()
        );
    }

    let rest: Vec<_> = scan.by_ref().map(|item| item.unwrap()).collect();
    assert_eq!(rest.len(), 119, "every item");
    assert_eq!(&rest[118].0[..], b"e:119");
    drop(scan);
    for file in &files {
        assert!(!fs.files().contains(file), "{} stayed", file.display());
    }
    db.close().unwrap();
}
