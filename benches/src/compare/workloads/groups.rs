//! The workloads of each [`Group`], in the order they run on its database.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ferrisdb_tools::bench::data::fill_key;

use super::cell::{space_amp, Context, Writes};
use super::measure::{measure_until, Outcome, STALL_THRESHOLD};
use super::values::{Live, Values};
use super::Group;
use crate::compare::engine::{Engine, Opener, PeerResult};
use crate::compare::record::Record;

/// Runs `group` on `engine` in `ctx.dirs.root`, giving each workload's
/// record to `emit` as it ends, and removes the directory.
///
/// # Errors
/// The first error of the engine or of the file system.
pub fn run_group(
    engine: &dyn Opener,
    group: Group,
    ctx: &Context,
    emit: &mut dyn FnMut(Record),
) -> PeerResult<()> {
    let result = match group {
        Group::FillSeq => fill_seq(engine, ctx, emit),
        Group::Random => random(engine, ctx, emit, false),
        Group::Compressible => random(engine, ctx, emit, true),
        Group::FillSync => fill_sync(engine, ctx, emit),
        Group::Ycsb => super::ycsb::run(engine, ctx, emit),
    };
    let _ = std::fs::remove_dir_all(&ctx.dirs.root);
    result
}

fn fill_seq(engine: &dyn Opener, ctx: &Context, emit: &mut dyn FnMut(Record)) -> PeerResult<()> {
    let s = &ctx.scale;
    let dir = ctx.dirs.root.join("db");
    let db = ctx.open(engine, &dir, false, false)?;
    let values = Values::new(s.value_size, 1.0, ctx.seed_of("values"));
    let seed = ctx.seed_of("fillseq");
    let writes = Writes {
        user_bytes: s.num * s.entry_bytes(),
        settle: true,
    };
    let mut r = ctx.cell(engine, &*db, "fillseq", 1, s.num, writes, |t, i| {
        let mut key = [0u8; 64];
        let key = &mut key[..s.key_size];
        fill_key(key, i);
        db.put(key, values.pick(&mut Context::rng(seed, t, i)))?;
        Ok(Outcome::Written)
    })?;
    r.space_amp = space_amp(&dir, s.num * s.entry_bytes())?;
    emit(r);
    db.close()
}

/// Random writes of `per_thread` keys per thread, marking them in `live`.
#[allow(clippy::too_many_arguments)]
fn write_random(
    engine: &dyn Opener,
    db: &dyn Engine,
    ctx: &Context,
    name: &str,
    values: &Values,
    live: Option<&Live>,
    threads: usize,
    per_thread: u64,
) -> PeerResult<Record> {
    let s = &ctx.scale;
    let seed = ctx.seed_of(name);
    let writes = Writes {
        user_bytes: per_thread * threads as u64 * s.entry_bytes(),
        settle: live.is_some(),
    };
    ctx.cell(engine, db, name, threads, per_thread, writes, |t, i| {
        let mut rng = Context::rng(seed, t, i);
        let index = rng.below(s.num);
        let mut key = [0u8; 64];
        let key = &mut key[..s.key_size];
        fill_key(key, index);
        db.put(key, values.pick(&mut rng))?;
        if let Some(live) = live {
            live.set(index, true);
        }
        Ok(Outcome::Written)
    })
}

/// `reads` gets of random keys over `threads` threads; `missing` appends a
/// byte to each key, so it is absent but inside the key range.
fn read_random(
    engine: &dyn Opener,
    db: &dyn Engine,
    ctx: &Context,
    name: &str,
    threads: usize,
    missing: bool,
) -> PeerResult<Record> {
    let s = &ctx.scale;
    let seed = ctx.seed_of(name);
    let per_thread = (s.reads / threads as u64).max(1);
    ctx.cell(
        engine,
        db,
        name,
        threads,
        per_thread,
        Writes::default(),
        |t, i| {
            let mut key = [0u8; 65];
            fill_key(
                &mut key[..s.key_size],
                Context::rng(seed, t, i).below(s.num),
            );
            key[s.key_size] = b'.';
            let key = &key[..s.key_size + usize::from(missing)];
            Ok(match db.get(key)? {
                Some(_) => Outcome::Found,
                None => Outcome::Missing,
            })
        },
    )
}

fn random(
    engine: &dyn Opener,
    ctx: &Context,
    emit: &mut dyn FnMut(Record),
    compressible: bool,
) -> PeerResult<()> {
    let s = &ctx.scale;
    let dir = ctx.dirs.root.join("db");
    let handle = ctx.open(engine, &dir, false, compressible)?;
    let db = &*handle;
    let ratio = if compressible { 0.5 } else { 1.0 };
    let values = Values::new(s.value_size, ratio, ctx.seed_of("values"));
    let live = Live::new(s.num);
    let suffix = if compressible { "-lz4" } else { "" };
    let mut r = write_random(
        engine,
        db,
        ctx,
        &format!("fillrandom{suffix}"),
        &values,
        Some(&live),
        1,
        s.num,
    )?;
    r.space_amp = space_amp(&dir, live.count() * s.entry_bytes())?;
    emit(r);
    if compressible {
        emit(read_random(engine, db, ctx, "readrandom-lz4", 1, false)?);
        return handle.close();
    }
    let mut r = write_random(
        engine,
        db,
        ctx,
        "overwrite",
        &values,
        Some(&live),
        1,
        s.rewrites,
    )?;
    r.space_amp = space_amp(&dir, live.count() * s.entry_bytes())?;
    emit(r);
    for threads in [1, 2, 4, 8] {
        let name = format!("readrandom/{threads}t");
        emit(read_random(engine, db, ctx, &name, threads, false)?);
    }
    emit(read_random(engine, db, ctx, "readmissing", 1, true)?);
    for entries in [10usize, 100] {
        let name = format!("seekrandom/{entries}");
        let seed = ctx.seed_of(&name);
        let seeks = (s.reads * 10 / entries as u64 / 2).max(1);
        emit(
            ctx.cell(engine, db, &name, 1, seeks, Writes::default(), |t, i| {
                let mut key = [0u8; 64];
                let key = &mut key[..s.key_size];
                fill_key(key, Context::rng(seed, t, i).below(s.num));
                Ok(if db.seek(key, entries)? > 0 {
                    Outcome::Found
                } else {
                    Outcome::Missing
                })
            })?,
        );
    }
    let start = ctx.begin();
    let entries = AtomicU64::new(0);
    let mut scanned = measure_until(1, 1, &AtomicBool::new(false), |_, _| {
        // Relaxed: read after the scan's thread joined.
        entries.store(db.scan_all()?.0, Ordering::Relaxed);
        Ok(Outcome::Found)
    })?;
    let entries = entries.load(Ordering::Relaxed);
    scanned.timeline.clear();
    let mut r = ctx.finish(engine, db, "readseq", 1, scanned, Writes::default(), start)?;
    r.ops = entries;
    r.ops_per_sec = entries as f64 / r.secs;
    r.cpu_us_per_op /= entries.max(1) as f64;
    (r.p50_us, r.p99_us, r.p999_us, r.max_us) = (0.0, 0.0, 0.0, 0.0);
    r.note = format!("one scan of {entries} entries: no per-entry latency");
    emit(r);
    emit(read_while_writing(engine, db, ctx, &values, &live)?);
    let seed = ctx.seed_of("deleterandom");
    let writes = Writes {
        user_bytes: s.rewrites * s.key_size as u64,
        settle: true,
    };
    let mut r = ctx.cell(engine, db, "deleterandom", 1, s.rewrites, writes, |t, i| {
        let index = Context::rng(seed, t, i).below(s.num);
        let mut key = [0u8; 64];
        let key = &mut key[..s.key_size];
        fill_key(key, index);
        db.delete(key)?;
        live.set(index, false);
        Ok(Outcome::Written)
    })?;
    r.space_amp = space_amp(&dir, live.count() * s.entry_bytes())?;
    emit(r);
    handle.close()
}

/// Readers doing readrandom while one writer puts random keys as fast as
/// it can until they finish; the writer's puts are in the note.
fn read_while_writing(
    engine: &dyn Opener,
    db: &dyn Engine,
    ctx: &Context,
    values: &Values,
    live: &Live,
) -> PeerResult<Record> {
    let s = &ctx.scale;
    let (read_seed, write_seed) = (ctx.seed_of("rww-read"), ctx.seed_of("rww-write"));
    let done = AtomicBool::new(false);
    let written = AtomicU64::new(0);
    let stalled = AtomicU64::new(0);
    let start = ctx.begin();
    let (measured, writer) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| -> PeerResult<()> {
            let mut key = vec![0u8; s.key_size];
            let mut i = 0;
            // Relaxed: the flag only ends the loop; nothing is published
            // through it.
            while !done.load(Ordering::Relaxed) {
                let mut rng = Context::rng(write_seed, 0, i);
                let index = rng.below(s.num);
                fill_key(&mut key, index);
                let begin = Instant::now();
                db.put(&key, values.pick(&mut rng))?;
                let took = begin.elapsed();
                if took >= STALL_THRESHOLD {
                    // Relaxed: read after the writer joined.
                    stalled.fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
                }
                live.set(index, true);
                i += 1;
            }
            written.store(i, Ordering::Relaxed);
            Ok(())
        });
        let measured = measure_until(1, s.reads, &AtomicBool::new(false), |t, i| {
            let mut key = [0u8; 64];
            let key = &mut key[..s.key_size];
            fill_key(key, Context::rng(read_seed, t, i).below(s.num));
            Ok(match db.get(key)? {
                Some(_) => Outcome::Found,
                None => Outcome::Missing,
            })
        });
        done.store(true, Ordering::Relaxed);
        (measured, writer.join().expect("the writer panicked"))
    });
    let measured = measured?;
    writer?;
    let puts = written.load(Ordering::Relaxed);
    let writes = Writes {
        user_bytes: puts * s.entry_bytes(),
        settle: true,
    };
    let mut r = ctx.finish(engine, db, "readwhilewriting", 1, measured, writes, start)?;
    // The readers never stall on writes; the writer's stalls are the cell's.
    r.stall_secs = Duration::from_nanos(stalled.load(Ordering::Relaxed)).as_secs_f64();
    r.note = format!("{}; writer: {puts} puts", r.note);
    Ok(r)
}

fn fill_sync(engine: &dyn Opener, ctx: &Context, emit: &mut dyn FnMut(Record)) -> PeerResult<()> {
    let s = &ctx.scale;
    let values = Values::new(s.value_size, 1.0, ctx.seed_of("values"));
    for threads in [1, 4, 8, 16] {
        let dir = ctx.dirs.root.join(format!("db-{threads}"));
        let db = ctx.open(engine, &dir, true, false)?;
        let name = format!("fillsync/{threads}t");
        emit(write_random(
            engine,
            &*db,
            ctx,
            &name,
            &values,
            None,
            threads,
            s.sync_writes,
        )?);
        db.close()?;
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}
