//! The worked example of `docs/format/wal.md`, byte for byte: a log written
//! today must equal the one the specification shows, and read back as the
//! batch it holds.

mod common;

use common::{decoded, hex_lines};
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::wal::{RecoveryMode, WalOptions, WalReader, WalWriter};
use ferrisdb_storage::WriteBatch;

/// The example's batch: `put("k1", "v1")` and `delete("k2")`.
fn example_batch() -> WriteBatch {
    let mut batch = WriteBatch::new();
    batch.put("k1", "v1").delete("k2");
    batch
}

/// Writes the example log, as `cargo run --example wal_demo` does: the
/// batch at timestamp 7 in file 1, then the writer closed (sealing the
/// file). Returns its bytes and what reading it gives back.
fn example_log() -> (Vec<u8>, (u64, WriteBatch)) {
    let dir = tempfile::tempdir().unwrap();
    let writer = WalWriter::create(os_file_system(), dir.path(), 1, WalOptions::default()).unwrap();
    writer.append(&[&example_batch().encode(7)]).unwrap();
    writer.close().unwrap();
    let path = dir.path().join("000001.wal");
    let mut reader =
        WalReader::open(&*os_file_system(), &path, RecoveryMode::AbsoluteConsistency).unwrap();
    let record = reader.next().unwrap().unwrap();
    assert!(reader.next().is_none());
    assert!(reader.is_sealed());
    (std::fs::read(&path).unwrap(), decoded(&record))
}

#[test]
fn example_log_matches_the_specification() {
    let (bytes, back) = example_log();
    assert_eq!(back, (7, example_batch()), "the log reads back its batch");
    let got = hex_lines(&bytes);
    let doc = include_str!("../../docs/format/wal.md");
    let marker = "<!-- example-hex -->\n```text\n";
    let start = doc.find(marker).expect("marker in the doc") + marker.len();
    let end = start + doc[start..].find("```").unwrap();
    assert_eq!(
        got,
        doc[start..end],
        "the example in docs/format/wal.md is out of date:\n{got}"
    );
}
