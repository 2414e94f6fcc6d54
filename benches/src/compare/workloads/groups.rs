//! The workloads of each [`Group`], in the order they run on its database.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ferrisdb_tools::bench::data::{fill_key, Rng, ValueSource};

use super::cell::{space_amp, Context, Writes};
use super::measure::{measure, measure_until, Outcome, STALL_THRESHOLD};
use super::ycsb::{Action, Ycsb, Zipfian};
use super::Group;
use crate::compare::engine::{Engine, Opener, PeerResult};
use crate::compare::record::Record;

/// Values cut from a fixed buffer at offsets chosen per operation, so
/// threads share the buffer and no value costs an allocation.
struct Values {
    data: Vec<u8>,
    size: usize,
}

impl Values {
    /// `ratio` 1.0 gives random bytes; 0.5 gives `db_bench`'s
    /// half-compressible values.
    fn new(size: usize, ratio: f64, seed: u64) -> Values {
        let mut rng = Rng::new(seed);
        let mut source = if ratio >= 1.0 {
            ValueSource::new(size, &mut rng)
        } else {
            ValueSource::compressible(size, ratio, &mut rng)
        };
        let mut data = Vec::with_capacity((1 << 20) + 2 * size);
        while data.len() < (1 << 20) + size {
            data.extend_from_slice(source.next_value());
            if size == 0 {
                break;
            }
        }
        Values { data, size }
    }

    /// The value for a draw of `rng`.
    fn pick(&self, rng: &mut Rng) -> &[u8] {
        let offset = rng.below((self.data.len() - self.size) as u64) as usize;
        &self.data[offset..offset + self.size]
    }
}

/// Which keys of `0..num` hold a value, for the space amplification.
struct Live(Vec<AtomicU64>);

impl Live {
    fn new(num: u64) -> Live {
        Live((0..num.div_ceil(64)).map(|_| AtomicU64::new(0)).collect())
    }
    fn set(&self, index: u64, present: bool) {
        let (word, bit) = ((index / 64) as usize, 1u64 << (index % 64));
        // Relaxed: the bits are read only after the writing threads joined.
        if present {
            self.0[word].fetch_or(bit, Ordering::Relaxed);
        } else {
            self.0[word].fetch_and(!bit, Ordering::Relaxed);
        }
    }
    fn count(&self) -> u64 {
        self.0
            .iter()
            .map(|w| u64::from(w.load(Ordering::Relaxed).count_ones()))
            .sum()
    }
}

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
        Group::Ycsb => ycsb(engine, ctx, emit),
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

/// A step coprime with `num`, so `i * step % num` visits every index once.
fn coprime_step(num: u64) -> u64 {
    [1_000_003u64, 998_244_353, 2_147_483_647]
        .into_iter()
        .find(|p| !num.is_multiple_of(*p))
        .unwrap_or(1)
}

fn ycsb(engine: &dyn Opener, ctx: &Context, emit: &mut dyn FnMut(Record)) -> PeerResult<()> {
    let s = &ctx.scale;
    let dir = ctx.dirs.root.join("db");
    let handle = ctx.open(engine, &dir, false, false)?;
    let db = &*handle;
    let values = Values::new(s.value_size, 1.0, ctx.seed_of("values"));
    let step = coprime_step(s.num);
    let load_seed = ctx.seed_of("ycsb-load");
    let writes = Writes {
        user_bytes: s.num * s.entry_bytes(),
        settle: true,
    };
    let mut r = ctx.cell(engine, db, "ycsb-load", 1, s.num, writes, |t, i| {
        let mut key = [0u8; 64];
        let key = &mut key[..s.key_size];
        fill_key(
            key,
            (u128::from(i) * u128::from(step) % u128::from(s.num)) as u64,
        );
        db.put(key, values.pick(&mut Context::rng(load_seed, t, i)))?;
        Ok(Outcome::Written)
    })?;
    r.space_amp = space_amp(&dir, s.num * s.entry_bytes())?;
    emit(r);
    let zipf = Zipfian::new(s.num);
    // Keys inserted by D and E follow the loaded ones.
    let inserted = AtomicU64::new(0);
    for workload in Ycsb::ORDER {
        let seed = ctx.seed_of(workload.name());
        let puts = AtomicU64::new(0);
        let start = ctx.begin();
        let measured = measure(1, s.ycsb_ops, |t, i| {
            let mut rng = Context::rng(seed, t, i);
            let action = workload.action(&mut rng);
            let mut key = [0u8; 64];
            let key = &mut key[..s.key_size];
            // Relaxed: one client thread; the count only names new keys.
            let latest = s.num + inserted.load(Ordering::Relaxed);
            let index = match (workload, action) {
                (_, Action::Insert) => s.num + inserted.fetch_add(1, Ordering::Relaxed),
                (Ycsb::D, _) => latest - 1 - zipf.next(&mut rng).min(latest - 1),
                _ => zipf.next_scrambled(&mut rng),
            };
            fill_key(key, index);
            Ok(match action {
                Action::Read => match db.get(key)? {
                    Some(_) => Outcome::Found,
                    None => Outcome::Missing,
                },
                Action::Update | Action::Insert => {
                    db.put(key, values.pick(&mut rng))?;
                    puts.fetch_add(1, Ordering::Relaxed);
                    Outcome::Written
                }
                Action::Scan(entries) => {
                    db.seek(key, entries)?;
                    Outcome::Found
                }
                Action::ReadModifyWrite => {
                    db.get(key)?;
                    db.put(key, values.pick(&mut rng))?;
                    puts.fetch_add(1, Ordering::Relaxed);
                    Outcome::Written
                }
            })
        })?;
        // Relaxed: read after the client thread joined.
        let writes = Writes {
            user_bytes: puts.load(Ordering::Relaxed) * s.entry_bytes(),
            settle: true,
        };
        let mut r = ctx.finish(engine, db, workload.name(), 1, measured, writes, start)?;
        r.note = String::new();
        emit(r);
    }
    handle.close()
}
