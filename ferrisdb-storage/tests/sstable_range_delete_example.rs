//! The range-delete examples of `docs/format/sstable.md`, byte for byte: the
//! first example's three entries with `delete_range("apple".."b")` at
//! timestamp 3, and a table of only `delete_prefix("t")` at timestamp 9 (no
//! data block). Each reads back; a table given no range tombstone is the
//! first example's bytes, unchanged.

mod common;

use std::sync::Arc;

use common::hex_lines;
use ferrisdb_core::range_tombstone::{half_open, prefix_range};
use ferrisdb_core::{InternalKey, RangeTombstone};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
use ferrisdb_storage::internals::range_del::FragmentedTombstones;
use ferrisdb_storage::internals::sstable::format::{RANGE_END_TS, RANGE_START_TS};
use ferrisdb_storage::internals::sstable::{table_file_name, TableBuilder, TableOptions};
use ferrisdb_storage::sstable::{Cursor, FilterKind, TableReader};
use ferrisdb_storage::{CompressionType, Operation};

/// A table of `points` (the first example's entries, or none) and
/// `tombstones`, with the specification's settings; its bytes and reader.
fn example(points: bool, tombstones: &[RangeTombstone]) -> (Vec<u8>, Arc<TableReader>) {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(std::path::Path::new("/db")).unwrap();
    let shared: SharedFileSystem = Arc::new(fs.clone());
    let path = std::path::Path::new("/db").join(table_file_name(7));
    let options = TableOptions {
        compression: CompressionType::None,
        filter: FilterKind::Standard,
        ..TableOptions::default()
    };
    let mut w = TableBuilder::create(Arc::clone(&shared), &path, options).unwrap();
    if points {
        w.add_parts(b"apple", 2, Operation::Put, b"red").unwrap();
        w.add_parts(b"apple", 1, Operation::Delete, b"").unwrap();
        w.add_parts(b"apricot", 5, Operation::Put, b"ok").unwrap();
    }
    let list = FragmentedTombstones::from_tombstones(tombstones.to_vec());
    w.add_range_tombstones(&list).unwrap();
    w.finish().unwrap();
    let reader = TableReader::open(&shared, &path, None).unwrap();
    assert_eq!(**reader.range_tombstones(), list);
    (fs.read_all(&path).unwrap(), reader)
}

/// The hex lines between `marker` and the end of its code block in the spec.
fn spec_hex(marker: &str) -> &'static str {
    let doc = include_str!("../../docs/format/sstable.md");
    let start = doc.find(marker).expect("marker in the doc") + marker.len() + "\n```text\n".len();
    let end = start + doc[start..].find("```").unwrap();
    &doc[start..end]
}

fn delete_range_apple_to_b() -> RangeTombstone {
    let (start, end) = half_open(&("apple".."b")).unwrap();
    RangeTombstone::new(start, end, 3)
}

#[test]
fn a_table_with_a_range_tombstone_matches_the_specification() {
    let (bytes, reader) = example(true, &[delete_range_apple_to_b()]);
    let got = hex_lines(&bytes);
    assert_eq!(
        got,
        spec_hex("<!-- range-delete-example-hex -->"),
        "the range-delete example in docs/format/sstable.md is out of date:\n{got}"
    );
    let props = reader.properties();
    // The tombstone's start `apple` sorts before the point `apple@2`, and
    // its end `b` after `apricot@5`.
    assert_eq!(
        props.smallest_key,
        InternalKey::new("apple", RANGE_START_TS)
    );
    assert_eq!(props.largest_key, InternalKey::new("b", RANGE_END_TS));
    assert_eq!((props.min_timestamp, props.max_timestamp), (1, 5));
    assert_eq!((props.entry_count, props.data_block_count), (3, 1));
    let extension = props.range_deletes.unwrap();
    assert_eq!(
        (extension.fragment_count, extension.timestamp_count),
        (1, 1)
    );
    // The points read as they were written: hiding them is the reads' work.
    assert_eq!(reader.get(b"apricot", 9).unwrap().unwrap().value, b"ok"[..]);
    assert_eq!(reader.verify().unwrap(), 3);
}

#[test]
fn a_table_of_only_a_range_tombstone_matches_the_specification() {
    let (start, end) = prefix_range(b"t");
    let (bytes, reader) = example(false, &[RangeTombstone::new(start, end, 9)]);
    let got = hex_lines(&bytes);
    assert_eq!(
        got,
        spec_hex("<!-- range-delete-only-example-hex -->"),
        "the range-delete-only example in docs/format/sstable.md is out of date:\n{got}"
    );
    let props = reader.properties();
    assert_eq!(props.smallest_key, InternalKey::new("t", RANGE_START_TS));
    assert_eq!(props.largest_key, InternalKey::new("u", RANGE_END_TS));
    assert_eq!((props.min_timestamp, props.max_timestamp), (9, 9));
    assert_eq!(
        (props.entry_count, props.key_count, props.data_block_count),
        (0, 0, 0)
    );
    assert!(reader.index().is_empty());
    // Its points: none, however they are looked for.
    for key in [&b"t"[..], b"tea", b"a", b"\xff"] {
        assert_eq!(reader.get(key, u64::MAX >> 1).unwrap(), None);
    }
    let mut cursor = reader.iter();
    cursor.seek_to_first().unwrap();
    assert!(!cursor.valid());
    cursor.seek_to_last().unwrap();
    assert!(!cursor.valid());
    cursor.seek(b"t", 9).unwrap();
    assert!(!cursor.valid());
    assert_eq!(reader.verify().unwrap(), 0);
}

#[test]
fn a_table_given_no_range_tombstone_is_the_first_example() {
    let (bytes, reader) = example(true, &[]);
    assert_eq!(hex_lines(&bytes), spec_hex("<!-- example-hex -->"));
    assert!(reader.range_tombstones().is_empty());
    assert_eq!(reader.properties().range_deletes, None);
}
