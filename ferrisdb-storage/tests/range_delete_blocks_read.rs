//! A scan across a range that held many keys and was deleted with one call
//! reads about as many blocks as a scan of an empty range (issue 20), in
//! `stats().blocks_read`: the scan seeks the tables past the deleted range
//! instead of stepping over every covered key, whether the range delete is
//! in the MemTable or flushed into a table, and after a compaction dropped
//! the keys. Flushes and compactions do not count as reads; a `get` under
//! the range delete in the MemTable reads no block.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Result, Slice, StorageConfig, StorageEngine};

fn keys(scan: impl Iterator<Item = Result<(Slice, Slice)>>) -> Vec<String> {
    scan.map(|item| String::from_utf8(item.unwrap().0.to_vec()).unwrap())
        .collect()
}

#[test]
fn a_scan_across_a_deleted_range_reads_about_as_many_blocks_as_an_empty_one() {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        block_size: 256,
        ..StorageConfig::new("/db")
    })
    .unwrap();
    let blocks = || db.stats().blocks_read;
    let value = "v".repeat(100);
    for i in 0..100 {
        db.put(format!("a{i:03}"), &value).unwrap();
        db.put(format!("z{i:03}"), &value).unwrap();
    }
    for i in 0..20_000 {
        db.put(format!("k{i:06}"), &value).unwrap();
    }
    db.flush().unwrap();
    db.compact().unwrap();
    assert_eq!(blocks(), 0, "flushes and compactions are not reads");
    let levels = db.stats().levels.iter().filter(|l| l.tables > 0).count() as u64;

    let measure = |scan: &dyn Fn() -> Vec<String>| {
        let before = blocks();
        let found = scan();
        (found, blocks() - before)
    };
    let (found, full) = measure(&|| keys(db.scan("k".."l").unwrap()));
    assert_eq!(found.len(), 20_000);
    let (found, empty) = measure(&|| keys(db.scan("m".."n").unwrap()));
    assert!(found.is_empty());
    let (found, around) = measure(&|| {
        let mut found = keys(db.scan(.."b").unwrap());
        found.extend(keys(db.scan("y"..).unwrap()));
        found
    });
    assert_eq!(found.len(), 200);

    // One range delete over the 20 000 keys, in the MemTable.
    db.delete_range("k".."l").unwrap();
    let (found, deleted) = measure(&|| keys(db.scan("k".."l").unwrap()));
    assert!(found.is_empty(), "{found:?}");
    let (found, deleted_back) = measure(&|| keys(db.scan("k".."l").unwrap().rev()));
    assert!(found.is_empty(), "{found:?}");
    let (found, whole) = measure(&|| keys(db.iter().unwrap()));
    assert_eq!(found.len(), 200);
    assert_eq!((found[99].as_str(), found[100].as_str()), ("a099", "z000"));

    // About as many as an empty range: one block per level where the scan
    // starts, one where it lands past the deleted range.
    assert!(full > 1000, "the range holds {full} blocks");
    for cost in [deleted, deleted_back] {
        assert!(
            cost <= empty + 2 * levels,
            "{cost} blocks across the deleted range, {empty} across an empty one ({levels} levels)"
        );
    }
    assert!(
        whole <= around + 2 * levels,
        "{whole} blocks for the whole database, {around} for the keys around the range"
    );

    // A get under the MemTable's range delete reads no block; one outside
    // it reads one.
    let before = blocks();
    assert_eq!(db.get("k001234").unwrap(), None);
    assert_eq!(blocks(), before);
    assert!(db.get("a001").unwrap().is_some());
    assert_eq!(blocks(), before + 1);

    // With the range delete flushed into a table of its own, then compacted
    // away with the keys it hides: still about an empty range's blocks.
    for step in ["flush", "compact"] {
        match step {
            "flush" => db.flush().unwrap(),
            _ => db.compact().unwrap(),
        }
        let levels = db.stats().levels.iter().filter(|l| l.tables > 0).count() as u64;
        for reverse in [false, true] {
            let (found, cost) = measure(&|| {
                let scan = db.scan("k".."l").unwrap();
                if reverse {
                    keys(scan.rev())
                } else {
                    keys(scan)
                }
            });
            assert!(found.is_empty(), "after {step}: {found:?}");
            assert!(
                cost <= empty + 2 * levels,
                "after {step}: {cost} blocks across the deleted range ({levels} levels)"
            );
        }
    }
}
