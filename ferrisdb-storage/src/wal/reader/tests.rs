//! Logs of format version 1, which carry no durable lengths, still read: the
//! bytes of the format spec's worked example, and torn or damaged logs built
//! the way version 1 framed them.

use super::*;
use crate::fs::{FaultFileSystem, FileSystem};
use crate::wal::format::FORMAT_VERSION_1;
use crate::wal::fragment::frame_record_as;
use crate::wal::WalHeader;
use crate::WriteBatch;

/// `docs/format/wal.md`'s worked example as version 1 wrote it:
/// `put("k1", "v1")` and `delete("k2")` at timestamp 7 in file 1.
const VERSION_1_EXAMPLE: [u8; 51] = [
    0x46, 0x44, 0x42, 0x2d, 0x57, 0x41, 0x4c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x26, 0x77, 0xc9, 0xe3, 0xb4, 0xac, 0x7d, 0xb0, 0x14, 0x00, 0x01, 0x07,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02, 0x6b, 0x31, 0x02, 0x76, 0x31, 0x02,
    0x02, 0x6b, 0x32,
];

fn path() -> PathBuf {
    PathBuf::from("/db/000001.wal")
}

fn store(fs: &FaultFileSystem, bytes: &[u8]) {
    fs.create_dir_all(Path::new("/db")).unwrap();
    let mut file = fs.create(&path()).unwrap();
    file.append(bytes).unwrap();
    file.sync().unwrap();
}

/// A version-1 log of `batches` (timestamps 1, 2, ...) and each record's end.
fn version_1_log(batches: &[WriteBatch]) -> (Vec<u8>, Vec<u64>) {
    let mut bytes = WalHeader {
        version: FORMAT_VERSION_1,
        file_number: 1,
    }
    .encode();
    let mut ends = Vec::new();
    for (batch, timestamp) in batches.iter().zip(1..) {
        let offset = bytes.len() as u64;
        let mut framed = Vec::new();
        frame_record_as(
            FORMAT_VERSION_1,
            &batch.encode(timestamp),
            offset,
            &mut framed,
        );
        bytes.extend_from_slice(&framed);
        ends.push(bytes.len() as u64);
    }
    (bytes, ends)
}

fn read(fs: &FaultFileSystem, mode: RecoveryMode) -> (Vec<WalRecord>, WalReader) {
    let mut reader = WalReader::open(fs, &path(), mode).unwrap();
    let records = reader.by_ref().map(|r| r.unwrap()).collect();
    (records, reader)
}

#[test]
fn the_version_1_worked_example_still_reads() {
    let fs = FaultFileSystem::new();
    store(&fs, &VERSION_1_EXAMPLE);
    let (records, reader) = read(&fs, RecoveryMode::AbsoluteConsistency);
    assert_eq!(reader.header().unwrap().version, FORMAT_VERSION_1);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].timestamp, 7);
    assert_eq!(
        records[0].batch,
        WriteBatch::new().put("k1", "v1").delete("k2").clone()
    );
    assert_eq!(reader.durable_len(), 0, "version 1 claims nothing");
    assert!(!reader.is_sealed());
}

#[test]
fn a_version_1_torn_tail_is_cut_and_damage_before_valid_data_is_corruption() {
    let batches: Vec<WriteBatch> = (0..6u8)
        .map(|i| WriteBatch::new().put([i], vec![i; 200]).clone())
        .collect();
    let (bytes, ends) = version_1_log(&batches);
    let fs = FaultFileSystem::new();

    // Cut inside the last record: a torn tail.
    store(&fs, &bytes[..bytes.len() - 50]);
    let (records, reader) = read(&fs, RecoveryMode::TolerateCorruptedTail);
    assert_eq!(records.len(), 5);
    assert_eq!(reader.damage().unwrap().kind, DamageKind::TornTail);

    // Zeros in record 3 with valid records after them: corruption.
    let mut damaged = bytes.clone();
    damaged[ends[1] as usize..ends[2] as usize].fill(0);
    store(&fs, &damaged);
    let mut reader = WalReader::open(&fs, &path(), RecoveryMode::TolerateCorruptedTail).unwrap();
    assert_eq!(reader.by_ref().take(2).count(), 2);
    let err = reader.next().unwrap().unwrap_err();
    assert!(err.is_corruption(), "{err}");
    let (records, reader) = read(&fs, RecoveryMode::PointInTimeRecovery);
    assert_eq!(records.len(), 2);
    assert_eq!(reader.dropped_records(), 3);
}
