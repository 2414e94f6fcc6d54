//! `ferrisdb-bench`'s range-delete workloads end to end on a small
//! database: `deleterange` names each phase and its numbers hold together
//! (one range delete logs less than a delete per key, a scan across the
//! deleted range reads fewer blocks than across the keys it held, and no
//! more after compaction), and the deleted keys are gone from the database
//! it leaves; `readrandom --range_tombstones=3` misses the keys the
//! tombstones cover and finds the rest.

mod common;

use std::collections::BTreeMap;

use ferrisdb_storage::{StorageConfig, StorageEngine};
use ferrisdb_tools::bench::data::make_key;
use ferrisdb_tools::bench::live_tombstones::tombstone_ranges;

/// The numbers of each indented `  label : ...` line after `deleterange`'s
/// result line, by label.
fn measurements(out: &str) -> BTreeMap<String, Vec<i128>> {
    out.lines()
        .skip_while(|l| !l.starts_with("deleterange  : "))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|line| {
            let (label, text) = line.split_once(" : ").unwrap();
            let numbers = text
                .split(|c: char| !(c.is_ascii_digit() || c == '-' || c == '.'))
                .filter_map(|word| word.parse().ok())
                .collect();
            (label.trim().to_string(), numbers)
        })
        .collect()
}

/// `fillseq,deleterange` over 4000 keys in `mode`, deleting the middle
/// 2000; returns the output and the database.
fn delete_range(mode: &str, keyspaces: usize) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = common::run_ok(&[
        "--benchmarks=fillseq,deleterange".into(),
        "--num=4000".into(),
        "--deleterange_keys=2000".into(),
        format!("--deleterange_mode={mode}"),
        format!("--keyspaces={keyspaces}"),
        format!("--db={}", dir.path().join("db").display()),
    ]);
    (out, dir)
}

/// The keys of `0..num` missing from the database the bench left in
/// `dir`, over every keyspace.
fn keys_missing(dir: &tempfile::TempDir, num: u64, keyspaces: usize) -> Vec<u64> {
    let db = StorageEngine::open(StorageConfig::new(dir.path().join("db"))).unwrap();
    let mut keys: Vec<u64> = Vec::new();
    let names: Vec<String> = if keyspaces > 1 {
        (0..keyspaces).map(|i| format!("ks{i}")).collect()
    } else {
        vec!["default".into()]
    };
    for name in names {
        for entry in db.keyspace(&name).unwrap().iter().unwrap() {
            let key = entry.unwrap().0;
            keys.push(std::str::from_utf8(&key).unwrap().parse().unwrap());
        }
    }
    db.close().unwrap();
    keys.sort_unstable();
    (0..num)
        .filter(|i| keys.binary_search(i).is_err())
        .collect()
}

#[test]
fn deleterange_names_its_phases_and_one_range_delete_beats_point_deletes() {
    let (range_out, range_dir) = delete_range("range", 1);
    let (points_out, points_dir) = delete_range("points", 1);
    for out in [&range_out, &points_out] {
        let first = out
            .lines()
            .find(|l| l.starts_with("deleterange  : "))
            .unwrap();
        assert!(first.contains(" micros/op "), "{first}");
        assert!(
            first.contains("(2000 keys 0000000000001000 ..= 0000000000002999 by "),
            "{first}"
        );
    }
    assert!(
        range_out.contains("by 1 range delete in 1 write,"),
        "{range_out}"
    );
    assert!(
        points_out.contains("by 2000 point deletes in 2 writes,"),
        "{points_out}"
    );

    let range = measurements(&range_out);
    let points = measurements(&points_out);
    let labels = [
        "written",
        "scan before",
        "scan memtable",
        "scan flushed",
        "scan compacted",
        "tables",
        "compact",
    ];
    assert!(range.contains_key("first") && !points.contains_key("first"));
    for m in [&range, &points] {
        assert_eq!(
            m.keys().filter(|&l| l != "first").count(),
            labels.len(),
            "{m:?}"
        );
        for label in labels {
            assert!(m.contains_key(label), "no line `{label}`: {m:?}");
        }
        // Blocks, entries, blocks of the never-written range.
        let before = &m["scan before"];
        assert_eq!(before[1], 2000, "the range held its keys: {before:?}");
        for phase in ["scan memtable", "scan flushed", "scan compacted"] {
            let scan = &m[phase];
            assert_eq!(scan[1], 0, "{phase}: the deleted range is empty: {m:?}");
        }
        let compacted = m["scan compacted"][0];
        assert!(
            compacted <= m["scan memtable"][0] && compacted < before[0],
            "compaction left fewer blocks to read: {m:?}"
        );
        // Tables before, flushed and compacted, each a count and bytes,
        // then the bytes reclaimed: the deleted half's.
        let tables = &m["tables"];
        assert_eq!(tables[6], tables[1] - tables[5], "{tables:?}");
        assert!(tables[6] > tables[1] / 3, "half the keys went: {tables:?}");
    }
    // One range delete logs a few dozen bytes; 2000 point deletes log
    // every key.
    let (range_wal, points_wal) = (range["written"][0], points["written"][0]);
    assert!(range_wal < 200, "{range_wal}");
    assert!(points_wal > 2000 * 16, "{points_wal}");
    // Across a range deleted with one call, a scan reads about as many
    // blocks as one of a never-written range; across point tombstones in
    // the MemTable it reads every block the keys were in.
    let before = range["scan before"][0];
    assert!(before > 10, "the range spans {before} blocks");
    for phase in ["scan memtable", "scan flushed", "scan compacted"] {
        let scan = &range[phase];
        assert!(scan[0] <= scan[2] + 4, "{phase}: {range:?}");
    }
    assert!(points["scan memtable"][0] >= before, "{points:?}");

    // The bench leaves its database: the range is gone, the rest is there.
    let deleted: Vec<u64> = (1000..3000).collect();
    assert_eq!(keys_missing(&range_dir, 4000, 1), deleted);
    assert_eq!(keys_missing(&points_dir, 4000, 1), deleted);
}

#[test]
fn deleterange_deletes_the_range_in_every_keyspace_with_one_write() {
    let (out, dir) = delete_range("range", 3);
    assert!(out.contains("by 3 range deletes in 1 write,"), "{out}");
    let m = measurements(&out);
    assert_eq!(m["scan before"][1], 2000, "{m:?}");
    assert_eq!(m["scan compacted"][1], 0, "{m:?}");
    let deleted: Vec<u64> = (1000..3000).collect();
    assert_eq!(keys_missing(&dir, 4000, 3), deleted);
}

#[test]
fn readrandom_misses_the_keys_of_live_range_tombstones() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::run_ok(&[
        "--benchmarks=fillseq,readrandom,readrandom".into(),
        "--num=1000".into(),
        "--range_tombstones=3".into(),
        format!("--db={}", dir.path().join("db").display()),
    ]);
    let ranges = tombstone_ranges(1000, 3);
    let covered: u64 = ranges.iter().map(|(first, last)| last - first + 1).sum();
    assert_eq!(covered, 30);
    for line in out.lines().filter(|l| l.starts_with("readrandom ")) {
        let (_, note) = line.rsplit_once('(').unwrap();
        let found: u64 = note.split_whitespace().next().unwrap().parse().unwrap();
        assert!(
            note.ends_with(" of 1000 found; 3 range tombstones)"),
            "{line}"
        );
        // 1000 gets of random keys, 3% of them deleted.
        assert!((930..1000).contains(&found), "{line}");
    }
    assert_eq!(
        out.lines().filter(|l| l.starts_with("readrandom ")).count(),
        2
    );

    // The tombstones are in the database: the keys they cover are gone and
    // no other.
    let deleted: Vec<u64> = ranges
        .iter()
        .flat_map(|&(first, last)| first..=last)
        .collect();
    assert_eq!(keys_missing(&dir, 1000, 1), deleted);
    let db = StorageEngine::open(StorageConfig::new(dir.path().join("db"))).unwrap();
    for &(first, last) in &ranges {
        assert_eq!(db.get(make_key(first, 16)).unwrap(), None);
        assert!(db.get(make_key(last + 1, 16)).unwrap().is_some());
    }
    db.close().unwrap();
}
