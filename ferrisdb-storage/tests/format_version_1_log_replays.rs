//! A log of WAL format version 1, the first, replays through the engine
//! with every write it holds.
//!
//! No checked-in database holds a version-1 log (the fixtures' logs are
//! version 2), so this test builds one, byte by byte, from
//! `docs/format/wal.md` ("Older versions": a bare batch in its first
//! encoding per record; no kind, log number, durable length or seal; a
//! fragment's CRC covers its type and data only), beside a manifest of
//! version 1 (`docs/format/manifest.md`) that needs it. Nothing in it comes
//! from FerrisDB's own encoders, so a reader that drifted from the spec
//! fails here.

mod common;

use std::collections::BTreeMap;

use common::{dir, fault_config, replace_file};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::wal_files;
use ferrisdb_storage::{RecoveryMode, StorageEngine};

/// 32 KiB blocks; a fragment header is a CRC (fixed32), a length (fixed16)
/// and a type; fewer than 8 bytes left in a block are zeros.
const BLOCK: usize = 32 * 1024;
const FRAGMENT_HEADER: usize = 7;
/// Fragment types.
const FULL: u8 = 1;
const FIRST: u8 = 2;
const MIDDLE: u8 = 3;
const LAST: u8 = 4;

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A write in the first batch encoding: `None` is a delete.
type Write<'a> = (&'a [u8], Option<&'a [u8]>);

/// A batch in its first encoding: timestamp, count, then per entry the
/// operation (1 put, 2 delete), the key and, for a put, the value, each
/// length-prefixed.
fn first_encoding(timestamp: u64, writes: &[Write]) -> Vec<u8> {
    let mut out = timestamp.to_le_bytes().to_vec();
    varint(&mut out, writes.len() as u64);
    for &(key, value) in writes {
        out.push(if value.is_some() { 1 } else { 2 });
        varint(&mut out, key.len() as u64);
        out.extend_from_slice(key);
        if let Some(value) = value {
            varint(&mut out, value.len() as u64);
            out.extend_from_slice(value);
        }
    }
    out
}

/// Log `number` of version 1 holding `payloads`, one record each.
fn version_1_log(number: u64, payloads: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"FDB-WAL\0".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&number.to_le_bytes());
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    for payload in payloads {
        let mut rest = &payload[..];
        let mut first = true;
        loop {
            let left = BLOCK - out.len() % BLOCK;
            if left < FRAGMENT_HEADER + 1 {
                out.resize(out.len() + left, 0);
                continue;
            }
            let take = rest.len().min(left - FRAGMENT_HEADER);
            let last = take == rest.len();
            let kind = match (first, last) {
                (true, true) => FULL,
                (true, false) => FIRST,
                (false, false) => MIDDLE,
                (false, true) => LAST,
            };
            let mut hasher = crc32fast::Hasher::new();
            hasher.update(&[kind]);
            hasher.update(&rest[..take]);
            out.extend_from_slice(&hasher.finalize().to_le_bytes());
            out.extend_from_slice(&(take as u16).to_le_bytes());
            out.push(kind);
            out.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            first = false;
            if last {
                break;
            }
        }
    }
    out
}

/// A manifest of version 1 with no table: the next file number, the oldest
/// log needed, the last timestamp in a table, a table count of 0; after
/// the header (magic, version, body length) and before the CRC32 of both.
fn version_1_manifest(next_file_number: u64, log_number: u64) -> Vec<u8> {
    let mut body = Vec::new();
    varint(&mut body, next_file_number);
    varint(&mut body, log_number);
    body.extend_from_slice(&0u64.to_le_bytes());
    varint(&mut body, 0);
    let mut out = b"FDBMANIF".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

#[test]
fn a_version_1_log_replays_with_every_write() {
    let big = vec![b'b'; 3 * BLOCK + 100];
    let batches: Vec<Vec<Write>> = vec![
        vec![(b"apple", Some(b"1")), (b"banana", Some(b"2"))],
        vec![(b"apple", None)],
        // A record over several blocks: FIRST, MIDDLE, MIDDLE, LAST.
        vec![(b"big", Some(&big)), (b"cherry", Some(b"3"))],
        // A key written twice in one batch: the later entry wins.
        vec![(b"banana", Some(b"old")), (b"banana", Some(b"new"))],
        vec![(b"", Some(b"empty key")), (b"date", None)],
    ];
    let mut model: BTreeMap<&[u8], &[u8]> = BTreeMap::new();
    for batch in &batches {
        for &(key, value) in batch {
            match value {
                Some(value) => model.insert(key, value),
                None => model.remove(key),
            };
        }
    }
    let payloads: Vec<Vec<u8>> = batches
        .iter()
        .enumerate()
        .map(|(i, writes)| first_encoding(i as u64 + 1, writes))
        .collect();
    let log = version_1_log(2, &payloads);
    assert!(log.len() > 3 * BLOCK, "the big record spans four blocks");

    let fs = FaultFileSystem::new();
    let dir = dir();
    fs.create_dir_all(&dir).unwrap();
    replace_file(&fs, &dir.join("MANIFEST"), &version_1_manifest(3, 2));
    replace_file(&fs, &dir.join("000002.wal"), &log);
    // Nothing of the log may be dropped as damage.
    let config = fault_config(&fs, RecoveryMode::AbsoluteConsistency);
    let db = StorageEngine::open(config.clone()).unwrap();
    let read_back = |db: &StorageEngine, model: &BTreeMap<&[u8], &[u8]>| {
        let scanned: Vec<(Vec<u8>, Vec<u8>)> = db
            .iter()
            .unwrap()
            .map(|entry| {
                let (key, value) = entry.unwrap();
                (key.to_vec(), value.to_vec())
            })
            .collect();
        let expected: Vec<(Vec<u8>, Vec<u8>)> = model
            .iter()
            .map(|(k, v)| (k.to_vec(), v.to_vec()))
            .collect();
        assert_eq!(scanned, expected);
        assert_eq!(db.get("apple").unwrap(), None);
        assert_eq!(db.get("date").unwrap(), None);
    };
    read_back(&db, &model);
    // Every write is in a table now, and the version-1 log is retired: the
    // only log is the new one.
    let logs = wal_files(&fs, &dir).unwrap();
    assert_eq!(logs.len(), 1);
    assert!(logs[0].0 > 2, "{logs:?}");
    assert_eq!(db.stats().recovery_dropped_wal_records, 0);
    // New writes take timestamps after the log's.
    let ts = db.put("after", "ok").unwrap();
    assert_eq!(ts, batches.len() as u64 + 1);
    db.close().unwrap();

    let db = StorageEngine::open(config).unwrap();
    model.insert(b"after", b"ok");
    read_back(&db, &model);
}
