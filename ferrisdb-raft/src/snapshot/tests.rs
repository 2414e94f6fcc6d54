//! Unit tests of storing, reading back and installing snapshots.

use openraft::storage::RaftStateMachine;
use openraft::RaftSnapshotBuilder;

use super::stored::CHUNK_BYTES;
use super::*;
use crate::state_machine::tests::{block_on, log_id, open, set};

fn chunk_keys(sm: &StateMachine) -> Vec<Vec<u8>> {
    sm.snapshots
        .iter()
        .unwrap()
        .map(|item| item.unwrap().0.to_vec())
        .collect()
}

/// 18 MiB of map: more than a value (16 MiB at most, as the store needs)
/// and than a batch.
#[test]
fn a_snapshot_larger_than_a_value_and_a_batch_is_built_kept_and_installed() {
    let value = "v".repeat(1 << 20);
    let source_dir = tempfile::tempdir().unwrap();
    let mut source = StateMachine::open(&open(&source_dir)).unwrap();
    let entries: Vec<_> = (1..=18)
        .map(|i| set(i, &format!("k{i:02}"), Some(&value)))
        .collect();
    source.apply_entries(entries).unwrap();
    let built = block_on(source.build_snapshot()).unwrap();
    let bytes = built.snapshot.into_inner();
    assert!(bytes.len() > 18 << 20, "{} bytes", bytes.len());
    assert!(chunk_keys(&source).len() >= bytes.len() / CHUNK_BYTES);

    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir);
    let mut sm = StateMachine::open(&db).unwrap();
    sm.install(&built.meta, bytes.clone()).unwrap();
    assert_eq!(sm.get(b"k07").unwrap().as_deref(), Some(value.as_bytes()));
    drop(sm);
    db.close().unwrap();

    let sm = StateMachine::open(&open(&dir)).unwrap();
    let current = sm.current_snapshot().unwrap().expect("the installed one");
    assert_eq!(current.meta, built.meta);
    assert!(current.snapshot.into_inner() == bytes);
    assert_eq!(sm.get(b"k18").unwrap().as_deref(), Some(value.as_bytes()));
}

#[test]
fn a_damaged_snapshot_is_refused_before_anything_changes() {
    let source_dir = tempfile::tempdir().unwrap();
    let mut source = StateMachine::open(&open(&source_dir)).unwrap();
    source.apply_entries([set(1, "a", Some("new"))]).unwrap();
    let built = block_on(source.build_snapshot()).unwrap();
    let mut bytes = built.snapshot.into_inner();
    bytes.truncate(bytes.len() - 1);

    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir);
    let mut sm = StateMachine::open(&db).unwrap();
    sm.apply_entries([set(1, "a", Some("old"))]).unwrap();
    let err = sm.install(&built.meta, bytes).unwrap_err();
    assert!(err.to_string().contains("cut short"), "{err}");
    assert_eq!(sm.get(b"a").unwrap().as_deref(), Some(&b"old"[..]));
    assert_eq!(sm.generation().number, 0);
    assert!(sm.current_snapshot().unwrap().is_none());
}

#[test]
fn a_build_older_than_an_install_does_not_replace_it_as_current() {
    let source_dir = tempfile::tempdir().unwrap();
    let mut source = StateMachine::open(&open(&source_dir)).unwrap();
    source
        .apply_entries([set(1, "a", Some("1")), set(2, "a", Some("2"))])
        .unwrap();
    let newer = block_on(source.build_snapshot()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut sm = StateMachine::open(&open(&dir)).unwrap();
    sm.apply_entries([set(1, "a", Some("1"))]).unwrap();
    let builder = block_on(sm.get_snapshot_builder());
    // openraft runs the build beside the install: taken before it, kept
    // after it.
    let taken = builder.take_snapshot().unwrap();
    sm.install(&newer.meta, newer.snapshot.into_inner())
        .unwrap();
    let built = builder.keep_snapshot(taken).unwrap();
    assert_eq!(built.meta.last_log_id, Some(log_id(1)));
    let current = sm.current_snapshot().unwrap().unwrap();
    assert_eq!(current.meta, newer.meta, "the install stays current");
}

#[test]
fn open_deletes_the_chunks_of_snapshots_that_were_never_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir);
    let mut sm = StateMachine::open(&db).unwrap();
    sm.apply_entries([set(1, "a", Some("1"))]).unwrap();
    let built = block_on(sm.build_snapshot()).unwrap();
    let kept = chunk_keys(&sm);
    assert_eq!(kept.len(), 1);
    // A crash's leftovers: chunks of the next number, never recorded.
    sm.write_chunks(&built.meta, 2, &[7; 3 * CHUNK_BYTES])
        .unwrap();
    assert_eq!(chunk_keys(&sm).len(), 4);

    let sm = StateMachine::open(&db).unwrap();
    assert_eq!(chunk_keys(&sm), kept);
    let current = sm.current_snapshot().unwrap().unwrap();
    assert_eq!(current.meta, built.meta);
}

#[test]
fn a_missing_chunk_is_an_error_naming_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir);
    let mut sm = StateMachine::open(&db).unwrap();
    let entries: Vec<_> = (1..=3)
        .map(|i| set(i, &format!("k{i}"), Some(&"x".repeat(CHUNK_BYTES))))
        .collect();
    sm.apply_entries(entries).unwrap();
    let built = block_on(sm.build_snapshot()).unwrap();
    let keys = chunk_keys(&sm);
    assert!(keys.len() >= 3);
    sm.snapshots.delete(&keys[1]).unwrap();
    let err = sm.current_snapshot().unwrap_err().to_string();
    assert!(err.contains("chunk 1 is missing"), "{err}");
    assert!(err.contains(&built.meta.snapshot_id), "{err}");
    assert!(err.contains(keys::SNAPSHOT_KEYSPACE), "{err}");
}

#[test]
fn a_builder_taken_before_an_install_builds_from_the_installed_generation() {
    let source_dir = tempfile::tempdir().unwrap();
    let mut source = StateMachine::open(&open(&source_dir)).unwrap();
    source.apply_entries([set(1, "a", Some("1"))]).unwrap();
    let installed = block_on(source.build_snapshot()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut sm = StateMachine::open(&open(&dir)).unwrap();
    let mut builder = block_on(sm.get_snapshot_builder());
    sm.install(&installed.meta, installed.snapshot.into_inner())
        .unwrap();
    // The builder's generation was dropped by the install: it must not read
    // it (an error) but the installed one.
    let built = block_on(builder.build_snapshot()).unwrap();
    assert_eq!(built.meta.last_log_id, Some(log_id(1)));
    let pairs = read_pairs(built.snapshot.get_ref()).unwrap();
    assert_eq!(pairs, [(&b"a"[..], &b"1"[..])]);
}

#[test]
fn a_pair_over_the_command_limits_is_refused_before_anything_is_written() {
    let mut writer = PairWriter::new();
    writer.push(b"a", b"fits").unwrap();
    writer
        .push(&vec![b'k'; crate::MAX_KEY_LEN + 1], b"too long a key")
        .unwrap();
    let bytes = writer.finish();
    let meta = Meta {
        last_log_id: Some(log_id(9)),
        last_membership: Default::default(),
        snapshot_id: "crafted".into(),
    };

    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir);
    let mut sm = StateMachine::open(&db).unwrap();
    let err = sm.install(&meta, bytes).unwrap_err().to_string();
    assert!(err.contains("over a command's limits"), "{err}");
    assert!(!db.keyspaces().contains(&keys::sm_keyspace(1)));
    assert_eq!(sm.get(b"a").unwrap(), None);
    assert!(sm.current_snapshot().unwrap().is_none());
}
