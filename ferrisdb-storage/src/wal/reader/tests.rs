//! Logs of format versions 1 and 2 still read: the bytes of the format
//! spec's worked example as each version wrote it, and torn or damaged
//! version-1 logs, which carry no durable lengths.

use super::*;
use crate::fs::{FaultFileSystem, FileSystem};
use crate::wal::format::{FORMAT_VERSION_1, FORMAT_VERSION_2};
use crate::wal::fragment::frame_record_as;
use crate::wal::payload::PayloadKind;
use crate::wal::WalHeader;
use ferrisdb_core::coding::{put_fixed64, put_length_prefixed, put_varint64};
use ferrisdb_core::Unsupported;

/// `put("k1", "v1")` and `delete("k2")` at timestamp 7 in the first
/// encoding of a batch, the payload both examples carry.
const LEGACY_BATCH: [u8; 20] = [
    0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02, 0x6b, 0x31, 0x02, 0x76, 0x31,
    0x02, 0x02, 0x6b, 0x32,
];

/// `docs/format/wal.md`'s worked example as version 1 wrote it.
const VERSION_1_EXAMPLE: [u8; 51] = [
    0x46, 0x44, 0x42, 0x2d, 0x57, 0x41, 0x4c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x26, 0x77, 0xc9, 0xe3, 0xb4, 0xac, 0x7d, 0xb0, 0x14, 0x00, 0x01, 0x07,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02, 0x6b, 0x31, 0x02, 0x76, 0x31, 0x02,
    0x02, 0x6b, 0x32,
];

/// The example as version 2 wrote it: a batch record, then the seal. (The
/// hex dump version 2's spec showed had CRCs that did not cover the
/// fragments' offsets, as version 2's do; these bytes are what it wrote.)
const VERSION_2_EXAMPLE: [u8; 64] = [
    0x46, 0x44, 0x42, 0x2d, 0x57, 0x41, 0x4c, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xd6, 0xa5, 0x57, 0x94, 0x18, 0x15, 0x8c, 0xea, 0x17, 0x00, 0x01, 0x01,
    0x01, 0x18, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02, 0x6b, 0x31, 0x02,
    0x76, 0x31, 0x02, 0x02, 0x6b, 0x32, 0x58, 0x42, 0x58, 0xed, 0x03, 0x00, 0x01, 0x02, 0x01, 0x36,
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

/// A put of `value` under `key` at `timestamp`, in the first encoding.
fn legacy_put(timestamp: u64, key: &[u8], value: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    put_fixed64(&mut bytes, timestamp);
    put_varint64(&mut bytes, 1);
    bytes.push(1);
    put_length_prefixed(&mut bytes, key);
    put_length_prefixed(&mut bytes, value);
    bytes
}

/// A version-1 log of `payloads` and each record's end.
fn version_1_log(payloads: &[Vec<u8>]) -> (Vec<u8>, Vec<u64>) {
    let mut bytes = WalHeader {
        version: FORMAT_VERSION_1,
        file_number: 1,
    }
    .encode();
    let mut ends = Vec::new();
    for payload in payloads {
        let offset = bytes.len() as u64;
        let mut framed = Vec::new();
        frame_record_as(FORMAT_VERSION_1, payload, &[], offset, &mut framed);
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
fn the_worked_examples_of_versions_1_and_2_still_read() {
    for (bytes, version, durable) in [
        (&VERSION_1_EXAMPLE[..], FORMAT_VERSION_1, 0),
        (&VERSION_2_EXAMPLE[..], FORMAT_VERSION_2, 54),
    ] {
        let fs = FaultFileSystem::new();
        store(&fs, bytes);
        let (records, reader) = read(&fs, RecoveryMode::AbsoluteConsistency);
        assert_eq!(reader.header().unwrap().version, version);
        let expected = WalRecord {
            offset: FILE_HEADER_SIZE as u64,
            kind: PayloadKind::LegacyBatch,
            payload: LEGACY_BATCH.to_vec(),
        };
        assert_eq!(records, [expected], "version {version}");
        assert_eq!(reader.durable_len(), durable, "version {version}");
        assert_eq!(reader.is_sealed(), version == FORMAT_VERSION_2);
    }
}

#[test]
fn a_version_1_torn_tail_is_cut_and_damage_before_valid_data_is_corruption() {
    let payloads: Vec<Vec<u8>> = (0..6u8)
        .map(|i| legacy_put(u64::from(i) + 1, &[i], &[i; 200]))
        .collect();
    let (bytes, ends) = version_1_log(&payloads);
    let fs = FaultFileSystem::new();

    // Cut inside the last record: a torn tail.
    store(&fs, &bytes[..bytes.len() - 50]);
    let (records, reader) = read(&fs, RecoveryMode::TolerateCorruptedTail);
    assert_eq!(records.len(), 5);
    assert_eq!(records[4].payload, payloads[4]);
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

#[test]
fn a_newer_format_version_is_refused_as_unsupported_not_damage() {
    let mut header = WalHeader::new(1);
    header.version = 9;
    let fs = FaultFileSystem::new();
    store(&fs, &header.encode());
    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::PointInTimeRecovery,
    ] {
        let err = WalReader::open(&fs, &path(), mode).unwrap_err();
        let Error::UnsupportedFormat {
            ref file,
            unsupported: Unsupported::Version { found: 9, .. },
        } = err
        else {
            panic!("not UnsupportedFormat: {err}")
        };
        assert_eq!(file, &path());
        assert!(
            !err.is_corruption() && err.to_string().contains("version is 9"),
            "{err}"
        );
    }
}
