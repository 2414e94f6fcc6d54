//! Power loss at hundreds of points of a seeded workload under
//! `SyncMode::Full`: during writes, log rotations, flushes and manifest
//! updates, and (for some points) a second power loss during the recovery
//! that follows.
//!
//! For each crash point `k` the workload runs on a fresh [`FaultFileSystem`]
//! that dies right after its `k`th operation (`crash_after`); the database is
//! then opened on what a rebooted machine finds (`crash`, with torn writes
//! for every other point) and must hold a prefix of the history with every
//! acknowledged write (see `reliability/mod.rs`), and no orphan file. One of
//! the three seeded workloads runs with LZ4 tables, no bloom filters and
//! several frozen MemTables.
//!
//! `FERRISDB_CRASH_POINTS` (default 300) sets the number of points tried.

mod reliability;

use std::sync::atomic::{AtomicUsize, Ordering};

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{CompressionType, StorageConfig, StorageEngine};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reliability::*;

const WRITES: usize = 150;
const KEYS: u64 = 40;
const SEEDS: u64 = 3;

/// The engine settings for workload `seed`: the scenarios' own, and for the
/// last seed LZ4 tables, no bloom filters and up to three frozen MemTables.
fn open_variant(fs: &FaultFileSystem, seed: u64) -> ferrisdb_storage::Result<StorageEngine> {
    let config = config(fs);
    StorageEngine::open(if seed == SEEDS - 1 {
        StorageConfig {
            compression: CompressionType::Lz4,
            bloom_filter_bits_per_key: 0,
            max_immutable_memtables: 3,
            ..config
        }
    } else {
        config
    })
}

/// Runs workload `seed` on `fs`, stopping at the first error, then drops the
/// engine (as a dying process would leave it).
fn run_until_dead(fs: &FaultFileSystem, seed: u64) -> History {
    let mut history = History::default();
    let ops = workload(seed, WRITES, KEYS);
    match open_variant(fs, seed) {
        Ok(db) => {
            run(&db, &ops, &mut history, true);
            drop(db);
        }
        Err(e) => assert_engine_error(&e),
    }
    history
}

/// One crash point: workload `seed` dies after operation `k` (of `total`);
/// with `second`, the recovery dies too, that many operations in.
struct Point {
    point: u64,
    seed: u64,
    k: u64,
    total: u64,
    second: Option<u64>,
}

/// What the points a thread checked covered.
#[derive(Default)]
struct Tried {
    points: u64,
    double_crashes: u64,
    acknowledged: u64,
}

/// Crashes the workload at `p`, recovers (after a second crash if `p` says
/// so) and checks the database.
fn check_point(p: &Point, tried: &mut Tried) {
    let Point { point, seed, k, .. } = *p;
    let context = format!("seed {seed}, crash after operation {k} of {}", p.total);
    let fs = fresh_fs();
    if point % 2 == 1 {
        fs.enable_torn_writes(point);
    }
    fs.crash_after(k);
    let history = run_until_dead(&fs, seed);
    let mut rebooted = fs.crash();

    if let Some(after) = p.second {
        let j = rebooted.total_operations() + after;
        rebooted.crash_after(j);
        if let Ok(db) = open_variant(&rebooted, seed) {
            drop(db);
        }
        rebooted = rebooted.crash();
        tried.double_crashes += 1;
    }

    let db =
        open_variant(&rebooted, seed).unwrap_or_else(|e| panic!("{context}: reopen failed: {e}"));
    let recovered = read_all(&db).unwrap_or_else(|e| panic!("{context}: read failed: {e}"));
    if let Err(problem) = history.check(&recovered) {
        panic!("{context}: {problem}");
    }
    // Files of the compactions the reopened engine starts are not orphans.
    db.wait_for_compactions()
        .unwrap_or_else(|e| panic!("{context}: background work failed: {e}"));
    assert_no_orphans(&rebooted, &db_dir());
    // The recovered database takes writes again.
    db.put("after-recovery", "ok")
        .unwrap_or_else(|e| panic!("{context}: write after recovery failed: {e}"));
    drop(db);
    tried.points += 1;
    tried.acknowledged += history.acknowledged() as u64;
}

#[test]
fn acknowledged_writes_survive_power_loss_at_every_sampled_point() {
    watch_panics();
    let points = env_or("FERRISDB_CRASH_POINTS", 300);
    // Count each workload's operations once, crash-free (engine close included).
    let totals: Vec<u64> = (0..SEEDS)
        .map(|seed| {
            let fs = fresh_fs();
            let history = run_until_dead(&fs, seed);
            assert_eq!(history.acknowledged(), WRITES, "crash-free run");
            fs.total_operations()
        })
        .collect();
    // Every point's crash operations, drawn up front in point order, so
    // the points are the same whichever thread checks them.
    let mut rng = StdRng::seed_from_u64(7);
    let plan: Vec<Point> = (0..points)
        .map(|point| {
            let seed = point % SEEDS;
            let total = totals[seed as usize];
            // Evenly spread over the run, jittered, so every phase gets points.
            let stride = total as f64 / (points / SEEDS).max(1) as f64;
            let base = ((point / SEEDS) as f64 * stride) as u64;
            let k = (base + rng.random_range(0..stride.ceil().max(1.0) as u64)).clamp(1, total);
            // Every third point: a second power loss during recovery.
            let second = (point % 3 == 0).then(|| rng.random_range(1..=40));
            Point {
                point,
                seed,
                k,
                total,
                second,
            }
        })
        .collect();
    // The points are independent: two threads take them in turn, so a run
    // uses both of CI's cores.
    let next = AtomicUsize::new(0);
    let parts: Vec<Tried> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut tried = Tried::default();
                    while let Some(p) = plan.get(next.fetch_add(1, Ordering::Relaxed)) {
                        check_point(p, &mut tried);
                    }
                    tried
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a crash point panicked (see above)"))
            .collect()
    });
    let tried = parts.iter().map(|t| t.points).sum::<u64>();
    let double_crashes = parts.iter().map(|t| t.double_crashes).sum::<u64>();
    let acknowledged_checked = parts.iter().map(|t| t.acknowledged).sum::<u64>();
    assert_eq!(panics(), 0, "a thread panicked (see above)");
    eprintln!(
        "crash points tried: {tried} ({double_crashes} with a second crash during recovery), \
         acknowledged writes checked: {acknowledged_checked}, lost: 0"
    );
}

/// The crash points above only cover compactions if the workloads compact:
/// each one must, with the scenarios' tiny levels.
#[test]
fn every_workload_runs_compactions() {
    for seed in 0..SEEDS {
        let fs = fresh_fs();
        let db = open_variant(&fs, seed).unwrap();
        let mut history = History::default();
        run(&db, &workload(seed, WRITES, KEYS), &mut history, true);
        db.wait_for_compactions().unwrap();
        let stats = db.stats();
        assert!(
            stats.compactions > 0,
            "workload {seed} never compacted: {stats}"
        );
    }
}
