//! Model test: random transactions interleaved with plain writes, against
//! a `BTreeMap`.
//!
//! Up to four transactions are open at once, kept open across other
//! commits. Each `get`s, scans (a range forwards, backwards, from both ends
//! at once, with bounds of every shape, by prefix, the whole keyspace),
//! puts, deletes, deletes ranges and prefixes, in `default` and in a
//! keyspace; between their steps plain writes (puts, deletes, range and
//! prefix deletes, batches across both keyspaces) commit, and the
//! transactions commit or roll back. Small MemTables flush under their
//! snapshots, and the database is now and then closed and reopened.
//!
//! The model keeps, per transaction, its snapshot with its own writes over
//! it (what every read of the transaction must return), and what it read
//! from the snapshot: the keys it `get` that its own writes did not
//! answer, and every range it scanned. It logs every committed write.
//!
//! Promise: every read of a transaction is its snapshot with its own
//! writes over it; a commit fails, with `TransactionConflict`, exactly when
//! a write committed after the transaction began touched a key it read or
//! a range it scanned (a put or delete of a key in it, a range delete
//! meeting it), and never when it wrote nothing; a commit that succeeds
//! applies its writes in order; and the database equals the model of
//! committed writes after every step and after each reopen.
//!
//! `FERRISDB_MODEL_SEEDS` (default 3) sets the number of seeds.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{
    Keyspace, StorageConfig, StorageEngine, Transaction, TransactionScan, WriteBatch,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

type Key = Vec<u8>;
/// `(keyspace: 0 default, 1 "ks", key) -> value`.
type Model = BTreeMap<(u8, Key), Key>;
type Pairs = Vec<(Key, Key)>;

const KEYS: u32 = 40;
const STEPS: usize = 1500;

/// A write: a put, a delete, or a range delete of `[start, end)` (`None`:
/// unbounded), in keyspace 0 or 1.
#[derive(Debug, Clone)]
enum Write {
    Put(u8, Key, Key),
    Delete(u8, Key),
    Range(u8, Key, Option<Key>),
}

fn covers(start: &[u8], end: &Option<Key>, key: &[u8]) -> bool {
    start <= key && end.as_ref().is_none_or(|e| key < e.as_slice())
}

fn meet(s1: &[u8], e1: &Option<Key>, s2: &[u8], e2: &Option<Key>) -> bool {
    e2.as_ref().is_none_or(|e2| s1 < e2.as_slice())
        && e1.as_ref().is_none_or(|e1| s2 < e1.as_slice())
}

fn apply(model: &mut Model, write: &Write) {
    match write {
        Write::Put(ks, k, v) => {
            model.insert((*ks, k.clone()), v.clone());
        }
        Write::Delete(ks, k) => {
            model.remove(&(*ks, k.clone()));
        }
        Write::Range(ks, s, e) => model.retain(|(k_ks, k), _| k_ks != ks || !covers(s, e, k)),
    }
}

/// What a transaction read from its snapshot.
#[derive(Debug, Default)]
struct Reads {
    keys: BTreeSet<(u8, Key)>,
    ranges: Vec<(u8, Key, Option<Key>)>,
}

impl Reads {
    /// Whether `write`, committed after the transaction began, touched
    /// what it read.
    fn touched_by(&self, write: &Write) -> bool {
        let (ks, start, end) = match write {
            Write::Put(ks, k, _) | Write::Delete(ks, k) => {
                let mut end = k.clone();
                end.push(0);
                (*ks, k.clone(), Some(end))
            }
            Write::Range(ks, s, e) => (*ks, s.clone(), e.clone()),
        };
        self.keys
            .iter()
            .any(|(k_ks, k)| *k_ks == ks && covers(&start, &end, k))
            || self
                .ranges
                .iter()
                .any(|(r_ks, s, e)| *r_ks == ks && meet(s, e, &start, &end))
    }
}

/// An open transaction and its model.
struct Open {
    tx: Transaction,
    name: usize,
    /// How many committed writes the log held when it began.
    began: usize,
    /// Its snapshot with its own writes over it.
    view: Model,
    own: Vec<Write>,
    reads: Reads,
}

impl Open {
    /// Whether its own writes decide what `key` reads.
    fn owns(&self, ks: u8, key: &[u8]) -> bool {
        self.own.iter().any(|w| match w {
            Write::Put(w_ks, k, _) | Write::Delete(w_ks, k) => *w_ks == ks && k == key,
            Write::Range(w_ks, s, e) => *w_ks == ks && covers(s, e, key),
        })
    }
}

struct Run {
    fs: FaultFileSystem,
    db: StorageEngine,
    ks: Keyspace,
    rng: StdRng,
    model: Model,
    /// Every committed write, in commit order, each write's batch at once.
    log: Vec<Vec<Write>>,
    open: Vec<Open>,
    names: usize,
    conflicts: usize,
    commits: usize,
}

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        memtable_size: 4 << 10,
        max_immutable_memtables: 1,
        block_size: 256,
        target_file_size: 4 << 10,
        ..StorageConfig::new("/db")
    }
}

fn key(i: u32) -> Key {
    format!("k{i:02}").into_bytes()
}

fn text(pairs: &[(Key, Key)]) -> Vec<(String, String)> {
    let s = |b: &Key| String::from_utf8_lossy(b).into_owned();
    pairs.iter().map(|(k, v)| (s(k), s(v))).collect()
}

/// The pairs of keyspace `ks` of `model` in `[start, end)`.
fn expected(model: &Model, ks: u8, start: &[u8], end: &Option<Key>) -> Pairs {
    model
        .range((ks, start.to_vec())..)
        .take_while(|((k_ks, k), _)| *k_ks == ks && end.as_ref().is_none_or(|e| k < e))
        .map(|((_, k), v)| (k.clone(), v.clone()))
        .collect()
}

/// Reads `scan` whole: forwards, backwards, or from both ends at random.
fn drain(scan: TransactionScan, how: u32, rng: &mut StdRng) -> Pairs {
    let item = |i: ferrisdb_storage::Result<_>| {
        let (k, v): (ferrisdb_storage::Slice, ferrisdb_storage::Slice) = i.unwrap();
        (k.to_vec(), v.to_vec())
    };
    match how {
        0 => scan.map(item).collect(),
        1 => {
            let mut pairs: Pairs = scan.rev().map(item).collect();
            pairs.reverse();
            pairs
        }
        _ => {
            let (mut front, mut back, mut scan) = (Vec::new(), Vec::new(), scan);
            loop {
                let next = if rng.random_bool(0.5) {
                    scan.next().map(|i| front.push(item(i)))
                } else {
                    scan.next_back().map(|i| back.push(item(i)))
                };
                if next.is_none() {
                    break;
                }
            }
            front.extend(back.into_iter().rev());
            front
        }
    }
}

impl Run {
    fn write(&mut self) -> Write {
        let ks = u8::from(self.rng.random_bool(0.4));
        let a = self.rng.random_range(0..KEYS);
        match self.rng.random_range(0..10) {
            0..=5 => Write::Put(
                ks,
                key(a),
                format!("v{}", self.rng.random::<u32>()).into_bytes(),
            ),
            6 | 7 => Write::Delete(ks, key(a)),
            8 => Write::Range(ks, key(a), Some(key(a + self.rng.random_range(1..8)))),
            _ => match self.rng.random_range(0..3) {
                // A prefix: "k1" covers k10 ..= k19.
                0 => Write::Range(
                    ks,
                    key(a)[..2].to_vec(),
                    Some(key(a / 10 * 10 + 10)[..2].to_vec()),
                ),
                1 => Write::Range(ks, key(a), None),
                _ => Write::Range(ks, Vec::new(), Some(key(a))),
            },
        }
    }

    /// Commits a plain write (a batch of one to three writes).
    fn plain(&mut self) {
        let writes: Vec<Write> = (0..self.rng.random_range(1..4))
            .map(|_| self.write())
            .collect();
        if let [write] = writes.as_slice() {
            let ks = &self.ks;
            match write {
                Write::Put(0, k, v) => self.db.put(k, v).map(drop),
                Write::Put(_, k, v) => ks.put(k, v).map(drop),
                Write::Delete(0, k) => self.db.delete(k).map(drop),
                Write::Delete(_, k) => ks.delete(k).map(drop),
                Write::Range(0, s, Some(e)) if e.len() == 2 => self.db.delete_prefix(s).map(drop),
                Write::Range(_, s, Some(e)) if e.len() == 2 => ks.delete_prefix(s).map(drop),
                Write::Range(0, s, e) => self.db.delete_range(bounds(s, e)).map(drop),
                Write::Range(_, s, e) => ks.delete_range(bounds(s, e)).map(drop),
            }
            .unwrap();
        } else {
            let mut batch = WriteBatch::new();
            for write in &writes {
                match write {
                    Write::Put(0, k, v) => batch.put(k, v),
                    Write::Put(_, k, v) => batch.put_in(&self.ks, k, v),
                    Write::Delete(0, k) => batch.delete(k),
                    Write::Delete(_, k) => batch.delete_in(&self.ks, k),
                    Write::Range(0, s, e) => batch.delete_range(bounds(s, e)),
                    Write::Range(_, s, e) => batch.delete_range_in(&self.ks, bounds(s, e)),
                };
            }
            self.db.write(batch).unwrap();
        }
        for write in &writes {
            apply(&mut self.model, write);
        }
        self.log.push(writes);
    }

    fn begin(&mut self) {
        self.names += 1;
        self.open.push(Open {
            tx: self.db.transaction().unwrap(),
            name: self.names,
            began: self.log.len(),
            view: self.model.clone(),
            own: Vec::new(),
            reads: Reads::default(),
        });
    }

    /// One read or write of open transaction `i`.
    fn step(&mut self, i: usize) {
        let write = self.write();
        let rng = &mut self.rng;
        let ks = &self.ks;
        let open = &mut self.open[i];
        let what = format!("transaction {}", open.name);
        let space = u8::from(rng.random_bool(0.4));
        let a = rng.random_range(0..KEYS + 2);
        let b = a + rng.random_range(1..12);
        match rng.random_range(0..10) {
            0..=2 => {
                let k = key(a);
                let got = match space {
                    0 => open.tx.get(&k),
                    _ => open.tx.get_in(ks, &k),
                };
                let got = got.unwrap().map(|v| v.to_vec());
                assert_eq!(
                    got,
                    open.view.get(&(space, k.clone())).cloned(),
                    "{what}: get"
                );
                if !open.owns(space, &k) {
                    open.reads.keys.insert((space, k));
                }
            }
            3..=5 => {
                // A range of some shape, as [start, end).
                let (start, end) = (key(a), key(b));
                let mut inclusive = end.clone();
                inclusive.push(0);
                let shape = rng.random_range(0..6);
                let (scan, s, e) = match (shape, space) {
                    (0, 0) => (
                        open.tx.scan(start.as_slice()..end.as_slice()),
                        start,
                        Some(end),
                    ),
                    (0, _) => (
                        open.tx.scan_in(ks, start.as_slice()..end.as_slice()),
                        start,
                        Some(end),
                    ),
                    (1, 0) => (
                        open.tx.scan(start.as_slice()..=end.as_slice()),
                        start,
                        Some(inclusive),
                    ),
                    (1, _) => (
                        open.tx.scan_in(ks, start.as_slice()..=end.as_slice()),
                        start,
                        Some(inclusive),
                    ),
                    (2, 0) => (open.tx.scan(start.as_slice()..), start, None),
                    (2, _) => (open.tx.scan_in(ks, start.as_slice()..), start, None),
                    (3, 0) => (open.tx.scan(..end.as_slice()), Vec::new(), Some(end)),
                    (3, _) => (open.tx.scan_in(ks, ..end.as_slice()), Vec::new(), Some(end)),
                    (4, 0) => (open.tx.iter(), Vec::new(), None),
                    (4, _) => (open.tx.iter_in(ks), Vec::new(), None),
                    (_, space) => {
                        let (p, e) = (start[..2].to_vec(), key(a / 10 * 10 + 10)[..2].to_vec());
                        let scan = match space {
                            0 => open.tx.scan_prefix(&p),
                            _ => open.tx.scan_prefix_in(ks, &p),
                        };
                        (scan, p, Some(e))
                    }
                };
                let how = rng.random_range(0..3);
                let got = drain(scan.unwrap(), how, rng);
                let want = expected(&open.view, space, &s, &e);
                assert_eq!(text(&got), text(&want), "{what}: scan {shape} read {how}");
                open.reads.ranges.push((space, s, e));
            }
            _ => {
                let space = match &write {
                    Write::Put(s, ..) | Write::Delete(s, _) | Write::Range(s, ..) => *s,
                };
                match (&write, space) {
                    (Write::Put(_, k, v), 0) => open.tx.put(k, v),
                    (Write::Put(_, k, v), _) => open.tx.put_in(ks, k, v),
                    (Write::Delete(_, k), 0) => open.tx.delete(k),
                    (Write::Delete(_, k), _) => open.tx.delete_in(ks, k),
                    (Write::Range(_, s, Some(e)), 0) if e.len() == 2 => open.tx.delete_prefix(s),
                    (Write::Range(_, s, Some(e)), _) if e.len() == 2 => {
                        open.tx.delete_prefix_in(ks, s)
                    }
                    (Write::Range(_, s, e), 0) => open.tx.delete_range(bounds(s, e)),
                    (Write::Range(_, s, e), _) => open.tx.delete_range_in(ks, bounds(s, e)),
                }
                .unwrap();
                apply(&mut open.view, &write);
                open.own.push(write);
            }
        }
    }

    /// Commits open transaction `i`, checking the engine's decision.
    fn commit(&mut self, i: usize) {
        let open = self.open.swap_remove(i);
        let conflicts = self.log[open.began..]
            .iter()
            .flatten()
            .any(|w| open.reads.touched_by(w));
        let should_commit = open.own.is_empty() || !conflicts;
        let what = format!("transaction {} ({} own writes)", open.name, open.own.len());
        match open.tx.commit() {
            Ok(_) => {
                assert!(should_commit, "{what}: committed over a conflicting write");
                if !open.own.is_empty() {
                    for write in &open.own {
                        apply(&mut self.model, write);
                    }
                    self.log.push(open.own);
                }
                self.commits += 1;
            }
            Err(e) => {
                assert!(e.is_conflict(), "{what}: {e}");
                assert!(!should_commit, "{what}: refused without a conflict: {e}");
                self.conflicts += 1;
            }
        }
    }

    fn check(&self, what: &str) {
        for (space, scan) in [(0, self.db.iter()), (1, self.ks.iter())] {
            let got: Pairs = scan
                .unwrap()
                .map(|i| {
                    let (k, v) = i.unwrap();
                    (k.to_vec(), v.to_vec())
                })
                .collect();
            let want = expected(&self.model, space, b"", &None);
            assert_eq!(text(&got), text(&want), "{what}: keyspace {space}");
        }
        assert_eq!(self.db.stats().live_transactions, self.open.len(), "{what}");
    }

    fn reopen(&mut self) {
        self.open.clear();
        // Closing a clone closes every handle of the instance.
        self.db.clone().close().unwrap();
        self.db = StorageEngine::open(config(&self.fs)).unwrap();
        self.ks = self.db.keyspace("ks").unwrap();
    }
}

fn bounds(s: &Key, e: &Option<Key>) -> (Bound<Key>, Bound<Key>) {
    (
        Bound::Included(s.clone()),
        e.clone().map_or(Bound::Unbounded, Bound::Excluded),
    )
}

fn run(seed: u64) {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let ks = db.keyspace("ks").unwrap();
    let mut run = Run {
        fs,
        db,
        ks,
        rng: StdRng::seed_from_u64(seed),
        model: Model::new(),
        log: Vec::new(),
        open: Vec::new(),
        names: 0,
        conflicts: 0,
        commits: 0,
    };
    for step in 0..STEPS {
        let what = format!("seed {seed} step {step}");
        match run.rng.random_range(0..100) {
            0..=19 => run.plain(),
            20..=29 if run.open.len() < 4 => run.begin(),
            30..=79 if !run.open.is_empty() => {
                let i = run.rng.random_range(0..run.open.len());
                run.step(i);
            }
            80..=93 if !run.open.is_empty() => {
                let i = run.rng.random_range(0..run.open.len());
                run.commit(i);
            }
            94..=96 if !run.open.is_empty() => {
                let i = run.rng.random_range(0..run.open.len());
                run.open.swap_remove(i).tx.rollback();
            }
            97 => run.db.flush().unwrap(),
            98 => run.reopen(),
            _ => run.plain(),
        }
        run.check(&what);
    }
    run.reopen();
    run.check(&format!("seed {seed} reopened"));
    eprintln!(
        "seed {seed}: {} commits, {} conflicts",
        run.commits, run.conflicts
    );
    assert!(
        run.commits > 50 && run.conflicts > 10,
        "both outcomes are exercised"
    );
}

#[test]
fn transactions_agree_with_the_model() {
    let seeds = std::env::var("FERRISDB_MODEL_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    for seed in 0..seeds {
        run(seed);
    }
}
