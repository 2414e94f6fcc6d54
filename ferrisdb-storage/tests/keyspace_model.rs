//! Model test of keyspaces: random operations on a database of several
//! keyspaces and on a `BTreeMap` per keyspace must agree.
//!
//! Operations: create a keyspace (`keyspace`, or `keyspace_with` another
//! compaction style), switch an existing one's options, drop one (with a
//! batch built before the drop and written after it), create a dropped name
//! again (empty), puts and deletes through handles and through the engine's
//! own methods (`default`), batches across one to three keyspaces, gets,
//! scans (ranges, prefixes, forward, backward and from both ends at once),
//! snapshots read with `get_in`, `iter_in`, `scan_in` and `scan_prefix_in`
//! against the model as it was when they were taken (a keyspace dropped
//! since still reads its data, one created since is empty), handles of
//! dropped keyspaces (every use is `Error::KeyspaceDropped`), flush,
//! compact, `wait_for_compactions` (then no orphan file), a clean reopen and
//! a power loss. Every write is synced (`SyncMode::Full`), so after a power
//! loss the database matches the model exactly.
//!
//! MemTables and logs are 4-8 KiB and levels tiny, so flushes, log
//! rotations and compactions run all through a run. The seeds in the test
//! functions always run; `FERRISDB_KEYSPACE_MODEL_SEEDS=N` runs N more, from
//! `FERRISDB_KEYSPACE_MODEL_FIRST_SEED` (default 1000), and
//! `FERRISDB_KEYSPACE_MODEL_OPS` sets the operations per seed. A failure
//! prints the seed and the last operations.

mod reliability;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
use ferrisdb_storage::internals::manifest;
use ferrisdb_storage::internals::sstable::{parse_table_file_name, TableReader};
use ferrisdb_storage::{
    CompactionStyle, CompressionType, Error, Keyspace, KeyspaceOptions, LeveledOptions, Scan,
    SizeTieredOptions, Slice, Snapshot, StorageConfig, StorageEngine, SyncMode,
};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

type Map = BTreeMap<Vec<u8>, Vec<u8>>;
type Pairs = Vec<(Vec<u8>, Vec<u8>)>;
/// Every live keyspace's contents by name, `default` included.
type Contents = BTreeMap<String, Map>;

/// The names keyspaces are created with, besides `default`.
const NAMES: [&str; 5] = ["users", "log", "idx", "queue", "raft"];
const OPS: u64 = 3_000;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Full,
        memtable_size: 4 << 10,
        max_immutable_memtables: 2,
        wal_max_file_size: 8 << 10,
        block_size: 512,
        compaction_style: CompactionStyle::Leveled(LeveledOptions {
            level0_file_num_compaction_trigger: 2,
            max_bytes_for_level_base: 8 << 10,
            max_bytes_for_level_multiplier: 4,
        }),
        target_file_size: 4 << 10,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    }
}

/// The options `keyspace_with` gives: size-tiered, uncompressed, no bloom
/// filters, other block size; or the database's own (leveled) options.
fn other_options(fs: &FaultFileSystem, tiered: bool) -> KeyspaceOptions {
    if !tiered {
        return KeyspaceOptions::from(&config(fs));
    }
    KeyspaceOptions {
        compaction_style: CompactionStyle::SizeTiered(SizeTieredOptions {
            min_merge_width: 3,
            max_size_amplification_percent: 200,
        }),
        compression: CompressionType::None,
        bloom_filter_bits_per_key: 0,
        block_size: 1 << 10,
        memtable_size: 4 << 10,
        memtable_filter: false,
    }
}

/// A handle and which keyspace it is: `generation` tells a re-created name
/// from the keyspace that had it before.
#[derive(Clone)]
struct Ks {
    name: String,
    generation: u64,
    handle: Keyspace,
}

/// A snapshot, and the model and the handles as they were when it was taken.
struct Taken {
    snapshot: Snapshot,
    contents: Contents,
    live: BTreeMap<String, Ks>,
}

/// The operations so far, printed if the run fails.
struct History {
    seed: u64,
    ops: Vec<String>,
    /// Print each operation as it starts (`FERRISDB_KEYSPACE_MODEL_TRACE=1`),
    /// for a run that hangs.
    trace: bool,
}

impl Drop for History {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let from = self.ops.len().saturating_sub(80);
            eprintln!(
                "seed {}: the last operations (of {}):",
                self.seed,
                self.ops.len()
            );
            for (i, op) in self.ops.iter().enumerate().skip(from) {
                eprintln!("  {i}: {op}");
            }
        }
    }
}

struct Run {
    rng: StdRng,
    fs: FaultFileSystem,
    db: StorageEngine,
    contents: Contents,
    live: BTreeMap<String, Ks>,
    /// Handles of dropped keyspaces, kept for a while.
    stale: Vec<Ks>,
    snapshots: Vec<Taken>,
    next_generation: u64,
    history: History,
    /// How often each kind of operation ran, for the report.
    counts: BTreeMap<&'static str, u64>,
    /// The engine's flushes and compactions over every open of the run.
    flushes: u64,
    compactions: u64,
    /// Whether a keyspace other than `default` was seen holding tables.
    tables_elsewhere: bool,
}

fn owned(item: ferrisdb_storage::Result<(Slice, Slice)>) -> (Vec<u8>, Vec<u8>) {
    let (key, value) = item.unwrap();
    (key.to_vec(), value.to_vec())
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Panics with the first difference of `got` from `want`.
fn assert_pairs(got: &Pairs, want: &Pairs, context: &str) {
    if got == want {
        return;
    }
    let at = got.iter().zip(want).position(|(g, w)| g != w);
    let at = at.unwrap_or(got.len().min(want.len()));
    let item = |pairs: &Pairs| pairs.get(at).map(|(k, v)| (show(k), show(v)));
    panic!(
        "{context}: {} items, expected {}; first difference at {at}: got {:?}, expected {:?}",
        got.len(),
        want.len(),
        item(got),
        item(want)
    );
}

fn assert_dropped<T>(result: ferrisdb_storage::Result<T>, context: &str) {
    match result {
        Err(Error::KeyspaceDropped { .. }) => {}
        Err(e) => panic!("{context}: expected KeyspaceDropped, got {e}"),
        Ok(_) => panic!("{context}: expected KeyspaceDropped, got Ok"),
    }
}

fn in_range(key: &[u8], (start, end): &(Bound<Vec<u8>>, Bound<Vec<u8>>)) -> bool {
    let after_start = match start {
        Bound::Unbounded => true,
        Bound::Included(s) => key >= &s[..],
        Bound::Excluded(s) => key > &s[..],
    };
    let before_end = match end {
        Bound::Unbounded => true,
        Bound::Included(e) => key <= &e[..],
        Bound::Excluded(e) => key < &e[..],
    };
    after_start && before_end
}

fn filtered(map: &Map, keep: impl Fn(&[u8]) -> bool) -> Pairs {
    map.iter()
        .filter(|(k, _)| keep(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// What a read in the model covers: everything, a range or a prefix.
enum Read {
    All,
    Range((Bound<Vec<u8>>, Bound<Vec<u8>>)),
    Prefix(Vec<u8>),
}

impl Read {
    fn expected(&self, map: &Map) -> Pairs {
        match self {
            Read::All => filtered(map, |_| true),
            Read::Range(range) => filtered(map, |k| in_range(k, range)),
            Read::Prefix(p) => filtered(map, |k| k.starts_with(p)),
        }
    }
}

/// Consumes `scan` forward, backward, or from both ends in a random order,
/// and returns its items in key order.
fn consume(scan: Scan, rng: &mut StdRng) -> Pairs {
    match rng.random_range(0..3) {
        0 => scan.map(owned).collect(),
        1 => {
            let mut items: Pairs = scan.rev().map(owned).collect();
            items.reverse();
            items
        }
        _ => {
            let mut scan = scan;
            let (mut front, mut back) = (Vec::new(), Vec::new());
            loop {
                let item = if rng.random_bool(0.5) {
                    scan.next().map(|i| front.push(owned(i)))
                } else {
                    scan.next_back().map(|i| back.push(owned(i)))
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

impl Run {
    fn new(seed: u64) -> Run {
        let fs = reliability::fresh_fs();
        let db = StorageEngine::open(config(&fs)).unwrap();
        let default = Ks {
            name: "default".into(),
            generation: 0,
            handle: db.keyspace("default").unwrap(),
        };
        Run {
            rng: StdRng::seed_from_u64(seed),
            fs,
            db,
            contents: BTreeMap::from([("default".into(), Map::new())]),
            live: BTreeMap::from([("default".into(), default)]),
            stale: Vec::new(),
            snapshots: Vec::new(),
            next_generation: 1,
            history: History {
                seed,
                ops: Vec::new(),
                trace: reliability::env_or("FERRISDB_KEYSPACE_MODEL_TRACE", 0) != 0,
            },
            counts: BTreeMap::new(),
            flushes: 0,
            compactions: 0,
            tables_elsewhere: false,
        }
    }

    fn log(&mut self, kind: &'static str, op: String) {
        *self.counts.entry(kind).or_default() += 1;
        if self.history.trace {
            eprintln!(
                "seed {} op {}: {op}",
                self.history.seed,
                self.history.ops.len()
            );
        }
        self.history.ops.push(op);
    }

    fn context(&self) -> String {
        format!(
            "seed {}, op {}",
            self.history.seed,
            self.history.ops.len() - 1
        )
    }

    fn key(&mut self) -> Vec<u8> {
        let prefix = ["a", "b", "c"].choose(&mut self.rng).unwrap();
        format!("{prefix}:{:02}", self.rng.random_range(0..40)).into_bytes()
    }

    fn value(&mut self) -> Vec<u8> {
        let len = self.rng.random_range(0..100);
        (0..len)
            .map(|_| self.rng.random_range(b'a'..=b'z'))
            .collect()
    }

    fn bound(&mut self) -> Bound<Vec<u8>> {
        match self.rng.random_range(0..3) {
            0 => Bound::Unbounded,
            1 => Bound::Included(self.key()),
            _ => Bound::Excluded(self.key()),
        }
    }

    fn read(&mut self) -> Read {
        match self.rng.random_range(0..3) {
            0 => Read::All,
            1 => Read::Range((self.bound(), self.bound())),
            _ => {
                let key = self.key();
                let len = self.rng.random_range(0..=3);
                Read::Prefix(key[..len].to_vec())
            }
        }
    }

    fn pick_live(&mut self) -> Ks {
        let names: Vec<&String> = self.live.keys().collect();
        let name = (*names.choose(&mut self.rng).unwrap()).clone();
        self.live[&name].clone()
    }

    fn run(&mut self, ops: u64) {
        for _ in 0..ops {
            match self.rng.random_range(0..100) {
                0..=29 => self.put_or_delete(),
                30..=40 => self.batch(),
                41..=49 => self.get(),
                50..=57 => self.scan(),
                58..=67 => self.snapshot(),
                68..=71 => self.create(),
                72..=74 => self.drop_keyspace(),
                75..=76 => self.reconfigure(),
                77..=80 => self.use_stale(),
                81..=88 => self.maintain(),
                89..=93 => self.check(),
                94..=96 => self.reopen(false),
                _ => self.reopen(true),
            }
        }
        self.reopen(true);
        self.reopen(false);
        self.tally();
        let context = format!("seed {}", self.history.seed);
        assert!(self.flushes > 0, "{context}: no table was flushed");
        assert!(self.compactions > 0, "{context}: no compaction ran");
        assert!(
            self.tables_elsewhere,
            "{context}: no keyspace but default had tables"
        );
    }

    /// Adds the engine's counters to the run's, before a reopen resets them,
    /// and notes whether a keyspace other than `default` holds tables.
    fn tally(&mut self) {
        let stats = self.db.stats();
        self.flushes += stats.flushes;
        self.compactions += stats.compactions;
        self.tables_elsewhere |= (stats.keyspaces.iter())
            .filter(|ks| ks.name != "default")
            .any(|ks| ks.levels.iter().any(|level| level.tables > 0));
    }
}

#[path = "keyspace_model/ops.rs"]
mod ops;

fn run_seed(seed: u64, ops: u64) {
    let mut run = Run::new(seed);
    run.run(ops);
    eprintln!(
        "seed {seed}: {ops} operations, {} flushes, {} compactions: {:?}",
        run.flushes, run.compactions, run.counts
    );
}

fn ops() -> u64 {
    reliability::env_or("FERRISDB_KEYSPACE_MODEL_OPS", OPS)
}

#[test]
fn keyspaces_agree_with_a_model_seed_0() {
    run_seed(0, ops());
}

#[test]
fn keyspaces_agree_with_a_model_seed_1() {
    run_seed(1, ops());
}

#[test]
fn keyspaces_agree_with_a_model_seed_2() {
    run_seed(2, ops());
}

#[test]
fn keyspaces_agree_with_a_model_seed_3() {
    run_seed(3, ops());
}

/// The seeds the environment asks for; none unless it does.
#[test]
fn keyspaces_agree_with_a_model_more_seeds() {
    let first = reliability::env_or("FERRISDB_KEYSPACE_MODEL_FIRST_SEED", 1000);
    let count = reliability::env_or("FERRISDB_KEYSPACE_MODEL_SEEDS", 0);
    for seed in first..first + count {
        run_seed(seed, ops());
    }
}

/// Asserts that no table file is missing from or left beside the manifest:
/// call with nothing holding a replaced or dropped table (no snapshot, no
/// handle of a dropped keyspace) and after `wait_for_compactions`. A table
/// left over is named with the keyspace it holds, and whether that one is
/// live or dropped.
fn assert_files_match_manifest(fs: &FaultFileSystem, context: &str) {
    let dir = Path::new("/db");
    let state = manifest::load(fs, dir).unwrap().unwrap();
    let listed: BTreeSet<u64> = state.all_tables().map(|(_, t)| t.file_number).collect();
    let leftovers: Vec<String> = (fs.list(dir).unwrap().iter())
        .filter_map(|name| parse_table_file_name(name).map(|n| (name, n)))
        .filter(|(_, number)| !listed.contains(number))
        .map(|(name, _)| {
            let shared: SharedFileSystem = Arc::new(fs.clone());
            let id = TableReader::open(&shared, dir.join(name), None)
                .map(|table| table.properties().keyspace);
            let keyspace = match id {
                Ok(id) if state.keyspaces.is_dropped(id) => format!("dropped keyspace {id}"),
                Ok(id) => format!("keyspace {id}"),
                Err(e) => format!("unreadable: {e}"),
            };
            format!("{name} ({keyspace})")
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "{context}: tables no manifest lists: {leftovers:?}"
    );
    reliability::assert_no_orphans(fs, dir);
}
