//! `ferrisdb-stress`: a db_stress-style stress and crash test.
//!
//! Several threads apply random batches of puts and deletes, read keys back
//! and check them, and flush now and then, while every write is recorded in
//! an expected-state file ([`expected`]) that survives the process. A run
//! ends by verifying every key against that file.
//!
//! With `--crash-test` the tool is its own parent: it starts itself as a
//! child doing the above, kills it with SIGKILL at a random moment, reopens
//! the database, verifies every key (a key must hold the last acknowledged
//! write or the one in flight), and repeats for `--iterations` rounds within
//! `--duration` seconds.
//!
//! Exit status: 0 when every check passed, 1 when a check failed (a lost
//! acknowledged write or a wrong read), 2 for a usage or I/O error.
//!
//! This file holds the flags ([`StressArgs`]), the choice of mode ([`run`])
//! and the verification against the expected state ([`verify_db`]); the
//! threads of a run ([`stress`]) are in `workers.rs`, and the parent of a
//! crash test in `crash.rs`.

mod crash;
pub mod expected;
mod workers;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode};

use crash::crash_test;
use expected::{decode_value, generation, is_present, key_bytes, ExpectedState};

pub use workers::{stress, Totals};

/// The command line of `ferrisdb-stress`.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "ferrisdb-stress",
    about = "Stress FerrisDB with threads of random batches and reads, checked against an \
             expected-state file; --crash-test kills it with SIGKILL and verifies",
    after_help = "Exit status: 0 all checks passed, 1 a check failed, 2 usage or I/O error."
)]
pub struct StressArgs {
    /// The database directory.
    #[arg(long, default_value = "./stress-db")]
    pub db: PathBuf,
    /// The expected-state file [default: the database path + `.expected`].
    #[arg(long)]
    pub expected: Option<PathBuf>,
    /// Writer threads; key k belongs to thread k % threads.
    #[arg(long, default_value_t = 4)]
    pub threads: u64,
    /// Number of keys.
    #[arg(long, default_value_t = 10_000)]
    pub keys: u64,
    /// Seconds to run (per child in a crash test: the whole test).
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Stop each thread after this many operations (0: no limit).
    #[arg(long, default_value_t = 0)]
    pub ops_per_thread: u64,
    /// Bytes of each stored value.
    #[arg(long, default_value_t = 100)]
    pub value_size: usize,
    /// MemTable size in bytes: small values flush often.
    #[arg(long, default_value_t = 256 << 10)]
    pub memtable_size: usize,
    /// How writes are synced.
    #[arg(long, value_enum, default_value_t = Sync::Normal)]
    pub sync: Sync,
    /// Seed of the random choices (default: from the clock).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run as parent: start children, kill them with SIGKILL, verify.
    #[arg(long)]
    pub crash_test: bool,
    /// Rounds of start, kill, verify in a crash test.
    #[arg(long, default_value_t = 10)]
    pub iterations: u64,
    /// Only verify the database against the expected-state file.
    #[arg(long)]
    pub verify_only: bool,
}

/// [`SyncMode`] as a command-line choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sync {
    /// Acknowledge once the write is in the OS: survives SIGKILL.
    Normal,
    /// fsync before acknowledging: survives power loss.
    Full,
}

/// What a verification found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    /// Keys checked.
    pub keys: u64,
    /// Keys holding neither the acknowledged nor the in-flight write: lost
    /// acknowledged writes, or data from nowhere.
    pub lost: u64,
    /// Keys whose in-flight write turned out to be there.
    pub in_flight_kept: u64,
}

impl StressArgs {
    fn expected_path(&self) -> PathBuf {
        self.expected.clone().unwrap_or_else(|| {
            let mut name = self.db.as_os_str().to_owned();
            name.push(".expected");
            PathBuf::from(name)
        })
    }

    fn config(&self) -> StorageConfig {
        StorageConfig {
            wal_sync_mode: match self.sync {
                Sync::Normal => SyncMode::Normal,
                Sync::Full => SyncMode::Full,
            },
            memtable_size: self.memtable_size,
            ..StorageConfig::new(&self.db)
        }
    }

    fn seed(&self) -> u64 {
        self.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        })
    }
}

type BoxError = Box<dyn std::error::Error + Send + std::marker::Sync>;

/// Runs the tool as `args` asks; returns the exit status.
pub fn run(args: &StressArgs, out: &mut dyn Write) -> i32 {
    let result = if args.crash_test {
        crash_test(args, out)
    } else if args.verify_only {
        verify_db(args).map(|v| report_verification(&v, out))
    } else {
        stress_then_verify(args, out)
    };
    match result {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
            2
        }
    }
}

fn report_verification(v: &Verification, out: &mut dyn Write) -> bool {
    let _ = writeln!(
        out,
        "verified {} keys: {} in-flight writes kept, lost acknowledged writes: {}",
        v.keys, v.in_flight_kept, v.lost
    );
    v.lost == 0
}

/// One process's stress run, then a verification (no kill).
fn stress_then_verify(args: &StressArgs, out: &mut dyn Write) -> Result<bool, BoxError> {
    let totals = stress(args, &mut *out)?;
    let _ = writeln!(
        out,
        "operations: {}, bad reads: {}",
        totals.operations, totals.bad_reads
    );
    let v = verify_db(args)?;
    Ok(report_verification(&v, out) && totals.bad_reads == 0)
}

/// Whether `found` (a stored value or `None`) is state `value` of key `k`.
fn matches_state(k: u64, found: Option<&[u8]>, value: u32, size: usize) -> bool {
    match found {
        None => !is_present(value),
        Some(stored) => is_present(value) && decode_value(k, stored, size) == Some(value),
    }
}

/// Opens the database and checks every key against the expected state; then
/// records what was found as the new expected state.
pub fn verify_db(args: &StressArgs) -> Result<Verification, BoxError> {
    let db = StorageEngine::open(args.config())?;
    let expected = ExpectedState::open(&args.expected_path(), args.keys)?;
    let mut v = Verification::default();
    for k in 0..args.keys {
        let (pending, done) = expected.get(k)?;
        let found = db.get(key_bytes(k))?;
        let found_value = if matches_state(k, found.as_deref(), done, args.value_size) {
            done
        } else if pending != done && matches_state(k, found.as_deref(), pending, args.value_size) {
            v.in_flight_kept += 1;
            pending
        } else {
            v.lost += 1;
            eprintln!(
                "key {k}: expected generation {} or in-flight {}, found {:?}",
                generation(done),
                generation(pending),
                found.map(|f| String::from_utf8_lossy(&f).into_owned())
            );
            continue;
        };
        // The in-flight write either landed or not; from now on it is done.
        expected.set_both(k, found_value)?;
        v.keys += 1;
    }
    expected.sync()?;
    db.close()?;
    Ok(v)
}
