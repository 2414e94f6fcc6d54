//! The compressed-block examples of `docs/format/sstable.md`, byte for byte:
//! the one data block of a table holding `key@1 Put` with a value of 64
//! bytes `a`, written with LZ4 and with zstd level 3.

mod common;

use common::hex_lines;
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::sstable::{table_file_name, TableBuilder, TableOptions};
use ferrisdb_storage::sstable::TableReader;
use ferrisdb_storage::{CompressionType, Operation};

/// The stored data block (contents and trailer) of the example table
/// written with `compression`, and what the table reads back.
fn example_block(compression: CompressionType) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(table_file_name(1));
    let options = TableOptions {
        compression,
        ..TableOptions::default()
    };
    let mut w = TableBuilder::create(os_file_system(), &path, options).unwrap();
    w.add_parts(b"key", 1, Operation::Put, &[b'a'; 64]).unwrap();
    w.finish().unwrap();
    let reader = TableReader::open(&os_file_system(), &path, None).unwrap();
    let handle = reader.index()[0].handle;
    let value = reader.get(b"key", 1).unwrap().unwrap().value.to_vec();
    let bytes = std::fs::read(&path).unwrap();
    let block = bytes[handle.offset as usize..(handle.offset + handle.size + 5) as usize].to_vec();
    (block, value)
}

/// The hex lines between `marker` and the end of its code block in the spec.
fn spec_hex(marker: &str) -> &'static str {
    let doc = include_str!("../../docs/format/sstable.md");
    let start = doc.find(marker).expect("marker in the doc") + marker.len() + "\n```text\n".len();
    let end = start + doc[start..].find("```").unwrap();
    &doc[start..end]
}

fn check(compression: CompressionType, marker: &str, kind: u8) {
    let (block, value) = example_block(compression);
    assert_eq!(value, [b'a'; 64], "the table reads back what was written");
    assert_eq!(
        block[block.len() - 5],
        kind,
        "the trailer's compression byte"
    );
    // The bytes depend on the codec's version (pinned by Cargo.lock): a new
    // version may choose other, equally valid, bytes for the same block.
    let got = hex_lines(&block);
    assert_eq!(
        got,
        spec_hex(marker),
        "the {compression:?} example in docs/format/sstable.md is out of date:\n{got}"
    );
}

#[test]
fn lz4_block_matches_the_specification() {
    check(CompressionType::Lz4, "<!-- lz4-example-hex -->", 1);
}

#[test]
fn zstd_block_matches_the_specification() {
    check(CompressionType::zstd(), "<!-- zstd-example-hex -->", 2);
}

#[test]
fn uncompressed_block_of_the_same_entry_is_87_bytes_of_contents() {
    let (block, _) = example_block(CompressionType::None);
    assert_eq!(block.len(), 87 + 5);
    assert_eq!(block[87], 0);
}
