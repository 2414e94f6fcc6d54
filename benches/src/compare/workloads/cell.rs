//! One workload timed with the process's metrics around it ([`Context`]'s
//! cell methods), giving one [`Record`].

use std::path::Path;
use std::time::Instant;

use ferrisdb_tools::bench::data::{derive_seed, Rng};

use super::measure::{measure, Measured, Outcome};
use super::{Dirs, Scale};
use crate::compare::engine::{Engine, Opener, PeerResult, Profile};
use crate::compare::metrics;
use crate::compare::record::Record;

/// What every cell of one process shares.
#[derive(Debug, Clone)]
pub struct Context {
    /// The sizes.
    pub scale: Scale,
    /// The profile.
    pub profile: Profile,
    /// Run number, from 1.
    pub run: u32,
    /// Position of the process in the suite's order, from 1.
    pub slot: u32,
    /// Seed of every key and value choice; the same for every engine.
    pub seed: u64,
    /// Directories.
    pub dirs: Dirs,
}

/// How a cell's write figures are counted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Writes {
    /// Bytes of keys and values the cell wrote (for the device write
    /// amplification); 0 for reads.
    pub user_bytes: u64,
    /// Settle the tree after the operations, timing it.
    pub settle: bool,
}

impl Context {
    /// The seed of workload `name`, so the same workload chooses the same
    /// keys on every engine whatever ran before it.
    pub fn seed_of(&self, name: &str) -> u64 {
        let tag = name
            .bytes()
            .fold(0u64, |h, b| h.rotate_left(8) ^ u64::from(b));
        derive_seed(self.seed, tag)
    }

    /// A generator for operation `i` of thread `thread` of the workload
    /// seeded `seed`: stateless, so threads share nothing.
    pub fn rng(seed: u64, thread: usize, i: u64) -> Rng {
        Rng::new(derive_seed(seed ^ ((thread as u64) << 48), i))
    }

    /// Times `per_thread` calls of `op` on each of `threads` threads, and
    /// the settle after them if `writes.settle`, with the CPU time, device
    /// writes and peak memory of the whole process over both.
    #[allow(clippy::too_many_arguments)]
    pub fn cell<F>(
        &self,
        engine: &dyn Opener,
        db: &dyn Engine,
        name: &str,
        threads: usize,
        per_thread: u64,
        writes: Writes,
        op: F,
    ) -> PeerResult<Record>
    where
        F: Fn(usize, u64) -> PeerResult<Outcome> + Sync,
    {
        let start = self.begin();
        let measured = measure(threads, per_thread, op)?;
        self.finish(engine, db, name, threads, measured, writes, start)
    }

    /// Resets the peak memory and reads the counters a cell starts from.
    pub fn begin(&self) -> metrics::Usage {
        metrics::reset_peak_rss();
        metrics::usage()
    }

    /// The record of a measured cell that started at `start`, after its
    /// settle if `writes.settle`.
    #[allow(clippy::too_many_arguments)]
    pub fn finish(
        &self,
        engine: &dyn Opener,
        db: &dyn Engine,
        name: &str,
        threads: usize,
        m: Measured,
        writes: Writes,
        start: metrics::Usage,
    ) -> PeerResult<Record> {
        let settle_secs = if writes.settle {
            let begin = Instant::now();
            db.settle()?;
            begin.elapsed().as_secs_f64()
        } else {
            0.0
        };
        let end = metrics::usage();
        let ops = m.ops.max(1);
        let secs = m.elapsed.as_secs_f64().max(1e-9);
        let us = |percent: f64| m.latency.percentile(percent) as f64 / 1000.0;
        let device_write_amp = if writes.user_bytes > 0 {
            end.write_bytes.saturating_sub(start.write_bytes) as f64 / writes.user_bytes as f64
        } else {
            0.0
        };
        let note = if m.found > 0 && m.found < m.ops {
            format!("{} of {} found", m.found, m.ops)
        } else {
            String::new()
        };
        Ok(Record {
            scale: self.scale.name.clone(),
            engine: engine.name().to_string(),
            version: engine.version().to_string(),
            profile: self.profile.name().to_string(),
            run: self.run,
            slot: self.slot,
            workload: name.to_string(),
            threads: threads as u32,
            ops: m.ops,
            secs,
            ops_per_sec: m.ops as f64 / secs,
            p50_us: us(50.0),
            p99_us: us(99.0),
            p999_us: us(99.9),
            max_us: m.latency.max() as f64 / 1000.0,
            cpu_us_per_op: end.cpu.saturating_sub(start.cpu).as_secs_f64() * 1e6 / ops as f64,
            peak_rss_bytes: metrics::peak_rss_bytes().unwrap_or(0),
            device_write_amp,
            space_amp: 0.0,
            settle_secs,
            stall_secs: m.stalled.as_secs_f64(),
            timeline: m.timeline,
            note,
        })
    }

    /// Opens a database in `dir` (made fresh), writing the engine's
    /// settings out the first time a profile is seen.
    pub fn open(
        &self,
        engine: &dyn Opener,
        dir: &Path,
        sync: bool,
        lz4: bool,
    ) -> PeerResult<Box<dyn Engine>> {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
        let options = crate::compare::engine::OpenOptions {
            profile: self.profile,
            sync,
            lz4,
        };
        let db = engine.open(dir, &options)?;
        if let Some(settings) = &self.dirs.settings {
            let suffix = match (sync, lz4) {
                (false, false) => "",
                (true, _) => "-sync",
                (false, true) => "-lz4",
            };
            let file = settings.join(format!(
                "{}-{}{suffix}.txt",
                engine.name(),
                self.profile.name()
            ));
            if !file.exists() {
                std::fs::create_dir_all(settings)?;
                std::fs::write(&file, engine.describe(dir, &options)?)?;
            }
        }
        Ok(db)
    }
}

/// The space amplification of the database in `dir` holding `live_bytes`
/// of keys and values.
pub fn space_amp(dir: &Path, live_bytes: u64) -> PeerResult<f64> {
    Ok(metrics::dir_bytes(dir)? as f64 / live_bytes.max(1) as f64)
}
