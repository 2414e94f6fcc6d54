//! A scan's back end reads the scan's view however late it is first read:
//! scans opened on an engine, a snapshot, a keyspace and a transaction, read
//! not at all or only forwards, are read from the back (alone, interleaved
//! with the front, and on another thread) after the engine overwrote and
//! range-deleted every key, flushed, compacted, dropped the keyspace,
//! released the snapshot and closed, with `max_open_files: 1` so the scans
//! reopen their tables by name. The view holds keys with more versions than
//! a scan steps over before it seeks, point and range deletes in tables and
//! in the MemTable.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Keyspace, Result, Slice, StorageConfig, StorageEngine, TransactionScan};

/// Keys and values as text, so a failure prints readably.
type Model = BTreeMap<String, String>;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        max_open_files: 1,
        target_file_size: 4 << 10,
        block_size: 256,
        disable_auto_compactions: true,
        ..StorageConfig::new("/db")
    }
}

fn key(i: u32) -> String {
    format!("k{i:03}")
}

/// Writes step `step` of the scans' view to `db` (or to `ks`), tracking it
/// in `model`: 0, the keys, to be compacted into level 1; 1, twelve versions
/// of every seventh key (more than a scan steps over before it seeks),
/// deletes and a range delete, to be flushed into level 0; 2, the MemTable's
/// writes and a range delete of its own.
fn write_view(db: &StorageEngine, ks: Option<&Keyspace>, step: u32, model: &mut Model) {
    let put = |k: &str, v: &str| match ks {
        Some(ks) => ks.put(k, v).map(drop),
        None => db.put(k, v).map(drop),
    };
    let mut put_all = |keys: &mut dyn Iterator<Item = u32>, value: &dyn Fn(u32) -> String| {
        for i in keys {
            put(&key(i), &value(i)).unwrap();
            model.insert(key(i), value(i));
        }
    };
    match step {
        0 => put_all(&mut (0..300), &|i| format!("first {i}")),
        1 => {
            for version in 0..12 {
                let value = |i| format!("hot {i} version {version}");
                put_all(&mut (0..300).step_by(7), &value);
            }
            for i in (0..300).step_by(11) {
                match ks {
                    Some(ks) => ks.delete(key(i)).map(drop),
                    None => db.delete(key(i)).map(drop),
                }
                .unwrap();
                model.remove(&key(i));
            }
        }
        _ => put_all(&mut (150..160), &|i| format!("memtable {i}")),
    }
    let (from, to) = match step {
        0 => return,
        1 => (key(100), key(120)),
        _ => (key(200), key(210)),
    };
    match ks {
        Some(ks) => ks.delete_range(from.as_str()..to.as_str()).map(drop),
        None => db.delete_range(from.as_str()..to.as_str()).map(drop),
    }
    .unwrap();
    model.retain(|k, _| !(from <= *k && *k < to));
}

/// Overwrites and deletes every key the view holds, and moves it through
/// flushes and compactions.
fn move_on(db: &StorageEngine) {
    for i in 0..300 {
        db.put(key(i), b"after the scan").unwrap();
    }
    db.flush().unwrap();
    db.delete_range(key(50)..key(250)).unwrap();
    db.put(key(400), b"after the scan").unwrap();
    db.flush().unwrap();
    db.compact().unwrap();
}

fn owned(item: Result<(Slice, Slice)>) -> (String, String) {
    let (k, v) = item.unwrap();
    let text = |s: Slice| String::from_utf8(s.to_vec()).unwrap();
    (text(k), text(v))
}

fn in_range(model: &Model, from: u32, to: u32) -> Model {
    model
        .range(key(from)..key(to))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Everything `scan` yields, read from the back only.
fn backwards<I: DoubleEndedIterator<Item = Result<(Slice, Slice)>>>(scan: I) -> Model {
    let items: Vec<_> = scan.rev().map(owned).collect();
    assert!(items.windows(2).all(|w| w[0].0 > w[1].0), "out of order");
    items.into_iter().collect()
}

/// Everything `scan` yields, read from both ends in turn, the back first
/// if `back_first`, until they meet; `front` pairs were read from the front
/// already. Which end comes first decides which one finds the other.
fn interleaved<I: DoubleEndedIterator<Item = Result<(Slice, Slice)>>>(
    mut scan: I,
    front: Vec<(String, String)>,
    back_first: bool,
) -> Model {
    let (mut front, mut back) = (front, Vec::new());
    let mut from_back = back_first;
    loop {
        let (step, into) = if from_back {
            (scan.next_back(), &mut back)
        } else {
            (scan.next(), &mut front)
        };
        let Some(item) = step else { break };
        into.push(owned(item));
        from_back = !from_back;
    }
    assert!(scan.next().is_none() && scan.next_back().is_none());
    let items: Vec<_> = front.into_iter().chain(back.into_iter().rev()).collect();
    assert!(items.windows(2).all(|w| w[0].0 < w[1].0), "a key twice");
    items.into_iter().collect()
}

#[test]
fn a_scan_first_read_from_the_back_after_the_engine_moved_on_reads_its_view() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let ks = db.keyspace("ks").unwrap();
    let (mut view, mut ks_view) = (Model::new(), Model::new());
    for step in 0..3 {
        write_view(&db, None, step, &mut view);
        write_view(&db, Some(&ks), step, &mut ks_view);
        match step {
            0 => db.compact().unwrap(),
            1 => db.flush().unwrap(),
            _ => {}
        }
    }
    assert!(db.stats().levels[1].tables > 1, "{:?}", db.stats().levels);
    assert!(db.stats().levels[0].tables >= 1);

    let untouched = db.iter().unwrap();
    let mut read_forwards = db.scan(key(20)..key(280)).unwrap();
    let front: Vec<_> = read_forwards.by_ref().take(5).map(owned).collect();
    let sent = db.scan_prefix("k1").unwrap();
    let snapshot = db.snapshot().unwrap();
    let of_snapshot = snapshot.scan(key(90)..=key(215)).unwrap();
    let made_later = db.keyspace("later").unwrap();
    made_later.put("k", "after the snapshot").unwrap();
    let of_empty_keyspace = snapshot.iter_in(&made_later).unwrap();
    let of_keyspace = ks.iter().unwrap();
    let mut tx = db.transaction().unwrap();
    tx.put(key(105), "the transaction's").unwrap();
    let of_transaction: TransactionScan = tx.scan(key(100)..key(110)).unwrap();
    let mut tx_view = in_range(&view, 100, 110);
    tx_view.insert(key(105), "the transaction's".to_owned());

    move_on(&db);
    for i in 0..300 {
        ks.put(key(i), b"after the scan").unwrap();
    }
    drop(tx);
    drop(snapshot);
    db.drop_keyspace("ks").unwrap();
    db.compact().unwrap();
    db.wait_for_compactions().unwrap();
    db.close().unwrap();

    assert_eq!(backwards(untouched), view, "the engine's scan");
    let from_20 = in_range(&view, 20, 280);
    assert_eq!(
        interleaved(read_forwards, front, false),
        from_20,
        "read forwards first"
    );
    let prefix: Model = view
        .iter()
        .filter(|(k, _)| k.starts_with("k1"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let from_thread = std::thread::spawn(move || backwards(sent)).join().unwrap();
    assert_eq!(from_thread, prefix, "the prefix scan, on another thread");
    let snapshot_view: Model = view
        .range(key(90)..=key(215))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(interleaved(of_snapshot, Vec::new(), true), snapshot_view);
    assert_eq!(backwards(of_empty_keyspace), Model::new());
    assert_eq!(backwards(of_keyspace), ks_view, "the dropped keyspace");
    assert_eq!(backwards(of_transaction), tx_view, "the transaction's scan");
}
