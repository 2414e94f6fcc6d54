//! Unit tests of where replay puts a logged range delete: into its
//! keyspace's MemTable, in batch order, whether a record is applied whole
//! or only some keyspaces' entries are kept; and the refusal of a range
//! delete the manifest never declared. The write path's MemTable is checked
//! the same way, so the two are seen to agree.

use std::path::Path;
use std::sync::Arc;

use super::ReplayMemTables;
use crate::engine::{open, Inner};
use crate::fs::FaultFileSystem;
use crate::memtable::MemTable;
use crate::write_batch::entries::decode_payload;
use crate::{Error, StorageConfig, WriteBatch, WriteOptions, DEFAULT_KEYSPACE_ID};

fn inner(fs: &FaultFileSystem) -> Arc<Inner> {
    open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

/// The replay MemTables of `inner`'s keyspaces, as `open` makes them.
fn replay(inner: &Inner, declared: bool) -> ReplayMemTables {
    let keyspaces = inner.versions.manifest().keyspaces.clone();
    ReplayMemTables::new(&inner.versions.keyspaces(), &keyspaces, declared)
}

/// A batch whose range delete, in `default`, comes after a put it covers
/// and before one it covers too.
fn batch() -> WriteBatch {
    let mut batch = WriteBatch::new();
    batch
        .put("a", "before")
        .delete_range("a".."c")
        .put("b", "after");
    batch
}

/// The keys `memtable` holds, and its range deletes.
fn held(memtable: &MemTable) -> (Vec<Vec<u8>>, usize) {
    let keys = memtable.entries().map(|e| e.user_key.to_vec()).collect();
    (keys, memtable.range_delete_count())
}

#[test]
fn a_write_and_its_replay_fill_the_memtable_alike() {
    let fs = FaultFileSystem::new();
    let inner = inner(&fs);
    let timestamp = inner.write(&batch(), &WriteOptions::default()).unwrap();
    let written = Arc::clone(&inner.default.current().active);
    assert_eq!(held(&written), (vec![b"b".to_vec()], 1));
    let tombstones = written.range_tombstones().unwrap();
    assert_eq!(tombstones.covering(b"a", timestamp), Some(timestamp));

    let mut memtables = replay(&inner, true);
    let log = memtables.targets[&DEFAULT_KEYSPACE_ID].log_number;
    let payload = batch().encode(timestamp);
    let (_, decoded) = WriteBatch::decode(&payload).unwrap();
    memtables
        .apply(Some(&*inner), log, timestamp, decoded.entries())
        .unwrap();
    let replayed = memtables.targets[&DEFAULT_KEYSPACE_ID]
        .memtable
        .as_deref()
        .unwrap();
    assert_eq!(held(replayed), held(&written));
    assert_eq!(replayed.memory_usage(), written.memory_usage());
}

#[test]
fn a_record_kept_in_part_keeps_its_range_deletes_and_their_order() {
    let fs = FaultFileSystem::new();
    let inner = inner(&fs);
    let flushed = inner.keyspace("flushed", None).unwrap().id();
    let mut memtables = replay(&inner, true);
    let log = memtables.targets[&DEFAULT_KEYSPACE_ID].log_number;
    // The keyspace's tables hold this log's writes already: its entries
    // are skipped, and the rest of the record is copied and applied.
    memtables.targets.get_mut(&flushed).unwrap().log_number = log + 1;
    let mut batch = WriteBatch::new();
    batch
        .put("a", "before")
        .put_to(flushed, b"a", b"skipped")
        .delete_range("a".."c")
        .delete_range_to(flushed, b"a", None)
        .put("b", "after");
    memtables
        .apply(Some(&*inner), log, 9, batch.entries())
        .unwrap();
    let default = memtables.targets[&DEFAULT_KEYSPACE_ID]
        .memtable
        .as_deref()
        .unwrap();
    assert_eq!(held(default), (vec![b"b".to_vec()], 1));
    assert!(memtables.targets[&flushed].memtable.is_none(), "skipped");
}

#[test]
fn a_range_delete_the_manifest_does_not_declare_is_corruption() {
    let fs = FaultFileSystem::new();
    let inner = inner(&fs);
    let path = Path::new("/db/000009.wal");
    let mut points = WriteBatch::new();
    points.put("k", "v");
    // Decoded as replay decodes a record, so offsets are the payload's.
    let payload = batch().encode(3);
    let (_, decoded) = decode_payload(&payload).unwrap();
    let undeclared = replay(&inner, false);
    undeclared
        .check_range_deletes(path, 24, points.entries())
        .unwrap();
    let err = undeclared
        .check_range_deletes(path, 24, decoded)
        .unwrap_err();
    let Error::Corruption {
        ref file, offset, ..
    } = err
    else {
        panic!("not corruption: {err}")
    };
    assert_eq!((file.as_path(), offset), (path, 24));
    // After the 9-byte header and the put's 11 bytes.
    assert!(
        err.to_string().contains("at byte 20 of its payload"),
        "{err}"
    );
    replay(&inner, true)
        .check_range_deletes(path, 24, decoded)
        .unwrap();
}
