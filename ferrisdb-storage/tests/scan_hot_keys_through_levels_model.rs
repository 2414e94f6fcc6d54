//! Scans over keys with many versions spread over the MemTable, level-0
//! tables and compacted levels (snapshots pin the versions), with point and
//! range deletes among them: every snapshot reads, forwards, backwards and
//! from both ends at once, what a model of the history says, over random
//! ranges. The scan seeks past the versions of a key after a few steps
//! instead of stepping over each, so many versions in several sources is
//! where it could skip or repeat a key.

use std::collections::BTreeMap;
use std::ops::Bound;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use ferrisdb_storage::{Snapshot, StorageConfig, StorageEngine};

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

const KEYS: [&str; 6] = ["a", "b", "c", "c\0", "d", "e"];

fn key(rng: &mut StdRng) -> &'static str {
    // Mostly the hot key `c`.
    if rng.random_bool(0.7) {
        "c"
    } else {
        KEYS[rng.random_range(0..KEYS.len())]
    }
}

fn bound(rng: &mut StdRng) -> Bound<Vec<u8>> {
    let k = KEYS[rng.random_range(0..KEYS.len())].as_bytes().to_vec();
    match rng.random_range(0..3) {
        0 => Bound::Unbounded,
        1 => Bound::Included(k),
        _ => Bound::Excluded(k),
    }
}

fn expected(model: &Model, range: &(Bound<Vec<u8>>, Bound<Vec<u8>>)) -> Vec<(Vec<u8>, Vec<u8>)> {
    model
        .range::<Vec<u8>, _>(range.clone())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn check(snapshot: &Snapshot, model: &Model, rng: &mut StdRng) {
    for _ in 0..6 {
        let range = (bound(rng), bound(rng));
        // An empty range the model's map refuses; the scans of such are
        // other tests'.
        let empty = match &range {
            (Bound::Included(s), Bound::Included(e)) => s > e,
            (Bound::Included(s) | Bound::Excluded(s), Bound::Included(e) | Bound::Excluded(e)) => {
                s >= e
            }
            _ => false,
        };
        if empty {
            continue;
        }
        let want = expected(model, &range);
        let owned = |item: ferrisdb_storage::Result<(_, _)>| {
            let (k, v): (ferrisdb_storage::Slice, ferrisdb_storage::Slice) = item.unwrap();
            (k.to_vec(), v.to_vec())
        };
        let forward: Vec<_> = snapshot.scan(range.clone()).unwrap().map(owned).collect();
        assert_eq!(
            forward,
            want,
            "forwards at {} over {range:?}",
            snapshot.timestamp()
        );
        let mut backward: Vec<_> = snapshot
            .scan(range.clone())
            .unwrap()
            .rev()
            .map(owned)
            .collect();
        backward.reverse();
        assert_eq!(
            backward,
            want,
            "backwards at {} over {range:?}",
            snapshot.timestamp()
        );
        let mut both = snapshot.scan(range.clone()).unwrap();
        let (mut head, mut tail) = (Vec::new(), Vec::new());
        loop {
            let front = rng.random_bool(0.5);
            let item = if front { both.next() } else { both.next_back() };
            match item {
                Some(item) if front => head.push(owned(item)),
                Some(item) => tail.push(owned(item)),
                None => break,
            }
        }
        tail.reverse();
        head.extend(tail);
        assert_eq!(
            head,
            want,
            "both ends at {} over {range:?}",
            snapshot.timestamp()
        );
        for k in KEYS {
            let got = snapshot.get(k).unwrap().map(|v| v.to_vec());
            assert_eq!(
                got.as_ref(),
                model.get(k.as_bytes()),
                "get {k} at {}",
                snapshot.timestamp()
            );
        }
    }
}

#[test]
fn hot_keys_in_every_source_scan_as_the_model_at_every_snapshot() {
    for seed in 0..4u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let dir = tempfile::tempdir().unwrap();
        let db = StorageEngine::open(StorageConfig {
            disable_auto_compactions: true,
            ..StorageConfig::new(dir.path())
        })
        .unwrap();
        let mut model = Model::new();
        let mut snapshots: Vec<(Snapshot, Model)> = Vec::new();
        for i in 0..1500 {
            match rng.random_range(0..100) {
                0..80 => {
                    let k = key(&mut rng);
                    let v = format!("{k}{i}").into_bytes();
                    db.put(k, &v).unwrap();
                    model.insert(k.as_bytes().to_vec(), v);
                }
                80..94 => {
                    let k = key(&mut rng);
                    db.delete(k).unwrap();
                    model.remove(k.as_bytes());
                }
                94..97 => {
                    let (s, e) = ("c", "c\0");
                    db.delete_range(s..e).unwrap();
                    model.retain(|k, _| {
                        !(k.as_slice() >= s.as_bytes() && k.as_slice() < e.as_bytes())
                    });
                }
                _ => {
                    let (s, e) = ("b", "d");
                    db.delete_range(s..e).unwrap();
                    model.retain(|k, _| {
                        !(k.as_slice() >= s.as_bytes() && k.as_slice() < e.as_bytes())
                    });
                }
            }
            // Snapshots pin versions; some are let go again.
            if rng.random_bool(0.15) {
                snapshots.push((db.snapshot().unwrap(), model.clone()));
            }
            if rng.random_bool(0.02) && !snapshots.is_empty() {
                let at = rng.random_range(0..snapshots.len());
                snapshots.swap_remove(at);
            }
            match rng.random_range(0..1000) {
                0..6 => db.flush().unwrap(),
                6..8 => db.compact().unwrap(),
                _ => {}
            }
        }
        snapshots.push((db.snapshot().unwrap(), model.clone()));
        for (snapshot, model) in &snapshots {
            check(snapshot, model, &mut rng);
        }
        // And again once everything is in tables.
        db.flush().unwrap();
        for (snapshot, model) in &snapshots {
            check(snapshot, model, &mut rng);
        }
        db.compact().unwrap();
        for (snapshot, model) in &snapshots {
            check(snapshot, model, &mut rng);
        }
    }
}
