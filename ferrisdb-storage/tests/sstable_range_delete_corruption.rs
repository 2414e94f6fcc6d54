//! Tables with a range-delete block, damaged in every single-byte way: each
//! byte flipped (one bit, then all eight) and the file cut at every length.
//! Opening and reading each must give the undamaged table's answers (its
//! points, its range tombstones) or a corruption error naming the table:
//! never a panic, never other data, never tombstones lost or changed.
//! One table holds points, a keyspace and range tombstones of several
//! fragments; one holds range tombstones only.

use std::path::Path;
use std::sync::Arc;

use ferrisdb_core::{InternalKey, RangeTombstone};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
use ferrisdb_storage::internals::range_del::FragmentedTombstones;
use ferrisdb_storage::internals::sstable::{TableBuilder, TableOptions, TableReader};
use ferrisdb_storage::sstable::{Cursor, FilterKind};
use ferrisdb_storage::{CompressionType, Error, Operation};

const TABLE: &str = "/db/000001.sst";

/// Everything a reader answers of a table: its points in order, and its
/// range tombstones.
type Answers = (Vec<(InternalKey, Operation, Vec<u8>)>, FragmentedTombstones);

fn tombstones() -> FragmentedTombstones {
    FragmentedTombstones::from_tombstones(vec![
        RangeTombstone::new(b"k1".to_vec(), Some(b"k5".to_vec()), 6),
        RangeTombstone::new(b"k3".to_vec(), Some(b"k9".to_vec()), 11),
        RangeTombstone::new(b"m".to_vec(), Some(b"m\x00".to_vec()), 2),
    ])
}

fn build(fs: &SharedFileSystem, points: bool) -> Vec<u8> {
    let options = TableOptions {
        block_size: 40,
        restart_interval: 2,
        compression: CompressionType::None,
        bloom_bits_per_key: 10,
        filter: FilterKind::default(),
        keyspace: if points { 3 } else { 0 },
    };
    let mut w = TableBuilder::create(Arc::clone(fs), TABLE, options).unwrap();
    if points {
        for i in 0..6u8 {
            let key = [b'k', b'0' + i * 2];
            w.add_parts(&key, 9, Operation::Put, &[b'a' + i; 5])
                .unwrap();
            w.add_parts(&key, 4, Operation::Delete, b"").unwrap();
        }
    }
    w.add_range_tombstones(&tombstones()).unwrap();
    w.finish().unwrap();
    fs.read_all(Path::new(TABLE)).unwrap()
}

/// Writes `bytes` as the table and reads everything from it: the answers,
/// or the first error.
fn read(fs: &SharedFileSystem, bytes: &[u8]) -> Result<Answers, Error> {
    let path = Path::new(TABLE);
    let _ = fs.remove(path);
    let mut file = fs.create(path).unwrap();
    file.append(bytes).unwrap();
    file.sync().unwrap();
    drop(file);
    let table = TableReader::open(fs, path, None)?;
    let mut points = Vec::new();
    let mut it = table.iter();
    it.seek_to_first()?;
    while it.valid() {
        points.push((it.internal_key(), it.operation(), it.value().to_vec()));
        it.next()?;
    }
    for (key, op, value) in &points {
        let got = table
            .get(&key.user_key, key.timestamp)?
            .expect("a point read finds it");
        assert_eq!((got.operation, &got.value[..]), (*op, &value[..]));
    }
    table.verify()?;
    Ok((points, (**table.range_tombstones()).clone()))
}

fn every_damage_is_detected_or_harmless(points: bool) {
    let fault = FaultFileSystem::new();
    fault.create_dir_all(Path::new("/db")).unwrap();
    let fs: SharedFileSystem = Arc::new(fault);
    let good = build(&fs, points);
    let want = read(&fs, &good).unwrap();
    assert_eq!(want.1, tombstones());
    assert_eq!(want.0.len(), if points { 12 } else { 0 });
    let (mut tried, mut detected) = (0, 0);
    let mut check = |bytes: &[u8], what: &str| {
        tried += 1;
        match read(&fs, bytes) {
            Ok(got) => assert_eq!(got, want, "{what}: other data"),
            Err(e) => {
                assert!(e.is_corruption(), "{what}: not corruption: {e}");
                assert!(e.to_string().contains("000001.sst"), "{what}: {e}");
                detected += 1;
            }
        }
    };
    for i in 0..good.len() {
        for mask in [1u8 << ((i * 3) % 8), 0xff] {
            let mut bad = good.clone();
            bad[i] ^= mask;
            check(&bad, &format!("flip {mask:#04x} of byte {i}"));
        }
    }
    for len in 0..good.len() {
        check(&good[..len], &format!("cut to {len} bytes"));
    }
    // Checksums cover every byte: each damage is detected.
    assert_eq!((tried, detected), (3 * good.len(), 3 * good.len()));
}

#[test]
fn every_flip_and_cut_of_a_table_with_points_and_range_tombstones() {
    every_damage_is_detected_or_harmless(true);
}

#[test]
fn every_flip_and_cut_of_a_table_of_only_range_tombstones() {
    every_damage_is_detected_or_harmless(false);
}
