//! A small table damaged in every possible single-byte way: each byte
//! flipped, and the file truncated at every length. Every read must return the
//! right data or an error, never a panic and never wrong data; and since
//! checksums cover every byte, every damage must be reported. A table of a
//! keyspace other than the default one (its properties carry an extension),
//! and one with the standard filter of table format version 1, are damaged
//! the same way.

use std::path::Path;

use ferrisdb_core::InternalKey;
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::sstable::{
    table_file_name, TableBuilder, TableEntry, TableOptions, TableReader,
};
use ferrisdb_storage::sstable::{Cursor, FilterKind};
use ferrisdb_storage::{CompressionType, Operation, Result};

type Entries = Vec<(InternalKey, Operation, Vec<u8>)>;

fn entries() -> Entries {
    let mut out = Vec::new();
    for i in 0..8u8 {
        for ts in [9u64, 4] {
            let op = if i % 3 == 0 && ts == 4 {
                Operation::Delete
            } else {
                Operation::Put
            };
            // Repetitive values so LZ4 compresses some blocks.
            let value = if op == Operation::Delete {
                Vec::new()
            } else {
                vec![b'a' + i; 3 + usize::from(i) * 3]
            };
            out.push((InternalKey::new(vec![b'k', b'0' + i], ts), op, value));
        }
    }
    out
}

fn build(dir: &Path, compression: CompressionType, keyspace: u32, filter: FilterKind) -> Vec<u8> {
    let path = dir.join(table_file_name(1));
    let options = TableOptions {
        block_size: 40,
        restart_interval: 2,
        compression,
        bloom_bits_per_key: 10,
        filter,
        keyspace,
    };
    let mut w = TableBuilder::create(os_file_system(), &path, options).unwrap();
    for (k, op, v) in entries() {
        w.add(&k, op, &v).unwrap();
    }
    w.finish().unwrap();
    std::fs::read(&path).unwrap()
}

/// Opens the table and reads all of it every way; returns whether any read
/// failed, after checking that every successful read returned the truth.
fn read_everything(path: &Path, want: &Entries) -> bool {
    let fs = os_file_system();
    let table = match TableReader::open(&fs, path, None) {
        Ok(t) => t,
        Err(e) => {
            assert!(
                e.is_corruption(),
                "open failed with a non-corruption error: {e}"
            );
            return true;
        }
    };
    let mut failed = false;
    let mut note = |r: Result<()>| {
        if let Err(e) = r {
            assert!(e.is_corruption(), "{e}");
            failed = true;
        }
    };
    for (k, op, v) in want {
        match table.get(&k.user_key, k.timestamp) {
            Ok(got) => {
                let expected = TableEntry {
                    timestamp: k.timestamp,
                    operation: *op,
                    value: v.clone().into(),
                };
                assert_eq!(got, Some(expected), "wrong data for {k}");
            }
            Err(e) => note(Err(e)),
        }
    }
    let mut it = table.iter();
    let mut seen = Vec::new();
    let mut r = it.seek_to_first();
    while r.is_ok() && it.valid() {
        seen.push((it.internal_key(), it.operation(), it.value().to_vec()));
        r = it.next();
    }
    if r.is_ok() {
        assert_eq!(&seen, want, "forward scan returned wrong data");
    } else {
        assert_eq!(
            seen[..],
            want[..seen.len()],
            "forward scan returned wrong data before failing"
        );
    }
    note(r);
    let mut r = it.seek_to_last();
    let mut back = Vec::new();
    while r.is_ok() && it.valid() {
        back.push(it.internal_key());
        r = it.prev();
    }
    let want_back: Vec<InternalKey> = want.iter().rev().map(|(k, _, _)| k.clone()).collect();
    assert_eq!(
        back[..],
        want_back[..back.len()],
        "backward scan returned wrong data"
    );
    note(r);
    note(table.verify().map(|_| ()));
    failed
}

fn every_damage_is_detected(compression: CompressionType, keyspace: u32, filter: FilterKind) {
    let dir = tempfile::tempdir().unwrap();
    let good = build(dir.path(), compression, keyspace, filter);
    assert!(
        (200..1500).contains(&good.len()),
        "table of {} bytes",
        good.len()
    );
    let path = dir.path().join("undamaged.sst");
    let want = entries();
    std::fs::write(&path, &good).unwrap();
    assert!(
        !read_everything(&path, &want),
        "the undamaged table reads cleanly"
    );
    let table = TableReader::open(&os_file_system(), &path, None).unwrap();
    assert_eq!(table.properties().keyspace, keyspace);
    assert_eq!(table.filter().kind(), filter);

    for i in 0..good.len() {
        // One bit (a different one for consecutive bytes), then all bits.
        for mask in [1u8 << ((i * 3) % 8), 0xff] {
            let mut bad = good.clone();
            bad[i] ^= mask;
            let path = dir.path().join(format!("flip{i}-{mask}.sst"));
            std::fs::write(&path, &bad).unwrap();
            assert!(
                read_everything(&path, &want),
                "flip {mask:#04x} of byte {i} went unnoticed"
            );
        }
    }
    for len in 0..good.len() {
        let path = dir.path().join(format!("cut{len}.sst"));
        std::fs::write(&path, &good[..len]).unwrap();
        assert!(
            read_everything(&path, &want),
            "truncation to {len} bytes went unnoticed"
        );
    }
}

#[test]
fn every_flipped_byte_and_truncation_is_detected_uncompressed() {
    every_damage_is_detected(CompressionType::None, 0, FilterKind::default());
}

#[test]
fn every_flipped_byte_and_truncation_is_detected_lz4() {
    every_damage_is_detected(CompressionType::Lz4, 0, FilterKind::default());
}

#[test]
fn every_flipped_byte_and_truncation_is_detected_zstd() {
    every_damage_is_detected(CompressionType::zstd(), 0, FilterKind::default());
}

#[test]
fn every_flipped_byte_and_truncation_is_detected_in_a_keyspace_table() {
    every_damage_is_detected(CompressionType::None, 1, FilterKind::default());
}

#[test]
fn every_flipped_byte_and_truncation_is_detected_with_a_standard_filter() {
    every_damage_is_detected(CompressionType::None, 0, FilterKind::Standard);
}
