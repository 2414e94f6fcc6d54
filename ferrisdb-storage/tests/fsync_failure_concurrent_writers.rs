//! An fsync of the log fails while several threads write under
//! `SyncMode::Full`.
//!
//! - Every writer whose write was not acknowledged gets an error, and no
//!   writer is acknowledged after one failed: group commit must not let a
//!   thread whose record a failed sync was to cover believe it durable.
//! - The engine turns read-only: every later write, flush and `sync_wal`
//!   fails with an error that says to reopen, while `get`, `scan` and
//!   snapshots keep working and show exactly the acknowledged writes (a
//!   write whose sync failed is never visible).
//! - After a reopen, in place (the process restarted) or after a power loss,
//!   every acknowledged write is there; of the writes whose sync failed
//!   (outcome unknown, as `StorageEngine::write` documents) the database
//!   holds a prefix in log order, whole batches, nothing else: no hole.
//!
//! One deterministic case holds the failing sync (`hold_syncs`) until three
//! more writers have queued behind it; the seeded rounds fail the `n`th log
//! sync, `n` random, while four threads write with the smallest logs and
//! MemTables, so the failure also lands in rotations (the seal's syncs, the
//! new log's header) and races with flushes and compactions.
//!
//! `FERRISDB_FSYNC_FAILURE_ROUNDS` (default 100) sets the seeded rounds.

mod reliability;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, OpKind};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalReader};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine, SyncMode, WriteBatch};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reliability::*;

const THREADS: usize = 4;
/// A bound no round comes near: the failure stops every writer long before.
const MAX_WRITES: usize = 2_000;

/// A write a thread attempted: its pairs and what `write` returned.
#[derive(Debug)]
struct Attempt {
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
    result: Result<(), String>,
}

/// The refusal of a stopped engine: an I/O error (the log writer's) or the
/// background error, saying to reopen.
fn assert_refusal(error: &Error, context: &str) {
    assert!(
        matches!(error, Error::Io { .. } | Error::Background(_)),
        "{context}: {error:?}"
    );
    assert!(error.to_string().contains("reopen"), "{context}: {error}");
}

/// Thread `t`'s writes until the engine refuses one, then two more attempts,
/// which must be refused too. Every fifth write is a batch of two puts.
fn writer(db: &StorageEngine, t: usize, seed: u64) -> Vec<Attempt> {
    let mut rng = StdRng::seed_from_u64(seed * 100 + t as u64);
    let mut attempts: Vec<Attempt> = Vec::new();
    for i in 0..MAX_WRITES {
        let parts: &[&str] = if i % 5 == 4 { &["a", "b"] } else { &[""] };
        let pairs: Vec<(Vec<u8>, Vec<u8>)> = parts
            .iter()
            .map(|part| {
                let key = format!("t{t}-{i:04}{part}").into_bytes();
                let mut value = format!("value of t{t}-{i:04}{part} ").into_bytes();
                value.resize(rng.random_range(20..400), b'.');
                (key, value)
            })
            .collect();
        let batch: WriteBatch = pairs.iter().cloned().collect();
        let result = db.write(batch).map(|_| ()).map_err(|e| {
            assert!(
                matches!(e, Error::Io { .. } | Error::Background(_)),
                "t{t} write {i}: {e:?}"
            );
            e.to_string()
        });
        let failed = attempts.iter().any(|a| a.result.is_err());
        assert!(
            !(failed && result.is_ok()),
            "t{t}: write {i} acknowledged after an earlier one failed"
        );
        attempts.push(Attempt { pairs, result });
        if attempts.iter().filter(|a| a.result.is_err()).count() == 3 {
            return attempts;
        }
    }
    panic!("t{t}: {MAX_WRITES} writes and the engine never failed one");
}

/// The keys of the records in the logs `fs` holds now, in log order.
fn log_order(fs: &FaultFileSystem) -> Vec<Vec<Vec<u8>>> {
    let mut order = Vec::new();
    for (_, path) in wal_files(fs, &db_dir()).unwrap() {
        let reader = WalReader::open(fs, &path, RecoveryMode::PointInTimeRecovery).unwrap();
        for record in reader {
            let (_, batch) = WriteBatch::decode(&record.unwrap().payload).unwrap();
            order.push(batch.iter().map(|(_, k, _)| k.to_vec()).collect());
        }
    }
    order
}

/// Checks `recovered` against the attempts: every acknowledged write, and of
/// the records in `order` (the logs before the reopen) a prefix, nothing
/// else.
fn check_recovered(recovered: &State, attempts: &[Attempt], order: &[Vec<Vec<u8>>], context: &str) {
    let mut acked = State::new();
    let mut written: BTreeMap<&[u8], &[u8]> = BTreeMap::new();
    for attempt in attempts {
        for (k, v) in &attempt.pairs {
            written.insert(k, v);
            if attempt.result.is_ok() {
                acked.insert(k.clone(), v.clone());
            }
        }
    }
    for (k, v) in &acked {
        assert_eq!(
            recovered.get(k),
            Some(v),
            "{context}: acknowledged {} lost",
            String::from_utf8_lossy(k)
        );
    }
    for (k, v) in recovered {
        assert_eq!(
            written.get(k.as_slice()).copied(),
            Some(v.as_slice()),
            "{context}: {} was never written so",
            String::from_utf8_lossy(k)
        );
    }
    // In log order: records present, then records absent; a record whole.
    let mut absent_seen: Option<usize> = None;
    for (i, keys) in order.iter().enumerate() {
        let present: Vec<bool> = keys.iter().map(|k| recovered.contains_key(k)).collect();
        assert!(
            present.iter().all(|&p| p == present[0]),
            "{context}: record {i} of the logs is there only in part"
        );
        match (present[0], absent_seen) {
            (false, None) => absent_seen = Some(i),
            (true, Some(hole)) => {
                panic!("{context}: record {i} of the logs is there, record {hole} before it is not")
            }
            _ => {}
        }
    }
    // A failed write the logs do not hold never reached them.
    let logged: BTreeSet<&Vec<u8>> = order.iter().flatten().collect();
    for attempt in attempts.iter().filter(|a| a.result.is_err()) {
        for (k, _) in &attempt.pairs {
            if !logged.contains(k) {
                assert!(
                    !recovered.contains_key(k),
                    "{context}: {} is there, but it never reached the log",
                    String::from_utf8_lossy(k)
                );
            }
        }
    }
}

/// What the stopped engine must still do: refuse writes, read exactly the
/// acknowledged ones.
fn check_stopped(db: &StorageEngine, attempts: &[Attempt], context: &str) {
    for error in [
        db.put("late", "v").unwrap_err(),
        db.delete("late").unwrap_err(),
        db.flush().unwrap_err(),
        db.sync_wal().unwrap_err(),
    ] {
        assert_refusal(&error, context);
    }
    let acked: State = attempts
        .iter()
        .filter(|a| a.result.is_ok())
        .flat_map(|a| a.pairs.iter().cloned())
        .collect();
    assert_eq!(
        read_all(db).unwrap(),
        acked,
        "{context}: reads after the failure"
    );
    let snapshot = db.snapshot().unwrap();
    for attempt in attempts {
        for (k, v) in &attempt.pairs {
            let expected = attempt.result.is_ok().then_some(&v[..]);
            assert_eq!(snapshot.get(k).unwrap().as_deref(), expected, "{context}");
        }
    }
}

/// Reopens `fs` in place and after a power loss; checks both, and that
/// each takes writes again.
fn reopen_both_ways(fs: FaultFileSystem, attempts: &[Attempt], context: &str) {
    let order = log_order(&fs);
    let in_place = fs.fork();
    let after_power_loss = fs.crash();
    for (fs, how) in [
        (in_place, "in place"),
        (after_power_loss, "after power loss"),
    ] {
        let context = format!("{context}, reopened {how}");
        let db = open(&fs).unwrap_or_else(|e| panic!("{context}: {e}"));
        check_recovered(&read_all(&db).unwrap(), attempts, &order, &context);
        db.put("after", "reopen").unwrap();
        db.wait_for_compactions().unwrap();
        db.close().unwrap();
        assert_no_orphans(&fs, &db_dir());
    }
}

#[test]
fn a_failed_sync_fails_every_writer_and_loses_no_acknowledged_write() {
    watch_panics();
    let rounds = env_or("FERRISDB_FSYNC_FAILURE_ROUNDS", 100);
    let mut acknowledged = 0;
    for seed in 0..rounds {
        let mut rng = StdRng::seed_from_u64(seed);
        let fs = fresh_fs();
        let db = Arc::new(open(&fs).unwrap());
        // Four writers need at least one sync per four writes, so the fault
        // fires within the first few dozen writes of each.
        let n = rng.random_range(1..=40);
        let context = format!("seed {seed}, log sync {n} fails");
        fs.fail_path_at(n, false, &[OpKind::Sync], FaultKind::Io, ".wal");
        let attempts: Vec<Attempt> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    let db = &db;
                    s.spawn(move || writer(db, t, seed))
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        assert_eq!(fs.failures(), 1, "{context}");
        check_stopped(&db, &attempts, &context);
        acknowledged += attempts.iter().filter(|a| a.result.is_ok()).count();
        drop(db);
        reopen_both_ways(fs, &attempts, &context);
    }
    assert_eq!(panics(), 0, "a thread panicked (see above)");
    eprintln!("fsync failure rounds: {rounds}, acknowledged writes checked: {acknowledged}");
}

/// Waits until `done` holds, failing after a minute: a guard, not a timing.
fn wait_for(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "{what} did not happen");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_failed_group_commit_fails_every_writer_queued_behind_it() {
    let fs = fresh_fs();
    let config = StorageConfig {
        wal_sync_mode: SyncMode::Full,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new(db_dir())
    };
    let db = StorageEngine::open(config.clone()).unwrap();
    db.put("before", "durable").unwrap();
    let value = vec![b'w'; 1_000];
    let results: Vec<Result<(), String>> = std::thread::scope(|s| {
        let held = fs.hold_syncs(".wal");
        let leader = s.spawn(|| db.put("w0", &value));
        held.wait_until_held(1);
        // Three more writers frame their records while the leader's sync is
        // held: they wait for it, then for a sync of their own.
        let before = db.stats().wal_bytes_written;
        let followers: Vec<_> = (1..=3)
            .map(|i| {
                let value = &value;
                let db = &db;
                s.spawn(move || db.put(format!("w{i}"), value))
            })
            .collect();
        wait_for("three records queued", || {
            db.stats().wal_bytes_written >= before + 3 * 1_000
        });
        fs.fail_path_at(1, false, &[OpKind::Sync], FaultKind::Io, ".wal");
        held.release();
        std::iter::once(leader)
            .chain(followers)
            .map(|h| h.join().unwrap().map(|_| ()).map_err(|e| e.to_string()))
            .collect()
    });
    for (i, result) in results.iter().enumerate() {
        assert!(
            result.is_err(),
            "w{i} acknowledged although its sync failed"
        );
    }
    let attempts: Vec<Attempt> = std::iter::once(Attempt {
        pairs: vec![(b"before".to_vec(), b"durable".to_vec())],
        result: Ok(()),
    })
    .chain(results.into_iter().enumerate().map(|(i, result)| Attempt {
        pairs: vec![(format!("w{i}").into_bytes(), value.clone())],
        result,
    }))
    .collect();
    check_stopped(&db, &attempts, "group commit");
    drop(db);

    // The leader's record reached the file before its sync failed; the
    // followers' were still in the writer's buffer, which a failed writer
    // never writes. So a restarted process finds `w0`, and a power loss,
    // which turns the bytes of a failed sync into zeros, does not.
    let in_place = fs.fork();
    let rebooted = fs.crash();
    for (fs, expected) in [
        (in_place, &["before", "w0"][..]),
        (rebooted, &["before"][..]),
    ] {
        let db = StorageEngine::open(StorageConfig {
            file_system: Arc::new(fs.clone()),
            ..config.clone()
        })
        .unwrap();
        let keys: Vec<String> = read_all(&db)
            .unwrap()
            .into_keys()
            .map(|k| String::from_utf8(k).unwrap())
            .collect();
        assert_eq!(keys, expected);
        db.put("after", "reopen").unwrap();
    }
}
