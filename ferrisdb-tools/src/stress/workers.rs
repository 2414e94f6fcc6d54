//! The stress run itself: threads applying random batches of puts and
//! deletes to their own keys, reading them back and checking them, and
//! flushing now and then, with every write recorded in the expected state
//! first as pending and then as done.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrisdb_storage::{StorageEngine, WriteBatch};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::expected::{encode_value, generation, is_present, key_bytes, make_value, ExpectedState};
use super::{matches_state, BoxError, StressArgs};

/// Totals of a run, for the closing report.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    /// Acknowledged operations (writes, reads, flushes).
    pub operations: u64,
    /// Reads whose value was wrong.
    pub bad_reads: u64,
}

/// The threads' work: random batches, reads and flushes for
/// `args.duration` seconds. Prints `operations N` lines as it goes (the crash
/// test's parent reads them).
pub fn stress(args: &StressArgs, out: &mut dyn Write) -> Result<Totals, BoxError> {
    if args.threads == 0 || args.keys < args.threads {
        return Err("need at least one thread and one key per thread".into());
    }
    let db = Arc::new(StorageEngine::open(args.config())?);
    let expected = Arc::new(ExpectedState::open(&args.expected_path(), args.keys)?);
    let operations = Arc::new(AtomicU64::new(0));
    let bad_reads = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration);
    let seed = args.seed();
    let handles: Vec<_> = (0..args.threads)
        .map(|thread| {
            let (db, expected, operations, bad_reads, stop) = (
                Arc::clone(&db),
                Arc::clone(&expected),
                Arc::clone(&operations),
                Arc::clone(&bad_reads),
                Arc::clone(&stop),
            );
            let args = args.clone();
            std::thread::spawn(move || -> Result<(), BoxError> {
                let mut rng = StdRng::seed_from_u64(seed ^ thread.wrapping_mul(0x9e37_79b9));
                worker(
                    &args,
                    thread,
                    &db,
                    &expected,
                    &mut rng,
                    &operations,
                    &bad_reads,
                    &stop,
                )
            })
        })
        .collect();
    while Instant::now() < deadline && !handles.iter().all(|h| h.is_finished()) {
        std::thread::sleep(Duration::from_millis(50));
        let _ = writeln!(out, "operations {}", operations.load(Ordering::Relaxed));
        let _ = out.flush();
    }
    stop.store(true, Ordering::Relaxed);
    for handle in handles {
        handle.join().map_err(|_| "a stress thread panicked")??;
    }
    Arc::try_unwrap(db)
        .map_err(|_| "the database is still shared")?
        .close()?;
    Ok(Totals {
        operations: operations.load(Ordering::Relaxed),
        bad_reads: bad_reads.load(Ordering::Relaxed),
    })
}

#[allow(clippy::too_many_arguments)]
fn worker(
    args: &StressArgs,
    thread: u64,
    db: &StorageEngine,
    expected: &ExpectedState,
    rng: &mut StdRng,
    operations: &AtomicU64,
    bad_reads: &AtomicU64,
    stop: &AtomicBool,
) -> Result<(), BoxError> {
    let own_keys = (args.keys - thread).div_ceil(args.threads);
    let own_key = |rng: &mut StdRng| thread + rng.random_range(0..own_keys) * args.threads;
    let mut done = 0u64;
    while !stop.load(Ordering::Relaxed) && (args.ops_per_thread == 0 || done < args.ops_per_thread)
    {
        match rng.random_range(0..100) {
            0..=59 => {
                let mut batch = WriteBatch::new();
                let mut writes: Vec<(u64, u32)> = Vec::new();
                for _ in 0..rng.random_range(1..=4) {
                    let k = own_key(rng);
                    if writes.iter().any(|(w, _)| *w == k) {
                        continue;
                    }
                    let (pending, done) = expected.get(k)?;
                    let next = generation(pending.max(done)) + 1;
                    let present = rng.random_bool(0.85);
                    let value = make_value(next, present);
                    expected.set_pending(k, value)?;
                    if present {
                        batch.put(key_bytes(k), encode_value(k, value, args.value_size));
                    } else {
                        batch.delete(key_bytes(k));
                    }
                    writes.push((k, value));
                }
                db.write(batch)?;
                for (k, value) in writes {
                    expected.set_done(k, value)?;
                }
            }
            60..=97 => {
                // The thread's own key: no write of it is in flight.
                let k = own_key(rng);
                let (_, done) = expected.get(k)?;
                let found = db.get(key_bytes(k))?;
                if !matches_state(k, found.as_deref(), done, args.value_size) {
                    bad_reads.fetch_add(1, Ordering::Relaxed);
                    eprintln!(
                        "bad read of key {k}: expected generation {} ({}), found {:?}",
                        generation(done),
                        if is_present(done) { "put" } else { "deleted" },
                        found.map(|v| String::from_utf8_lossy(&v).into_owned())
                    );
                }
            }
            _ => {
                if thread == 0 {
                    db.flush()?;
                }
            }
        }
        done += 1;
        operations.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}
