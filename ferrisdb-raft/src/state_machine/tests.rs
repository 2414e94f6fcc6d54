//! Unit tests of the state machine, and the helpers the snapshot tests
//! share.

use std::future::Future;

use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::{CommittedLeaderId, EntryPayload, LogId, RaftSnapshotBuilder};

use super::*;
use crate::Request;

pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

pub(crate) fn open(dir: &tempfile::TempDir) -> StorageEngine {
    StorageEngine::open(StorageConfig::new(dir.path())).unwrap()
}

pub(crate) fn log_id(index: u64) -> LogId<u64> {
    LogId::new(CommittedLeaderId::new(1, 0), index)
}

pub(crate) fn set(index: u64, key: &str, value: Option<&str>) -> Entry {
    Entry {
        log_id: log_id(index),
        payload: EntryPayload::Normal(Request {
            key: key.as_bytes().to_vec(),
            value: value.map(|v| v.as_bytes().to_vec()),
        }),
    }
}

fn previous(responses: &[Response]) -> Vec<Option<&[u8]>> {
    responses.iter().map(|r| r.previous.as_deref()).collect()
}

#[test]
fn an_apply_sees_the_writes_of_earlier_entries_of_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut sm = StateMachine::open(&open(&dir)).unwrap();
    let responses = sm
        .apply_entries([
            set(1, "a", Some("1")),
            set(2, "a", Some("2")),
            set(3, "a", None),
        ])
        .unwrap();
    assert_eq!(
        previous(&responses),
        [None, Some(&b"1"[..]), Some(&b"2"[..])]
    );
    assert_eq!(sm.get(b"a").unwrap(), None);
    let responses = sm
        .apply_entries([Entry {
            log_id: log_id(4),
            payload: EntryPayload::Blank,
        }])
        .unwrap();
    assert_eq!(responses, [Response::default()]);
    assert_eq!(sm.applied().unwrap().0, Some(log_id(4)));
}

#[test]
fn an_installed_snapshot_replaces_the_map_and_drops_the_old_generation() {
    let source_dir = tempfile::tempdir().unwrap();
    let mut source = StateMachine::open(&open(&source_dir)).unwrap();
    source
        .apply_entries([set(1, "a", Some("1")), set(2, "b", Some("2"))])
        .unwrap();
    let built = block_on(source.build_snapshot()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir);
    let mut sm = StateMachine::open(&db).unwrap();
    sm.apply_entries([set(1, "stale", Some("x"))]).unwrap();
    sm.install(&built.meta, built.snapshot.into_inner())
        .unwrap();

    assert_eq!(sm.get(b"a").unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(sm.get(b"b").unwrap().as_deref(), Some(&b"2"[..]));
    assert_eq!(sm.get(b"stale").unwrap(), None);
    assert_eq!(sm.applied().unwrap().0, built.meta.last_log_id);
    assert!(!db.keyspaces().contains(&keys::sm_keyspace(0)));
    assert!(db.keyspaces().contains(&keys::sm_keyspace(1)));
    let current = sm
        .current_snapshot()
        .unwrap()
        .expect("the installed snapshot");
    assert_eq!(current.meta, built.meta);
}

#[test]
fn open_drops_the_keyspace_of_an_install_that_did_not_switch() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir);
    let leftover = db.keyspace(&keys::sm_keyspace(1)).unwrap();
    leftover.put("half", "installed").unwrap();
    let sm = StateMachine::open(&db).unwrap();
    assert_eq!(sm.generation().number, 0);
    assert!(!db.keyspaces().contains(&keys::sm_keyspace(1)));
}

#[test]
fn the_current_snapshot_survives_a_reopen_and_later_applies() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir);
    let mut sm = StateMachine::open(&db).unwrap();
    sm.apply_entries([set(1, "a", Some("1"))]).unwrap();
    let built = block_on(sm.build_snapshot()).unwrap();
    sm.apply_entries([set(2, "a", Some("2"))]).unwrap();
    drop(sm);
    db.close().unwrap();

    let sm = StateMachine::open(&open(&dir)).unwrap();
    let current = sm.current_snapshot().unwrap().expect("the built snapshot");
    assert_eq!(current.meta, built.meta);
    assert_eq!(current.snapshot.into_inner(), built.snapshot.into_inner());
    assert_eq!(sm.get(b"a").unwrap().as_deref(), Some(&b"2"[..]));
}

#[test]
fn a_scan_stops_at_its_limit_or_its_byte_budget_and_says_which() {
    use std::ops::Bound::{Excluded, Included, Unbounded};
    let dir = tempfile::tempdir().unwrap();
    let mut sm = StateMachine::open(&open(&dir)).unwrap();
    sm.apply_entries([
        set(1, "a", Some("1111")),
        set(2, "b", Some("2222")),
        set(3, "c", Some("3333")),
        set(4, "d", Some("4444")),
    ])
    .unwrap();
    let pair = 1 + 4 + PAIR_OVERHEAD;
    let keys = |pairs: &[Pair]| -> Vec<u8> { pairs.iter().map(|(k, _)| k[0]).collect() };

    let (pairs, more) = sm.scan((Unbounded, Unbounded), 10, usize::MAX).unwrap();
    assert_eq!((keys(&pairs), more), (b"abcd".to_vec(), false));
    // The limit: no more asked for.
    let (pairs, more) = sm.scan((Unbounded, Unbounded), 2, usize::MAX).unwrap();
    assert_eq!((keys(&pairs), more), (b"ab".to_vec(), false));
    // The budget: two pairs and a byte short of a third.
    let (pairs, more) = sm.scan((Unbounded, Unbounded), 10, 3 * pair - 1).unwrap();
    assert_eq!((keys(&pairs), more), (b"ab".to_vec(), true));
    // Exactly three pairs' worth, from `b`: the range ends there.
    let range = (Included(b"b".to_vec()), Excluded(b"e".to_vec()));
    let (pairs, more) = sm.scan(range, 10, 3 * pair).unwrap();
    assert_eq!((keys(&pairs), more), (b"bcd".to_vec(), false));
    // The first pair comes, whatever the budget.
    let (pairs, more) = sm.scan((Unbounded, Unbounded), 10, 0).unwrap();
    assert_eq!((keys(&pairs), more), (b"a".to_vec(), true));
    let range = (Excluded(b"d".to_vec()), Unbounded);
    assert_eq!(sm.scan(range, 10, 0).unwrap(), (vec![], false));
}
