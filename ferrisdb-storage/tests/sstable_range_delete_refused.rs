//! The range-delete example table of `docs/format/sstable.md` with one field
//! changed and its block's checksum made to match, as a writer bug or an
//! attacker would leave it: each change that breaks a rule is refused when
//! the table opens, naming the table and the offset; an unknown extension
//! tag where the range-deletes one was is refused as a newer format, which
//! is how a FerrisDB that predates range deletes meets such a table.

use std::path::Path;
use std::sync::Arc;

use ferrisdb_core::{Error, RangeTombstone, Unsupported};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
use ferrisdb_storage::internals::range_del::FragmentedTombstones;
use ferrisdb_storage::internals::sstable::{FilterKind, TableBuilder, TableOptions, TableReader};
use ferrisdb_storage::{CompressionType, Operation};

const TABLE: &str = "/db/000007.sst";

// Where the example's blocks are (see the specification's table of bytes).
const RANGE_DEL: (usize, usize) = (0x4e, 18);
const INDEX: (usize, usize) = (0x65, 29);
const PROPERTIES: (usize, usize) = (0x87, 55);
/// The range-deletes extension in the file: tag, length, offset, size,
/// fragments, timestamps.
const EXTENSION: usize = 0xb8;

fn file_system() -> SharedFileSystem {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(Path::new("/db")).unwrap();
    Arc::new(fs)
}

/// The example: three points and `delete_range("apple".."b")` at 3, in a
/// table of format version 1, as the specification shows it.
fn example(fs: &SharedFileSystem) -> Vec<u8> {
    let options = TableOptions {
        compression: CompressionType::None,
        filter: FilterKind::Standard,
        ..TableOptions::default()
    };
    let mut w = TableBuilder::create(Arc::clone(fs), TABLE, options).unwrap();
    w.add_parts(b"apple", 2, Operation::Put, b"red").unwrap();
    w.add_parts(b"apple", 1, Operation::Delete, b"").unwrap();
    w.add_parts(b"apricot", 5, Operation::Put, b"ok").unwrap();
    let tombstone = RangeTombstone::new(b"apple".to_vec(), Some(b"b".to_vec()), 3);
    w.add_range_tombstones(&FragmentedTombstones::from_tombstones(vec![tombstone]))
        .unwrap();
    w.finish().unwrap();
    let bytes = fs.read_all(Path::new(TABLE)).unwrap();
    assert_eq!(bytes.len(), 259, "the specification's example");
    bytes
}

/// `table` with `byte` at `at` set to `value`, and the checksum of the
/// block `(offset, size)` holding it rewritten to match.
fn patched(table: &[u8], at: usize, value: u8, block: (usize, usize)) -> Vec<u8> {
    let (offset, size) = block;
    assert!((offset..offset + size).contains(&at));
    let mut out = table.to_vec();
    out[at] = value;
    let crc = crc32fast::hash(&out[offset..=offset + size]);
    out[offset + size + 1..offset + size + 5].copy_from_slice(&crc.to_le_bytes());
    out
}

fn open(fs: &SharedFileSystem, bytes: &[u8]) -> ferrisdb_core::Result<Arc<TableReader>> {
    let path = Path::new(TABLE);
    fs.remove(path).unwrap();
    let mut file = fs.create(path).unwrap();
    file.append(bytes).unwrap();
    file.sync().unwrap();
    drop(file);
    TableReader::open(fs, path, None)
}

fn refused(fs: &SharedFileSystem, bytes: &[u8], at: usize, reason: &str) {
    match open(fs, bytes) {
        Err(Error::Corruption {
            file,
            offset,
            reason: got,
        }) => {
            assert_eq!(file, Path::new(TABLE));
            assert_eq!(offset, at as u64, "{got}");
            assert!(got.contains(reason), "{got} should say {reason}");
        }
        other => panic!("expected corruption ({reason}), got {other:?}"),
    }
}

#[test]
fn the_example_opens_with_its_tombstone() {
    let fs = file_system();
    let table = example(&fs);
    let reader = open(&fs, &table).unwrap();
    assert_eq!(reader.range_tombstones().fragments().len(), 1);
}

#[test]
fn an_unknown_tag_in_place_of_range_deletes_is_a_newer_format() {
    let fs = file_system();
    let table = example(&fs);
    let bytes = patched(&table, EXTENSION, 0x03, PROPERTIES);
    match open(&fs, &bytes).unwrap_err() {
        Error::UnsupportedFormat {
            file,
            unsupported: Unsupported::Record { offset, what },
        } => {
            assert_eq!(file, Path::new(TABLE));
            assert_eq!(offset, EXTENSION as u64);
            assert!(what.contains("a table property of tag 3"), "{what}");
        }
        other => panic!("expected an unsupported format, got {other:?}"),
    }
}

#[test]
fn a_block_breaking_a_rule_is_refused_at_its_offset() {
    let fs = file_system();
    let table = example(&fs);
    let at = |offset: usize| RANGE_DEL.0 + offset;
    // The end `b` made `a`: before its start `apple`, at the fragment.
    refused(
        &fs,
        &patched(&table, at(8), b'a', RANGE_DEL),
        at(1),
        "ends at or before its start",
    );
    // The timestamp above the largest, at the timestamp.
    refused(
        &fs,
        &patched(&table, at(17), 0x80, RANGE_DEL),
        at(10),
        "above the largest",
    );
    // No timestamp: its 8 bytes are left over.
    refused(
        &fs,
        &patched(&table, at(9), 0x00, RANGE_DEL),
        at(10),
        "8 bytes after the last",
    );
    // A start longer than the block.
    refused(
        &fs,
        &patched(&table, at(1), 0x7f, RANGE_DEL),
        at(2),
        "truncated range fragment start",
    );
    // Two fragments claimed, one there.
    refused(
        &fs,
        &patched(&table, at(0), 0x02, RANGE_DEL),
        at(0),
        "claims 2 fragments",
    );
}

#[test]
fn a_block_disagreeing_with_its_extension_or_bounds_is_refused() {
    let fs = file_system();
    let table = example(&fs);
    let ext = |field: usize| EXTENSION + field;
    // Two timestamps claimed, one stored.
    refused(
        &fs,
        &patched(&table, ext(5), 0x02, PROPERTIES),
        RANGE_DEL.0,
        "the properties say 1 and 2",
    );
    // The block moved a byte back, into the filter's trailer.
    refused(
        &fs,
        &patched(&table, ext(2), 0x4d, PROPERTIES),
        PROPERTIES.0,
        "not between the filter",
    );
    // A byte longer, into the index.
    refused(
        &fs,
        &patched(&table, ext(3), 0x13, PROPERTIES),
        PROPERTIES.0,
        "not between the filter",
    );
    // The tombstone at 6, above the properties' max_timestamp of 5.
    refused(
        &fs,
        &patched(&table, RANGE_DEL.0 + 10, 6, RANGE_DEL),
        PROPERTIES.0,
        "does not hold its range tombstones",
    );
    // The tombstone ending at `c`, past the properties' largest key `b`.
    refused(
        &fs,
        &patched(&table, RANGE_DEL.0 + 8, b'c', RANGE_DEL),
        INDEX.0,
        "is not the last data block's last key",
    );
    // The tombstone starting at `aaple`, before the properties' smallest key.
    refused(
        &fs,
        &patched(&table, RANGE_DEL.0 + 3, b'a', RANGE_DEL),
        PROPERTIES.0,
        "does not hold its range tombstones",
    );
}
