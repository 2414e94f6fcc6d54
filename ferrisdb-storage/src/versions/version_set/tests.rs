//! Unit tests of `VersionSet::log_and_apply` and `log_and_apply_all`: the
//! log numbers they record, and their refusal of a dropped keyspace.

use std::sync::Arc;

use super::VersionSet;
use crate::fs::{FaultFileSystem, FaultKind, FileSystem, OpKind};
use crate::manifest::{self, ManifestState};
use crate::memtable::MemTable;
use crate::versions::keyspace::test_support::{keyspace, stored_options, versions_of};
use crate::versions::{KeyspaceSet, KeyspaceVersions, VersionEdit};
use crate::Error;

/// [`versions_of`] a new database.
fn versions(fs: &FaultFileSystem, keyspaces: KeyspaceSet) -> VersionSet {
    versions_of(fs, keyspaces, ManifestState::default())
}

/// The edit of a flush of `memtables` into no table.
fn flushed(memtables: Vec<Arc<MemTable>>) -> VersionEdit {
    VersionEdit::Flushed {
        tables: Vec::new(),
        memtables,
    }
}

/// The log number `state` records for each keyspace besides `default`, in
/// id order.
fn keyspace_log_numbers(state: &ManifestState) -> Vec<u64> {
    state
        .keyspaces
        .records
        .iter()
        .map(|r| r.log_number)
        .collect()
}

/// Freezes the active MemTable of `ks` and starts one in log `log`.
fn freeze(ks: &KeyspaceVersions, log: u64) -> Arc<MemTable> {
    let next = Arc::new(MemTable::new(4 << 10));
    ks.modify_current(|now| now.with_frozen_active(next, log));
    Arc::clone(&ks.current().frozen[0].memtable)
}

#[test]
fn the_log_number_is_the_oldest_any_keyspace_still_needs() {
    let fs = FaultFileSystem::new();
    let default = keyspace(0, "default", 5);
    let cold = keyspace(1, "cold", 4);
    // The manifest lists `cold`, and keyspace 2, which this build does
    // not open, needing log 3 on (until it is dropped).
    let mut state = ManifestState::default();
    for name in ["cold", "unopened"] {
        state
            .keyspaces
            .create(name, stored_options(4 << 10), 3)
            .unwrap();
    }
    let set = KeyspaceSet::new(Arc::clone(&default)).with_created(Arc::clone(&cold));
    let vs = versions_of(&fs, set, state);
    let load = || manifest::load(&fs, "/db".as_ref()).unwrap().unwrap();

    // `default` writes to log 7 after freezing its MemTable of log 5:
    // flushing that MemTable, it needs log 7 on, `cold` 4, and the
    // keyspace not opened keeps its 3.
    let frozen = freeze(&default, 7);
    let applied = vs
        .log_and_apply(&default, |_| flushed(vec![frozen]))
        .unwrap();
    assert_eq!(applied.log_number, 3);
    let stored = load();
    assert_eq!(stored, *vs.manifest());
    assert_eq!(stored.log_number, 3);
    assert_eq!(stored.keyspaces.default_log_number, 7);
    assert_eq!(keyspace_log_numbers(&stored), [4, 3]);
    assert!(default.current().frozen.is_empty());

    // Once `cold` writes to log 9, its MemTable of log 4 gone, and the
    // keyspace not opened is gone, the oldest is `default`'s 7.
    let cold_frozen = freeze(&cold, 9);
    cold.modify_current(|now| now.with_version(Arc::clone(&now.version), &[cold_frozen]));
    vs.manifest().keyspaces.remove(2);
    let applied = vs.log_and_apply(&default, |_| flushed(Vec::new())).unwrap();
    assert_eq!((applied.log_number, load().log_number), (7, 7));
    assert_eq!(load().keyspaces.records[0].log_number, 9);
}

#[test]
fn a_dropped_keyspace_is_refused_and_nothing_changes() {
    let fs = FaultFileSystem::new();
    let default = keyspace(0, "default", 5);
    let vs = versions(&fs, KeyspaceSet::new(Arc::clone(&default)));
    vs.log_and_apply(&default, |_| flushed(Vec::new())).unwrap();
    let stored = fs.read_all("/db/MANIFEST".as_ref()).unwrap();
    let state = vs.manifest().clone();
    let frozen = freeze(&default, 7);

    default.mark_dropped();
    let err = vs
        .log_and_apply(&default, |_| {
            panic!("no edit is made for a dropped keyspace")
        })
        .unwrap_err();
    assert!(
        matches!(&err, Error::KeyspaceDropped { name } if name == "default"),
        "{err}"
    );
    assert_eq!(fs.read_all("/db/MANIFEST".as_ref()).unwrap(), stored);
    assert_eq!(*vs.manifest(), state);
    assert!(Arc::ptr_eq(&default.current().frozen[0].memtable, &frozen));
}

#[test]
fn log_and_apply_all_records_every_keyspace_in_one_manifest_write() {
    let fs = FaultFileSystem::new();
    let default = keyspace(0, "default", 5);
    let (users, log) = (keyspace(1, "users", 3), keyspace(2, "log", 4));
    let mut state = ManifestState::default();
    for name in ["users", "log"] {
        state
            .keyspaces
            .create(name, stored_options(4 << 10), 3)
            .unwrap();
    }
    let set = KeyspaceSet::new(Arc::clone(&default))
        .with_created(Arc::clone(&users))
        .with_created(Arc::clone(&log));
    let vs = versions_of(&fs, set, state);
    // `default` and `users` flush their MemTables of logs 5 and 3, both
    // now writing to log 8; `log` keeps its MemTable of log 4.
    let (d, u) = (freeze(&default, 8), freeze(&users, 8));
    // Counts the manifest files made, failing none.
    fs.fail_path_at(
        u64::MAX,
        false,
        &[OpKind::Create],
        FaultKind::Io,
        "MANIFEST",
    );
    let applied = vs
        .log_and_apply_all(vec![
            (&*default, flushed(vec![d])),
            (&*users, flushed(vec![u])),
        ])
        .unwrap();
    assert_eq!(fs.operations(), 1, "one manifest write");
    fs.heal();
    assert_eq!(applied.log_number, 4, "`log` still needs log 4");
    let stored = manifest::load(&fs, "/db".as_ref()).unwrap().unwrap();
    assert_eq!(stored, *vs.manifest());
    assert_eq!(stored.keyspaces.default_log_number, 8);
    assert_eq!(keyspace_log_numbers(&stored), [8, 4]);
    assert!(default.current().frozen.is_empty() && users.current().frozen.is_empty());

    // A dropped keyspace among the edits: nothing changes.
    let before = vs.manifest().clone();
    let frozen = freeze(&default, 9);
    log.mark_dropped();
    let err = vs
        .log_and_apply_all(vec![
            (&*default, flushed(vec![frozen])),
            (&*log, flushed(vec![])),
        ])
        .unwrap_err();
    assert!(matches!(err, Error::KeyspaceDropped { .. }), "{err}");
    assert_eq!(*vs.manifest(), before);
    assert_eq!(default.current().frozen.len(), 1);
}
