//! The worked example of `docs/format/sstable.md`, byte for byte: a table
//! written today with the standard filter (table format version 1) must
//! equal the one the specification shows.

mod common;

use common::hex_lines;
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::sstable::{table_file_name, TableBuilder, TableOptions};
use ferrisdb_storage::sstable::FilterKind;
use ferrisdb_storage::{CompressionType, Operation};

/// Writes the example table and returns its bytes.
fn example_table() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(table_file_name(7));
    // The specification's settings: the defaults, with no compression and
    // the standard filter of table format version 1.
    let options = TableOptions {
        compression: CompressionType::None,
        filter: FilterKind::Standard,
        ..TableOptions::default()
    };
    let mut w = TableBuilder::create(os_file_system(), &path, options).unwrap();
    w.add_parts(b"apple", 2, Operation::Put, b"red").unwrap();
    w.add_parts(b"apple", 1, Operation::Delete, b"").unwrap();
    w.add_parts(b"apricot", 5, Operation::Put, b"ok").unwrap();
    w.finish().unwrap();
    std::fs::read(path).unwrap()
}

#[test]
fn example_table_matches_the_specification() {
    let got = hex_lines(&example_table());
    let doc = include_str!("../../docs/format/sstable.md");
    let start = doc.find("<!-- example-hex -->").expect("marker in the doc")
        + "<!-- example-hex -->\n```text\n".len();
    let end = start + doc[start..].find("```").unwrap();
    assert_eq!(
        got,
        doc[start..end],
        "the example in docs/format/sstable.md is out of date:\n{got}"
    );
}
