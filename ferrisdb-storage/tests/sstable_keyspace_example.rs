//! The keyspace worked example of `docs/format/sstable.md`, byte for byte:
//! the three-entry example table written for keyspace 1 differs from the
//! default keyspace's only in its properties block (three bytes more, the
//! keyspace extension) and in what depends on it (its trailer's checksum and
//! the footer), and reads back its keyspace.

mod common;

use common::hex_lines;
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::sstable::format::PROPERTY_TAG_KEYSPACE;
use ferrisdb_storage::internals::sstable::{table_file_name, TableBuilder, TableOptions};
use ferrisdb_storage::sstable::{FilterKind, TableReader};
use ferrisdb_storage::{CompressionType, Operation};

/// Writes the example table for `keyspace`; returns its bytes and the
/// keyspace it reads back.
fn example_table(keyspace: u32) -> (Vec<u8>, u32) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(table_file_name(7));
    let options = TableOptions {
        compression: CompressionType::None,
        filter: FilterKind::Standard,
        keyspace,
        ..TableOptions::default()
    };
    let mut w = TableBuilder::create(os_file_system(), &path, options).unwrap();
    w.add_parts(b"apple", 2, Operation::Put, b"red").unwrap();
    w.add_parts(b"apple", 1, Operation::Delete, b"").unwrap();
    w.add_parts(b"apricot", 5, Operation::Put, b"ok").unwrap();
    w.finish().unwrap();
    let read_back = TableReader::open(&os_file_system(), &path, None)
        .unwrap()
        .properties()
        .keyspace;
    (std::fs::read(path).unwrap(), read_back)
}

/// The hex lines between `marker` and the end of its code block in the spec.
fn spec_hex(marker: &str) -> &'static str {
    let doc = include_str!("../../docs/format/sstable.md");
    let start = doc.find(marker).expect("marker in the doc") + marker.len() + "\n```text\n".len();
    let end = start + doc[start..].find("```").unwrap();
    &doc[start..end]
}

#[test]
fn keyspace_example_table_matches_the_specification() {
    let (bytes, keyspace) = example_table(1);
    assert_eq!(keyspace, 1);
    let got = hex_lines(&bytes);
    assert_eq!(
        got,
        spec_hex("<!-- keyspace-example-hex -->"),
        "the keyspace example in docs/format/sstable.md is out of date:\n{got}"
    );
}

#[test]
fn only_the_properties_and_what_follows_them_change() {
    let (default, keyspace) = example_table(0);
    assert_eq!(keyspace, 0);
    let (with_keyspace, _) = example_table(1);
    // The properties block starts at 0x70 and holds 55 bytes by default.
    let (start, end) = (0x70, 0x70 + 55);
    assert_eq!(default[..end], with_keyspace[..end]);
    let tag = u8::try_from(PROPERTY_TAG_KEYSPACE).unwrap();
    assert_eq!(with_keyspace[end..end + 3], [tag, 0x01, 0x01]);
    assert_eq!(with_keyspace.len(), default.len() + 3);
    // The footer's properties handle: same offset, 3 bytes more.
    let footer = with_keyspace.len() - 64;
    assert_eq!(
        with_keyspace[footer + 32..footer + 40],
        (start as u64).to_le_bytes()
    );
    assert_eq!(with_keyspace[footer + 40..footer + 48], 58u64.to_le_bytes());
}
