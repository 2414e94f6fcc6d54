//! The range delete worked example of `docs/format/wal.md`, byte for byte: a
//! batch of `delete_range("a".."c")` and `delete_prefix("\xff")` at
//! timestamp 7 encodes to the payload the specification shows, and reads
//! back, through a log too, as the same two ranges.

mod common;

use common::{decoded, hex_lines};
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::wal::{RecoveryMode, WalOptions, WalReader, WalWriter};
use ferrisdb_storage::WriteBatch;

/// The example's batch: a bounded range and a prefix with no successor, so
/// a range without an end.
fn example_batch() -> WriteBatch {
    let mut batch = WriteBatch::new();
    batch.delete_range("a".."c").delete_prefix([0xff]);
    batch
}

/// The hex lines between `marker` and the end of its code block in the spec.
fn spec_hex(marker: &str) -> &'static str {
    let doc = include_str!("../../docs/format/wal.md");
    let start = doc.find(marker).expect("marker in the doc") + marker.len() + "\n```text\n".len();
    let end = start + doc[start..].find("```").unwrap();
    &doc[start..end]
}

#[test]
fn the_range_delete_payload_matches_the_specification() {
    let bytes = example_batch().encode(7);
    let got = hex_lines(&bytes);
    assert_eq!(
        got,
        spec_hex("<!-- range-delete-example-hex -->"),
        "the range delete example in docs/format/wal.md is out of date:\n{got}"
    );
    let (timestamp, batch) = WriteBatch::decode(&bytes).unwrap();
    assert_eq!((timestamp, &batch), (7, &example_batch()));
    let ranges: Vec<_> = batch.range_deletes().collect();
    assert_eq!(ranges, [(&b"a"[..], Some(&b"c"[..])), (&b"\xff"[..], None)]);
    assert_eq!(batch.iter().count(), 0, "no put or delete");
}

#[test]
fn the_example_reads_back_from_a_log() {
    let dir = tempfile::tempdir().unwrap();
    let writer = WalWriter::create(os_file_system(), dir.path(), 1, WalOptions::default()).unwrap();
    writer.append(&[&example_batch().encode(7)]).unwrap();
    writer.close().unwrap();
    let path = dir.path().join("000001.wal");
    let mut reader =
        WalReader::open(&*os_file_system(), &path, RecoveryMode::AbsoluteConsistency).unwrap();
    let record = reader.next().unwrap().unwrap();
    assert_eq!(decoded(&record), (7, example_batch()));
    assert!(reader.next().is_none());
}
