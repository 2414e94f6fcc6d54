//! Power loss over the crash model's states (`FaultFileSystem::crash_with`:
//! unsynced pages lost, zeroed, torn or garbage in any combination, unsynced
//! names surviving in any combination), shared by the scenarios
//! `crash_states_normal.rs` and `crash_states_full.rs`.
//!
//! For each crash point `k` a seeded workload runs on a fresh file system
//! that dies after its `k`th operation; then, for a few crash seeds, the
//! database is opened (default recovery mode) on the state that seed picks,
//! and must hold the state after `W1 ..= Wm` for some `m` at or after
//! `must`: every write a `sync_wal`, `flush` or `close` made durable under
//! `SyncMode::Normal`, every acknowledged write under `SyncMode::Full`. Every
//! third crash seed also loses the power again during that recovery.
//!
//! A failure names the workload seed, the crash point and the crash seed,
//! with the command that replays them (`FERRISDB_CRASH_REPLAY=w:k:s`) and
//! what the crash did to each file. Background threads can shift which
//! operation `k` lands on from run to run; the crash seed's choices are tied
//! to file names, so a replay lands on the same state whenever the file
//! system before the crash is the same.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use ferrisdb_storage::fs::{CrashKind, CrashModel, CrashReport, FaultFileSystem};
use ferrisdb_storage::{CompressionType, StorageConfig, StorageEngine, SyncMode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

/// Workloads the crash points cycle through: two of `default` alone,
/// [`KEYSPACES_WORKLOAD`] and [`RANGE_DELETES_WORKLOAD`] (see [`shape`]).
pub const WORKLOADS: u64 = 4;

/// The workload that runs with [`workload_config`]'s larger logs and writes
/// three keyspaces.
pub const KEYSPACES_WORKLOAD: u64 = 2;

/// The workload whose writes delete ranges and prefixes too, in two
/// keyspaces.
pub const RANGE_DELETES_WORKLOAD: u64 = 3;

/// The seed of a second crash's state is the first's, with this mixed in.
const SECOND_CRASH: u64 = 0x2d_c4a5;

/// The shape of workload `workload`: values of up to 1.2 KB, now and then
/// 40 KB (larger than a MemTable), so a log's unsynced tail between two
/// `sync_wal`s spans several 4 KiB pages. [`KEYSPACES_WORKLOAD`] writes
/// three keyspaces, `default`, `ks1` and a rarely written `cold`, created
/// inside the run, with most batches spanning them: each crash point then
/// also checks that a batch across keyspaces is whole or absent, and a
/// create's manifest write is a crash point too. [`RANGE_DELETES_WORKLOAD`]
/// writes `default` and `ks1`, one write in eight a range or prefix delete
/// (alone, or in a batch whose puts before it it hides): each crash point
/// checks that a range delete is whole or absent with its batch, in the log,
/// in a flushed table and through compactions.
pub fn shape(workload: u64) -> Shape {
    let ranges = workload == RANGE_DELETES_WORKLOAD;
    Shape {
        writes: 150,
        keys: 40,
        max_pad: 1200,
        large: 0.02,
        large_pad: 40_000,
        keyspaces: match workload {
            KEYSPACES_WORKLOAD => 3,
            RANGE_DELETES_WORKLOAD => 2,
            _ => 1,
        },
        range_deletes: if ranges { 0.125 } else { 0.0 },
    }
}

/// The scenarios' settings with 32 KiB MemTables and logs (a flush or a
/// rotation every 30 writes or so), so the unsynced tail of a log spans
/// pages the crash model keeps or loses independently, and `mode`.
pub fn crash_config(fs: &FaultFileSystem, mode: SyncMode) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: mode,
        memtable_size: 32 << 10,
        wal_max_file_size: 32 << 10,
        target_file_size: 16 << 10,
        compaction_style: tiny_levels(64 << 10),
        ..config(fs)
    }
}

/// The settings for workload `workload`: [`crash_config`], and for
/// [`KEYSPACES_WORKLOAD`] 128 KiB MemTables and logs (a log spans four 32 KiB WAL
/// blocks, so lost pages fall at and across block boundaries), LZ4 tables,
/// no bloom filters and up to three frozen MemTables; and, for its three
/// keyspaces, budgets small enough to act: a `db_write_buffer_size` of one
/// MemTable, 128 KiB, for all three (the oldest active MemTable, often
/// `cold`'s, is frozen) and a 96 KiB `max_total_wal_size` (the keyspaces
/// holding the oldest log are flushed).
pub fn workload_config(fs: &FaultFileSystem, mode: SyncMode, workload: u64) -> StorageConfig {
    let config = crash_config(fs, mode);
    if workload != KEYSPACES_WORKLOAD {
        return config;
    }
    StorageConfig {
        memtable_size: 128 << 10,
        wal_max_file_size: 128 << 10,
        compression: CompressionType::Lz4,
        bloom_filter_bits_per_key: 0,
        max_immutable_memtables: 3,
        db_write_buffer_size: 128 << 10,
        max_total_wal_size: 96 << 10,
        ..config
    }
}

/// Workload `seed`: writes, reads, flushes and a `sync_wal` after one write
/// in twelve or so.
pub fn crash_ops(seed: u64) -> Vec<Op> {
    with_sync_wal(workload_shaped(seed, shape(seed)), seed, 0.08)
}

/// A fresh file system that crashes after its `k`-th operation, and the
/// history of `workload` run on it until then.
fn crashed_after(k: u64, workload: u64, mode: SyncMode) -> (FaultFileSystem, History) {
    let fs = fresh_fs();
    fs.crash_after(k);
    let history = run_until_dead(&fs, workload, mode);
    (fs, history)
}

/// Runs workload `seed` until the machine dies, then closes the engine (a
/// close that succeeds makes every write durable).
fn run_until_dead(fs: &FaultFileSystem, seed: u64, mode: SyncMode) -> History {
    let mut history = History::default();
    match StorageEngine::open(workload_config(fs, mode, seed)) {
        Ok(db) => {
            run(&db, &crash_ops(seed), &mut history, true);
            match db.close() {
                Ok(()) => history.durable = history.attempts.len(),
                Err(e) => assert_engine_error(&e),
            }
        }
        Err(e) => assert_engine_error(&e),
    }
    history
}

/// What a power-loss scenario runs.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// The test file, for the replay command.
    pub test: &'static str,
    pub mode: SyncMode,
    /// Crash points, spread over the workloads' operations.
    pub points: u64,
    /// Crash states (seeds) tried at each point.
    pub states: u64,
    /// Seeds the crash points' jitter and the crash seeds.
    pub base_seed: u64,
}

/// What a run checked.
#[derive(Debug, Default)]
pub struct Figures {
    pub points: u64,
    pub states: u64,
    pub double_crashes: u64,
    /// Acknowledged writes, summed over the crash states.
    pub acknowledged: u64,
    /// Writes that had to survive (`must`), summed.
    pub required: u64,
    /// Writes across keyspaces attempted before the crash, summed: each
    /// judged whole or absent by the history's check.
    pub cross_keyspace: u64,
    /// Writes holding a range or prefix delete attempted before the crash,
    /// summed: each judged whole or absent by the history's check.
    pub range_deletes: u64,
    /// Acknowledged writes not made durable that a crash took (allowed
    /// under `Normal` only), summed.
    pub acknowledged_lost: u64,
    /// Crash states whose recovery cut a log at damage with valid records
    /// after it.
    pub cut_before_valid_records: u64,
    /// Crash states by what the crash did to a log's data.
    pub log_kinds: BTreeMap<CrashKind, u64>,
    /// Crash states by everything the crash did.
    pub kinds: BTreeMap<CrashKind, u64>,
}

impl Figures {
    /// Adds the figures of another part of the run.
    fn add(&mut self, other: Figures) {
        self.points += other.points;
        self.states += other.states;
        self.double_crashes += other.double_crashes;
        self.acknowledged += other.acknowledged;
        self.required += other.required;
        self.cross_keyspace += other.cross_keyspace;
        self.range_deletes += other.range_deletes;
        self.acknowledged_lost += other.acknowledged_lost;
        self.cut_before_valid_records += other.cut_before_valid_records;
        for (kind, n) in other.log_kinds {
            *self.log_kinds.entry(kind).or_default() += n;
        }
        for (kind, n) in other.kinds {
            *self.kinds.entry(kind).or_default() += n;
        }
    }
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "crash points: {}, crash states: {} ({} with a second crash during recovery), \
             acknowledged writes checked: {}, writes required to survive: {} (lost: 0), \
             writes across keyspaces checked whole or absent: {}, writes with range deletes \
             checked whole or absent: {}, acknowledged but unsynced writes dropped: {}, \
             recoveries that cut a log before valid records: {}\n  states by what they did to \
             a log: {:?}\n  states by kind: {:?}",
            self.points,
            self.states,
            self.double_crashes,
            self.acknowledged,
            self.required,
            self.cross_keyspace,
            self.range_deletes,
            self.acknowledged_lost,
            self.cut_before_valid_records,
            self.log_kinds,
            self.kinds
        )
    }
}

/// The crash state `FERRISDB_CRASH_REPLAY=a:b:c` names, if set: three
/// numbers, which each scenario reads as its failure message printed them.
pub fn replay() -> Option<(u64, u64, u64)> {
    let replay = std::env::var("FERRISDB_CRASH_REPLAY").ok()?;
    let parts: Vec<u64> = replay.split(':').filter_map(|p| p.parse().ok()).collect();
    let [a, b, c] = parts[..] else {
        panic!("FERRISDB_CRASH_REPLAY={replay}: expected three numbers, a:b:c");
    };
    Some((a, b, c))
}

/// Runs `plan` (or the one point `FERRISDB_CRASH_REPLAY=w:k:s` names) and
/// returns what it checked; panics with the replay command on a failure.
pub fn power_loss(plan: Plan) -> Figures {
    watch_panics();
    let mut figures = Figures::default();
    if let Some((workload, k, seed)) = replay() {
        let (fs, history) = crashed_after(k, workload, plan.mode);
        check_state(
            &plan,
            &fs,
            &history,
            (workload, k),
            seed,
            &mut figures,
            true,
        );
        return figures;
    }
    let totals: Vec<u64> = (0..WORKLOADS)
        .map(|seed| {
            let fs = fresh_fs();
            let history = run_until_dead(&fs, seed, plan.mode);
            assert_eq!(history.acknowledged(), shape(seed).writes, "crash-free run");
            fs.total_operations()
        })
        .collect();
    // The points are independent: two threads take every other one, so a
    // run uses both of CI's cores.
    let threads: u64 = 2;
    let parts: Vec<Figures> = std::thread::scope(|scope| {
        let plan = &plan;
        let totals = &totals;
        let handles: Vec<_> = (0..threads)
            .map(|first| {
                scope.spawn(move || {
                    let mut figures = Figures::default();
                    for point in (first..plan.points).step_by(threads as usize) {
                        check_point(plan, totals, point, &mut figures);
                    }
                    figures
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a crash point panicked (see above)"))
            .collect()
    });
    for part in parts {
        figures.add(part);
    }
    assert_eq!(panics(), 0, "a thread panicked (see above)");
    figures
}

/// Crashes the workload of `point` at its crash point, in each of the
/// plan's crash states, and checks every one.
fn check_point(plan: &Plan, totals: &[u64], point: u64, figures: &mut Figures) {
    let workload = point % WORKLOADS;
    let total = totals[workload as usize];
    // Evenly spread over the run, jittered, so every phase gets points.
    let mut rng = StdRng::seed_from_u64(plan.base_seed ^ point.rotate_left(32));
    let stride = total as f64 / (plan.points / WORKLOADS).max(1) as f64;
    let base = ((point / WORKLOADS) as f64 * stride) as u64;
    let k = (base + rng.random_range(0..stride.ceil().max(1.0) as u64)).clamp(1, total);
    let (fs, history) = crashed_after(k, workload, plan.mode);
    for state in 0..plan.states {
        let seed = plan
            .base_seed
            .wrapping_mul(1_000_003)
            .wrapping_add(point * plan.states + state);
        check_state(plan, &fs, &history, (workload, k), seed, figures, false);
    }
    figures.points += 1;
}

/// Crashes the dead `fs` with `seed` (and every third seed again during the
/// recovery), opens it and checks it against `history`.
fn check_state(
    plan: &Plan,
    fs: &FaultFileSystem,
    history: &History,
    (workload, k): (u64, u64),
    seed: u64,
    figures: &mut Figures,
    show: bool,
) {
    let (mut rebooted, report) = fs.crash_with(CrashModel::new(seed));
    let mut reports = vec![report];
    if seed.is_multiple_of(3) {
        let j = rebooted.total_operations() + 1 + seed / 3 % 40;
        rebooted.crash_after(j);
        if let Ok(db) = StorageEngine::open(workload_config(&rebooted, plan.mode, workload)) {
            drop(db);
        }
        let (again, report) = rebooted.crash_with(CrashModel::new(seed ^ SECOND_CRASH));
        rebooted = again;
        reports.push(report);
        figures.double_crashes += 1;
    }
    let must = match plan.mode {
        SyncMode::Full => history.last_acknowledged().max(history.durable),
        _ => history.durable,
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        verify(
            &rebooted,
            history,
            must,
            workload_config(&rebooted, plan.mode, workload),
        )
    }));
    let describe = |reports: &[CrashReport]| {
        let shown: Vec<String> = reports.iter().map(ToString::to_string).collect();
        shown.join("\nthen, during the recovery, ")
    };
    if show {
        eprintln!("{}", describe(&reports));
    }
    let problem = match result {
        Ok(Ok((m, cut))) => {
            figures.states += 1;
            figures.acknowledged += history.acknowledged() as u64;
            figures.required += must as u64;
            let cross = history
                .attempts
                .iter()
                .filter(|a| spans_keyspaces(&a.changes));
            figures.cross_keyspace += cross.count() as u64;
            let ranged =
                (history.attempts.iter()).filter(|a| a.changes.iter().any(Change::is_range));
            figures.range_deletes += ranged.count() as u64;
            let lost = history.attempts[m..].iter().filter(|a| a.acknowledged);
            figures.acknowledged_lost += lost.count() as u64;
            figures.cut_before_valid_records += u64::from(cut);
            for report in &reports {
                for kind in report.file_kinds(".wal") {
                    *figures.log_kinds.entry(kind).or_default() += 1;
                }
                for kind in report.kinds() {
                    *figures.kinds.entry(*kind).or_default() += 1;
                }
            }
            return;
        }
        Ok(Err(problem)) => problem,
        Err(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(ToString::to_string))
            .unwrap_or_default(),
    };
    panic!(
        "{:?}, workload {workload}, power lost after operation {k}, crash seed {seed}: \
         {problem}\nreplay: FERRISDB_CRASH_REPLAY={workload}:{k}:{seed} cargo test -p \
         ferrisdb-storage --test {}\nthe crash: {}",
        plan.mode,
        plan.test,
        describe(&reports)
    );
}

/// Opens `fs`, checks it against `history` from `must` on, waits for its
/// compactions, checks for orphans and writes to it. Returns the `m` it
/// matched and whether its recovery cut a log before valid records.
fn verify(
    fs: &FaultFileSystem,
    history: &History,
    must: usize,
    config: StorageConfig,
) -> Result<(usize, bool), String> {
    let db = StorageEngine::open(config).map_err(|e| format!("reopen: {e}"))?;
    let recovered = read_all(&db).map_err(|e| format!("read: {e}"))?;
    let m = history.check_from(&recovered, must)?;
    history.check_keyspaces(&db.keyspaces())?;
    let cut = db.stats().recovery_dropped_wal_records > 0;
    db.wait_for_compactions()
        .map_err(|e| format!("background work: {e}"))?;
    assert_no_orphans(fs, &db_dir());
    db.put("after-recovery", "ok")
        .map_err(|e| format!("write after recovery: {e}"))?;
    db.close().map_err(|e| format!("close: {e}"))?;
    Ok((m, cut))
}
