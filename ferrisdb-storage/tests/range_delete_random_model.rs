//! A seeded random model test of range deletes with what
//! `engine_model_range_deletes.rs` does not vary: many keys (so compaction
//! outputs of the smallest `target_file_size` are cut between tombstones),
//! `max_open_files = 1`, 128-byte blocks, fills of consecutive keys, ranges
//! of every bound shape over them, snapshots read after flushes and
//! compactions, reopens and power losses, in both compaction styles.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{
    CompactionStyle, LeveledOptions, SizeTieredOptions, Snapshot, StorageConfig, StorageEngine,
    SyncMode, WriteBatch,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

type Map = BTreeMap<Vec<u8>, Vec<u8>>;
type Range = (Bound<Vec<u8>>, Bound<Vec<u8>>);

const KEYS: u32 = 300;

fn config(fs: &FaultFileSystem, style: CompactionStyle) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Full,
        memtable_size: 4 << 10,
        max_immutable_memtables: 2,
        block_size: 256,
        max_open_files: 1,
        compaction_style: style,
        target_file_size: 4 << 10,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    }
}

fn key(rng: &mut StdRng) -> Vec<u8> {
    let n = rng.random_range(0..KEYS);
    match rng.random_range(0..10) {
        0 => format!("k{n:03}x").into_bytes(),
        1 => {
            let mut k = format!("k{n:03}").into_bytes();
            k.push(0xff);
            k
        }
        _ => format!("k{n:03}").into_bytes(),
    }
}

fn bound(rng: &mut StdRng) -> Bound<Vec<u8>> {
    match rng.random_range(0..6) {
        0 => Bound::Unbounded,
        1 | 2 => Bound::Excluded(key(rng)),
        _ => Bound::Included(key(rng)),
    }
}

fn range(rng: &mut StdRng) -> Range {
    let (a, b) = (bound(rng), bound(rng));
    // Mostly in order.
    let key_of = |b: &Bound<Vec<u8>>| match b {
        Bound::Included(k) | Bound::Excluded(k) => Some(k.clone()),
        Bound::Unbounded => None,
    };
    match (key_of(&a), key_of(&b)) {
        (Some(x), Some(y)) if x > y && rng.random_range(0..8) > 0 => (b, a),
        _ => (a, b),
    }
}

fn contains(r: &Range, k: &[u8]) -> bool {
    let lower = match &r.0 {
        Bound::Unbounded => true,
        Bound::Included(s) => k >= s.as_slice(),
        Bound::Excluded(s) => k > s.as_slice(),
    };
    let upper = match &r.1 {
        Bound::Unbounded => true,
        Bound::Included(e) => k <= e.as_slice(),
        Bound::Excluded(e) => k < e.as_slice(),
    };
    lower && upper
}

fn prefix(rng: &mut StdRng) -> Vec<u8> {
    let n = rng.random_range(0..KEYS);
    let full = format!("k{n:03}");
    match rng.random_range(0..8) {
        0 => Vec::new(),
        1 => vec![b'k', 0xff],
        2 => {
            let mut p = full.into_bytes();
            p.push(0xff);
            p
        }
        l => full.as_bytes()[..(l as usize % 4) + 1].to_vec(),
    }
}

fn value(step: usize, i: usize, rng: &mut StdRng) -> Vec<u8> {
    let mut v = format!("{step}.{i}:").into_bytes();
    v.resize(v.len() + rng.random_range(0..60), b'.');
    v
}

enum Op {
    Put(Vec<u8>, Vec<u8>),
    Delete(Vec<u8>),
    Range(Range),
    Prefix(Vec<u8>),
}

fn apply(model: &mut Map, op: &Op) {
    match op {
        Op::Put(k, v) => {
            model.insert(k.clone(), v.clone());
        }
        Op::Delete(k) => {
            model.remove(k);
        }
        Op::Range(r) => model.retain(|k, _| !contains(r, k)),
        Op::Prefix(p) => model.retain(|k, _| !k.starts_with(p)),
    }
}

fn show(pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<String> {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", k.escape_ascii(), String::from_utf8_lossy(v)))
        .collect()
}

fn collect(mut scan: ferrisdb_storage::Scan, how: u8) -> Vec<(Vec<u8>, Vec<u8>)> {
    let pair = |i: ferrisdb_storage::Result<(ferrisdb_storage::Slice, ferrisdb_storage::Slice)>| {
        let (k, v) = i.unwrap();
        (k.to_vec(), v.to_vec())
    };
    match how % 3 {
        0 => scan.map(pair).collect(),
        1 => {
            let mut v: Vec<_> = scan.rev().map(pair).collect();
            v.reverse();
            v
        }
        _ => {
            let (mut front, mut back) = (Vec::new(), Vec::new());
            for step in 0u32.. {
                let item = if (step * 7 + u32::from(how)) % 3 == 0 {
                    scan.next_back().map(|i| back.push(pair(i)))
                } else {
                    scan.next().map(|i| front.push(pair(i)))
                };
                if item.is_none() {
                    break;
                }
            }
            front.extend(back.into_iter().rev());
            front
        }
    }
}

fn expected(model: &Map, r: &Range) -> Vec<(Vec<u8>, Vec<u8>)> {
    model
        .iter()
        .filter(|(k, _)| contains(r, k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

struct Run {
    fs: FaultFileSystem,
    style: CompactionStyle,
    db: StorageEngine,
    model: Map,
    snapshots: Vec<(Snapshot, Map)>,
    log: Vec<String>,
}

impl Run {
    fn fail(&self, what: String) -> ! {
        let tail: Vec<_> = self.log.iter().rev().take(40).rev().cloned().collect();
        panic!("{what}\nlast steps:\n{}", tail.join("\n"));
    }

    fn check_all(&self, when: &str) {
        let all = (Bound::Unbounded, Bound::Unbounded);
        for how in 0..3 {
            let got = collect(self.db.iter().unwrap(), how);
            let want = expected(&self.model, &all);
            if got != want {
                self.fail(format!(
                    "{when}: full scan ({how}) differs\n got {:?}\nwant {:?}",
                    show(&got),
                    show(&want)
                ));
            }
        }
        for (i, (snapshot, model)) in self.snapshots.iter().enumerate() {
            let got = collect(snapshot.iter().unwrap(), i as u8);
            let want = expected(model, &all);
            if got != want {
                self.fail(format!(
                    "{when}: snapshot {i} at {} scan differs\n got {:?}\nwant {:?}",
                    snapshot.timestamp(),
                    show(&got),
                    show(&want)
                ));
            }
            for n in 0..KEYS {
                let k = format!("k{n:03}").into_bytes();
                let got = snapshot.get(&k).unwrap().map(|v| v.to_vec());
                if got.as_ref() != model.get(&k) {
                    self.fail(format!(
                        "{when}: snapshot {i} get {} = {:?}, want {:?}",
                        k.escape_ascii(),
                        got.map(|v| String::from_utf8_lossy(&v).into_owned()),
                        model
                            .get(&k)
                            .map(|v| String::from_utf8_lossy(v).into_owned())
                    ));
                }
            }
        }
        for n in 0..KEYS {
            let k = format!("k{n:03}").into_bytes();
            let got = self.db.get(&k).unwrap().map(|v| v.to_vec());
            if got.as_ref() != self.model.get(&k) {
                self.fail(format!(
                    "{when}: get {} = {:?}, want {:?}",
                    k.escape_ascii(),
                    got.map(|v| String::from_utf8_lossy(&v).into_owned()),
                    self.model
                        .get(&k)
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                ));
            }
        }
    }

    fn step(&mut self, at: usize, rng: &mut StdRng) {
        match rng.random_range(0..100) {
            0..=29 => {
                let (k, v) = (key(rng), value(at, 0, rng));
                self.log.push(format!("{at}: put {}", k.escape_ascii()));
                self.db.put(&k, &v).unwrap();
                apply(&mut self.model, &Op::Put(k, v));
            }
            30..=37 => {
                let from = rng.random_range(0..KEYS);
                let count = rng.random_range(10..80);
                self.log.push(format!("{at}: fill k{from:03} +{count}"));
                for i in 0..count {
                    let k = format!("k{:03}", (from + i) % KEYS).into_bytes();
                    let v = value(at, i as usize, rng);
                    self.db.put(&k, &v).unwrap();
                    apply(&mut self.model, &Op::Put(k, v));
                }
            }
            38..=44 => {
                let k = key(rng);
                self.log.push(format!("{at}: delete {}", k.escape_ascii()));
                self.db.delete(&k).unwrap();
                apply(&mut self.model, &Op::Delete(k));
            }
            45..=50 => {
                let r = range(rng);
                self.log.push(format!("{at}: delete_range {r:?}"));
                self.db.delete_range(r.clone()).unwrap();
                apply(&mut self.model, &Op::Range(r));
            }
            51..=53 => {
                let p = prefix(rng);
                self.log
                    .push(format!("{at}: delete_prefix {}", p.escape_ascii()));
                self.db.delete_prefix(&p).unwrap();
                apply(&mut self.model, &Op::Prefix(p));
            }
            54..=59 => {
                let mut batch = WriteBatch::new();
                let mut ops = Vec::new();
                for i in 0..rng.random_range(2..7) {
                    let op = match rng.random_range(0..5) {
                        0 | 1 => Op::Put(key(rng), value(at, i, rng)),
                        2 => Op::Delete(key(rng)),
                        3 => Op::Range(range(rng)),
                        _ => Op::Prefix(prefix(rng)),
                    };
                    match &op {
                        Op::Put(k, v) => batch.put(k, v),
                        Op::Delete(k) => batch.delete(k),
                        Op::Range(r) => batch.delete_range(r.clone()),
                        Op::Prefix(p) => batch.delete_prefix(p),
                    };
                    ops.push(op);
                }
                self.log.push(format!("{at}: batch of {}", ops.len()));
                self.db.write(batch).unwrap();
                for op in &ops {
                    apply(&mut self.model, op);
                }
            }
            60..=63 => {
                if self.snapshots.len() == 4 {
                    self.snapshots.remove(0);
                }
                let s = self.db.snapshot().unwrap();
                self.log
                    .push(format!("{at}: snapshot at {}", s.timestamp()));
                self.snapshots.push((s, self.model.clone()));
            }
            64..=65 => {
                if !self.snapshots.is_empty() {
                    let i = rng.random_range(0..self.snapshots.len());
                    self.log.push(format!("{at}: release snapshot {i}"));
                    self.snapshots.remove(i);
                }
            }
            66..=70 => {
                self.log.push(format!("{at}: flush"));
                self.db.flush().unwrap();
                self.check_all(&format!("step {at} after flush"));
            }
            71..=73 => {
                self.log.push(format!("{at}: compact"));
                self.db.compact().unwrap();
                self.check_all(&format!("step {at} after compact"));
            }
            74..=75 => {
                self.log.push(format!("{at}: wait"));
                self.db.wait_for_compactions().unwrap();
                self.check_all(&format!("step {at} after wait"));
            }
            76 => {
                self.log.push(format!("{at}: reopen"));
                self.snapshots.clear();
                self.db.clone().close().unwrap();
                self.db = StorageEngine::open(config(&self.fs, self.style)).unwrap();
                self.check_all(&format!("step {at} after reopen"));
            }
            77 => {
                self.log.push(format!("{at}: crash"));
                self.snapshots.clear();
                self.fs = self.fs.crash();
                self.db = StorageEngine::open(config(&self.fs, self.style)).unwrap();
                self.check_all(&format!("step {at} after crash"));
            }
            78..=89 => {
                let r = range(rng);
                let how = rng.random_range(0..3u8);
                let got = collect(self.db.scan(r.clone()).unwrap(), how);
                let want = expected(&self.model, &r);
                if got != want {
                    self.fail(format!(
                        "step {at}: scan {r:?} ({how})\n got {:?}\nwant {:?}",
                        show(&got),
                        show(&want)
                    ));
                }
            }
            90..=94 => {
                if !self.snapshots.is_empty() {
                    let i = rng.random_range(0..self.snapshots.len());
                    let r = range(rng);
                    let how = rng.random_range(0..3u8);
                    let (s, m) = &self.snapshots[i];
                    let got = collect(s.scan(r.clone()).unwrap(), how);
                    let want = expected(m, &r);
                    if got != want {
                        self.fail(format!(
                            "step {at}: snapshot {i} scan {r:?} ({how})\n got {:?}\nwant {:?}",
                            show(&got),
                            show(&want)
                        ));
                    }
                }
            }
            _ => {
                let p = prefix(rng);
                let got = collect(self.db.scan_prefix(&p).unwrap(), 0);
                let want: Vec<_> = self
                    .model
                    .iter()
                    .filter(|(k, _)| k.starts_with(&p))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if got != want {
                    self.fail(format!(
                        "step {at}: scan_prefix {}\n got {:?}\nwant {:?}",
                        p.escape_ascii(),
                        show(&got),
                        show(&want)
                    ));
                }
            }
        }
    }
}

fn run(style: CompactionStyle, seeds: std::ops::Range<u64>, steps: usize) {
    for seed in seeds {
        let mut rng = StdRng::seed_from_u64(seed);
        let fs = FaultFileSystem::new();
        let db = StorageEngine::open(config(&fs, style)).unwrap();
        let mut r = Run {
            fs,
            style,
            db,
            model: Map::new(),
            snapshots: Vec::new(),
            log: vec![format!("seed {seed}")],
        };
        for at in 0..steps {
            r.step(at, &mut rng);
        }
        r.db.wait_for_compactions().unwrap();
        r.check_all(&format!("seed {seed} end"));
        r.snapshots.clear();
        r.db.compact().unwrap();
        r.check_all(&format!("seed {seed} end, compacted"));
    }
}

fn seeds() -> u64 {
    std::env::var("RANGE_DELETE_MODEL_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6)
}

#[test]
fn leveled() {
    run(
        CompactionStyle::Leveled(LeveledOptions {
            level0_file_num_compaction_trigger: 2,
            max_bytes_for_level_base: 8 << 10,
            max_bytes_for_level_multiplier: 2,
        }),
        0..seeds(),
        600,
    );
}

#[test]
fn size_tiered() {
    run(
        CompactionStyle::SizeTiered(SizeTieredOptions {
            min_merge_width: 2,
            max_size_amplification_percent: 150,
        }),
        1000..1000 + seeds(),
        600,
    );
}
