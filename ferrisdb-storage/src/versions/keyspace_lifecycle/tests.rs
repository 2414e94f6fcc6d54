//! Unit tests of creating, changing and dropping keyspaces in the
//! [`VersionSet`]: what the manifest holds after each, and that a failed
//! manifest write changes nothing.

use std::sync::Arc;

use crate::fs::{FaultFileSystem, FaultKind, OpKind};
use crate::manifest::{self, KeyspacesState, ManifestState};
use crate::memtable::MemTable;
use crate::versions::keyspace::test_support::{keyspace, settings, stored_options, versions_of};
use crate::versions::{KeyspaceSet, VersionEdit, VersionSet};
use crate::Error;

/// The versions of a new database in `/db` on `fs`, holding only `default`,
/// whose MemTable writes to log 5.
fn versions(fs: &FaultFileSystem) -> VersionSet {
    versions_of(
        fs,
        KeyspaceSet::new(keyspace(0, "default", 5)),
        ManifestState {
            log_number: 5,
            keyspaces: KeyspacesState::none(5),
            ..ManifestState::default()
        },
    )
}

fn load(fs: &FaultFileSystem) -> ManifestState {
    manifest::load(fs, "/db".as_ref()).unwrap().unwrap()
}

#[test]
fn a_created_keyspace_is_durable_before_it_is_in_the_set() {
    let fs = FaultFileSystem::new();
    let vs = versions(&fs);
    let users = vs
        .create_keyspace("users", settings(), stored_options(8 << 10), 7)
        .unwrap();
    assert_eq!((users.id(), users.name()), (1, "users"));
    assert_eq!(users.current().active_log, 7);
    assert!(std::ptr::eq(
        vs.keyspaces().named("users").unwrap().as_ref(),
        users.as_ref()
    ));
    let state = load(&fs);
    assert!(state.keyspaces.is_declared());
    let record = state.keyspaces.named("users").unwrap();
    assert_eq!((record.id, record.log_number), (1, 7));
    assert_eq!(record.options, stored_options(8 << 10));
    assert_eq!(state.log_number, 5, "the oldest needed log stays default's");

    // A name in use, or refused by the manifest's rule, changes nothing.
    for name in ["users", "default", "a/b", ""] {
        let err = vs
            .create_keyspace(name, settings(), stored_options(8 << 10), 7)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{name:?}: {err}");
    }
    assert_eq!(load(&fs), state);
    assert_eq!(vs.keyspaces().names(), ["default", "users"]);
}

#[test]
fn a_failed_manifest_write_creates_nothing() {
    let fs = FaultFileSystem::new();
    let vs = versions(&fs);
    vs.create_keyspace("a", settings(), stored_options(8 << 10), 7)
        .unwrap();
    let before = load(&fs);
    fs.fail_at(1, true, &[OpKind::Write], FaultKind::Io);
    assert!(vs
        .create_keyspace("b", settings(), stored_options(8 << 10), 7)
        .is_err());
    fs.heal();
    assert_eq!(load(&fs), before);
    assert_eq!(vs.keyspaces().names(), ["a", "default"]);
    // The id was not given out: the next keyspace takes it.
    let b = vs
        .create_keyspace("b", settings(), stored_options(8 << 10), 7)
        .unwrap();
    assert_eq!(b.id(), 2);
}

#[test]
fn new_options_are_stored_then_used() {
    let fs = FaultFileSystem::new();
    let vs = versions(&fs);
    let users = vs
        .create_keyspace("users", settings(), stored_options(8 << 10), 7)
        .unwrap();
    let bigger = crate::versions::KeyspaceSettings {
        memtable_size: 16 << 10,
        ..settings()
    };
    vs.set_options(&users, bigger, stored_options(16 << 10))
        .unwrap();
    assert_eq!(users.settings().memtable_size, 16 << 10);
    assert_eq!(users.settings().table.keyspace, 1, "still its own id");
    let state = load(&fs);
    assert_eq!(
        state.keyspaces.named("users").unwrap().options,
        stored_options(16 << 10)
    );
    let default = vs.keyspaces().get(0).unwrap().clone();
    let err = vs
        .set_options(&default, bigger, stored_options(16 << 10))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
}

#[test]
fn a_dropped_keyspace_leaves_the_manifest_and_its_logs_go() {
    let fs = FaultFileSystem::new();
    let vs = versions(&fs);
    let default = vs.keyspaces().get(0).unwrap().clone();
    let cold = vs
        .create_keyspace("cold", settings(), stored_options(8 << 10), 5)
        .unwrap();
    // `default` moves on to log 9; `cold` still needs log 5.
    let next = Arc::new(MemTable::new(4 << 10));
    default.modify_current(|now| now.with_frozen_active(next, 9));
    let frozen = Arc::clone(&default.current().frozen[0].memtable);
    let applied = vs
        .log_and_apply(&default, |_| VersionEdit::Flushed {
            tables: Vec::new(),
            memtables: vec![frozen],
        })
        .unwrap();
    assert_eq!(applied.log_number, 5, "cold holds log 5 back");

    let log_number = vs.drop_keyspace(&cold).unwrap();
    assert_eq!(log_number, 9, "without cold, default's log 9");
    assert!(cold.is_dropped());
    assert!(vs.keyspaces().named("cold").is_none());
    assert!(vs.was_dropped(1) && !vs.was_dropped(2));
    let state = load(&fs);
    assert_eq!(state.log_number, 9);
    assert!(state.keyspaces.get(1).is_none() && state.keyspaces.is_dropped(1));
    assert!(state.keyspaces.is_declared(), "the id stays given out");

    // Dropped once only; its tables can no longer change; default never.
    assert!(matches!(
        vs.drop_keyspace(&cold),
        Err(Error::KeyspaceDropped { .. })
    ));
    assert!(matches!(
        vs.log_and_apply(&cold, |_| VersionEdit::Flushed {
            tables: Vec::new(),
            memtables: Vec::new()
        }),
        Err(Error::KeyspaceDropped { .. })
    ));
    assert!(matches!(
        vs.drop_keyspace(&default),
        Err(Error::InvalidArgument(_))
    ));
    // The name is free again, under a new id.
    let again = vs
        .create_keyspace("cold", settings(), stored_options(8 << 10), 9)
        .unwrap();
    assert_eq!(again.id(), 2);
}
