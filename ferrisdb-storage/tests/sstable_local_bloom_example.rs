//! The cache-local filter's worked example of `docs/format/sstable.md`,
//! byte for byte: the three-entry example table as the writer writes it by
//! default, of table format version 2. Its filter's bits are also computed
//! here from the specification's formula alone, and it differs from the
//! version 1 table of the first example only in the filter and what depends
//! on where the blocks after it start.

mod common;

use common::hex_lines;
use ferrisdb_core::hash::key_hash;
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::sstable::format::LOCAL_BLOOM_PROBE_MULTIPLIER;
use ferrisdb_storage::internals::sstable::{table_file_name, TableBuilder, TableOptions};
use ferrisdb_storage::sstable::{FilterKind, TableReader};
use ferrisdb_storage::{CompressionType, Operation};

/// Writes the example table with `filter` and returns its bytes.
fn example_table(filter: FilterKind) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(table_file_name(7));
    let options = TableOptions {
        compression: CompressionType::None,
        filter,
        ..TableOptions::default()
    };
    let mut w = TableBuilder::create(os_file_system(), &path, options).unwrap();
    w.add_parts(b"apple", 2, Operation::Put, b"red").unwrap();
    w.add_parts(b"apple", 1, Operation::Delete, b"").unwrap();
    w.add_parts(b"apricot", 5, Operation::Put, b"ok").unwrap();
    w.finish().unwrap();
    let table = TableReader::open(&os_file_system(), &path, None).unwrap();
    assert_eq!(table.filter().kind(), filter);
    assert!(table.may_contain(b"apple") && table.may_contain(b"apricot"));
    std::fs::read(path).unwrap()
}

/// The hex lines between `marker` and the end of its code block in the spec.
fn spec_hex(marker: &str) -> &'static str {
    let doc = include_str!("../../docs/format/sstable.md");
    let start = doc.find(marker).expect("marker in the doc") + marker.len() + "\n```text\n".len();
    let end = start + doc[start..].find("```").unwrap();
    &doc[start..end]
}

/// The bits the specification says `key` sets in the line it picks: the
/// top 9 bits of the high half of its hash, multiplied by 0x9e3779b9
/// between probes.
fn spec_bits(key: &[u8], probes: u8) -> Vec<u32> {
    assert_eq!(LOCAL_BLOOM_PROBE_MULTIPLIER, 0x9e37_79b9);
    let mut p = (key_hash(key) >> 32) as u32;
    (0..probes)
        .map(|_| {
            let bit = p >> 23;
            p = p.wrapping_mul(0x9e37_79b9);
            bit
        })
        .collect()
}

#[test]
fn the_default_table_matches_the_specification() {
    let got = hex_lines(&example_table(FilterKind::default()));
    assert_eq!(
        got,
        spec_hex("<!-- local-bloom-example-hex -->"),
        "the cache-local example in docs/format/sstable.md is out of date:\n{got}"
    );
}

#[test]
fn its_filter_holds_the_bits_the_specification_gives() {
    let table = example_table(FilterKind::CacheLocal);
    // The filter starts after the data block (59 bytes and its trailer):
    // one line of 64 bytes, then 6 probes.
    let filter = &table[64..64 + 65];
    assert_eq!(filter[64], 6, "probes");
    let apple = spec_bits(b"apple", 6);
    let apricot = spec_bits(b"apricot", 6);
    // The bits the specification's table lists.
    assert_eq!(apple, [177, 462, 62, 84, 423, 322]);
    assert_eq!(apricot, [391, 288, 483, 385, 79, 216]);
    let mut line = [0u8; 64];
    for bit in apple.into_iter().chain(apricot) {
        line[bit as usize / 8] |= 1 << (bit % 8);
    }
    assert_eq!(&filter[..64], &line[..]);
}

#[test]
fn it_differs_from_the_version_1_table_only_in_the_filter_and_offsets() {
    let local = example_table(FilterKind::CacheLocal);
    let standard = example_table(FilterKind::Standard);
    // The data block and its trailer are the same; the filter grows from
    // 8 bytes of bits to a 64-byte line, so everything after it moves 56
    // bytes on.
    assert_eq!(local[..64], standard[..64]);
    assert_eq!(local.len(), standard.len() + 56);
    let version = |table: &[u8]| {
        let at = table.len() - 16;
        u32::from_le_bytes(table[at..at + 4].try_into().unwrap())
    };
    assert_eq!((version(&standard), version(&local)), (1, 2));
}
