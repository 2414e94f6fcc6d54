//! What an engine must provide to be measured ([`Engine`], [`Opener`]), and
//! the two profiles every engine is measured in ([`Profile`],
//! [`OpenOptions`]).
//!
//! The suite speaks to every engine through these two traits, so a workload
//! is written once and runs the same operations, in the same order, on
//! FerrisDB, fjall and RocksDB.

use std::path::Path;
use std::time::Duration;

/// Errors of any engine.
pub type PeerError = Box<dyn std::error::Error + Send + Sync>;
/// Results of any engine.
pub type PeerResult<T> = Result<T, PeerError>;

/// The settings an engine is opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// Each engine as its users get it: only the directory and the sync of
    /// writes are set (the WAL on, each write handed to the OS), and LZ4
    /// where the workload is the compressible one. Compression otherwise is
    /// the engine's default: LZ4 in FerrisDB (none before issue 17: the
    /// published runs of `docs/performance.md` predate the change), LZ4 in
    /// RocksDB, LZ4 below level 1 in fjall.
    Defaults,
    /// The same MemTable memory, block cache, bloom bits, block size,
    /// background threads and compression for every engine, and MemTable
    /// filters off in all ([`EQUAL`]).
    Equal,
}

impl Profile {
    /// Both profiles.
    pub const ALL: [Profile; 2] = [Profile::Defaults, Profile::Equal];

    /// The profile's name in the CSV and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Defaults => "defaults",
            Profile::Equal => "equal",
        }
    }

    /// The profile called `name`.
    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The settings of [`Profile::Equal`], the same for every engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EqualSettings {
    /// MemTable memory in all, active and frozen: two MemTables of half
    /// this size each.
    pub memtable_total: usize,
    /// Block cache bytes.
    pub block_cache: usize,
    /// Bloom filter bits per key.
    pub bloom_bits: u32,
    /// Data block size, before compression.
    pub block_size: usize,
    /// Threads for flushes and compactions.
    pub background_threads: usize,
    /// Whether MemTables keep a filter of their keys.
    pub memtable_filter: bool,
}

/// The equal profile: 64 MiB of MemTables (2 x 32 MiB), a 64 MiB block
/// cache, 10 bloom bits per key, 4 KiB blocks, 2 background threads and no
/// MemTable filter. Compression is the workload's: none, or LZ4 for the
/// compressible-values workload.
pub const EQUAL: EqualSettings = EqualSettings {
    memtable_total: 64 << 20,
    block_cache: 64 << 20,
    bloom_bits: 10,
    block_size: 4096,
    background_threads: 2,
    memtable_filter: false,
};

/// How a database is opened for one workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// The profile.
    pub profile: Profile,
    /// Every write waits until it is durable (fdatasync); otherwise each
    /// write is handed to the OS before it returns (it survives a killed
    /// process, not a power loss).
    pub sync: bool,
    /// Table blocks are compressed with LZ4; otherwise not compressed in
    /// the equal profile, and as the engine's default in the defaults one.
    pub lz4: bool,
}

/// An open database of one engine, as the workloads use it. Every method
/// may be called from many threads at once.
pub trait Engine: Sync {
    /// Stores `value` under `key`.
    fn put(&self, key: &[u8], value: &[u8]) -> PeerResult<()>;
    /// Deletes `key`.
    fn delete(&self, key: &[u8]) -> PeerResult<()>;
    /// The length of the value of `key`, if present (engines may avoid a
    /// copy where their API allows).
    fn get(&self, key: &[u8]) -> PeerResult<Option<usize>>;
    /// Reads up to `limit` entries in key order from the first key at or
    /// after `start`; returns the entries read.
    fn seek(&self, start: &[u8], limit: usize) -> PeerResult<usize>;
    /// Reads every entry in key order; returns the entries and their bytes.
    fn scan_all(&self) -> PeerResult<(u64, u64)>;
    /// Flushes the MemTables and waits until no flush or compaction is
    /// running or pending, so what follows measures a settled tree.
    fn settle(&self) -> PeerResult<()>;
    /// Closes the database, making every write durable.
    fn close(self: Box<Self>) -> PeerResult<()>;
}

/// Opens databases of one engine.
pub trait Opener {
    /// The engine's name, for the CSV and the tables.
    fn name(&self) -> &'static str;
    /// The engine's version, as its crate reports it.
    fn version(&self) -> &'static str;
    /// Opens (creating) a database in `dir`.
    fn open(&self, dir: &Path, options: &OpenOptions) -> PeerResult<Box<dyn Engine>>;
    /// Every setting the database in `dir` (opened with `options`) uses,
    /// spelled out for the published results: RocksDB's OPTIONS file, the
    /// others' configuration printed field by field.
    fn describe(&self, dir: &Path, options: &OpenOptions) -> PeerResult<String>;
}

/// How long [`Engine::settle`] implementations poll between checks.
pub const SETTLE_POLL: Duration = Duration::from_millis(20);

/// What every engine must do alike, checked by each engine's tests: put,
/// get, delete, seek, settle, scan, close and reopen, in every profile,
/// with and without sync and LZ4.
#[cfg(test)]
pub(crate) fn check_round_trip(opener: &dyn Opener) {
    let key = |i: u32| format!("key{i:08}").into_bytes();
    for profile in Profile::ALL {
        for (sync, lz4) in [(false, false), (true, false), (false, true)] {
            let options = OpenOptions { profile, sync, lz4 };
            let dir = tempfile::tempdir().unwrap();
            let engine = opener.open(dir.path(), &options).unwrap();
            for i in 0..200 {
                engine.put(&key(i), &[i as u8; 100]).unwrap();
            }
            engine.delete(&key(10)).unwrap();
            assert_eq!(engine.get(&key(5)).unwrap(), Some(100));
            assert_eq!(engine.get(&key(10)).unwrap(), None);
            assert_eq!(engine.seek(&key(8), 5).unwrap(), 5);
            assert_eq!(engine.seek(&key(198), 5).unwrap(), 2);
            engine.settle().unwrap();
            assert_eq!(engine.scan_all().unwrap(), (199, 199 * (11 + 100)));
            engine.close().unwrap();

            let engine = opener.open(dir.path(), &options).unwrap();
            assert_eq!(engine.get(&key(199)).unwrap(), Some(100));
            assert_eq!(engine.get(&key(10)).unwrap(), None);
            assert_eq!(engine.scan_all().unwrap().0, 199);
            engine.close().unwrap();
        }
    }
}
