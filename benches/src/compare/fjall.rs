//! fjall 3.1.13 as a measured engine: one database, one keyspace "default".
//!
//! [`Profile::Defaults`] is fjall as its users get it: data blocks of
//! levels 2 and below compressed with LZ4, journal entries of 4 KiB or more
//! too. Only the compressible-values workload changes it: then every
//! level's data blocks are LZ4, as in the other engines.
//!
//! [`Profile::Equal`] sets, from [`EQUAL`]:
//! - `max_memtable_size` = half of `EQUAL.memtable_total`: an active and
//!   a sealed MemTable being flushed hold the total, as in the other
//!   engines. No setting bounds the sealed MemTables: fjall stalls writers
//!   only once 4 queue up (hard-coded in `Keyspace::local_backpressure`), so
//!   when flushes fall behind it may buffer 5 x 32 MiB where RocksDB and
//!   FerrisDB stall at 2 x 32 MiB. `max_write_buffer_size` (deprecated,
//!   hidden, read by nothing in 3.1.13) and `max_journaling_size` (journal
//!   files on disk, not memory) stay at their defaults.
//! - the block cache (`cache_size`), bloom filters of `EQUAL.bloom_bits`
//!   bits per key on every level (the last too), the data block size, and
//!   `worker_threads` (fjall's workers run flushes and compactions).
//! - no MemTable filter (fjall has none) and no journal compression
//!   (RocksDB's `wal_compression` defaults to none; FerrisDB has none).
//!
//! Writes keep fjall's default `manual_journal_persist(false)`: each write
//! is handed to the OS before it returns (`PersistMode::Buffer`). With
//! `sync`, each write is followed by `Database::persist(SyncData)`.

use std::path::Path;

use ::fjall::config::{
    BlockSizePolicy, BloomConstructionPolicy, CompressionPolicy, FilterPolicy, FilterPolicyEntry,
};
use ::fjall::{
    CompressionType, Database, DatabaseBuilder, Keyspace, KeyspaceCreateOptions, PersistMode,
};

use super::engine::{Engine, OpenOptions, Opener, PeerResult, Profile, EQUAL, SETTLE_POLL};

/// The fjall release `Cargo.toml` pins.
const FJALL_VERSION: &str = "3.1.13";
/// The keyspace every workload uses.
const KEYSPACE: &str = "default";
/// fjall's default `max_memtable_size` (`KeyspaceCreateOptions::default`).
const DEFAULT_MEMTABLE_SIZE: u64 = 64 << 20;
/// fjall's default workers: the cores, at most this many.
const DEFAULT_MAX_WORKERS: usize = 4;

/// Opens fjall databases.
#[derive(Debug, Clone, Copy, Default)]
pub struct FjallOpener;

/// An open fjall database and its keyspace (dropped in this order).
struct Fjall {
    keyspace: Keyspace,
    db: Database,
    sync: bool,
    /// Worker threads: each flush queues one compaction attempt per worker.
    workers: usize,
}

impl FjallOpener {
    /// The database settings of `options` for a database in `dir`.
    fn database(dir: &Path, options: &OpenOptions) -> DatabaseBuilder<Database> {
        let mut builder = Database::builder(dir);
        if options.profile == Profile::Equal {
            builder = builder
                .journal_compression(CompressionType::None)
                .cache_size(EQUAL.block_cache as u64)
                .worker_threads(EQUAL.background_threads);
        }
        builder
    }

    /// The keyspace settings of `options`.
    fn keyspace(options: &OpenOptions) -> KeyspaceCreateOptions {
        let mut keyspace = KeyspaceCreateOptions::default();
        if options.lz4 {
            keyspace = keyspace
                .data_block_compression_policy(CompressionPolicy::all(CompressionType::Lz4));
        } else if options.profile == Profile::Equal {
            keyspace = keyspace.data_block_compression_policy(CompressionPolicy::disabled());
        }
        if options.profile == Profile::Equal {
            let bloom = BloomConstructionPolicy::BitsPerKey(EQUAL.bloom_bits as f32);
            keyspace = keyspace
                .max_memtable_size(Self::memtable_size(options))
                .filter_policy(FilterPolicy::all(FilterPolicyEntry::Bloom(bloom)))
                .data_block_size_policy(BlockSizePolicy::all(EQUAL.block_size as u32));
        }
        keyspace
    }

    /// Whether journal entries keep fjall's default LZ4 compression.
    fn journal_lz4(options: &OpenOptions) -> bool {
        options.profile == Profile::Defaults
    }

    /// The MemTable size of `options`.
    fn memtable_size(options: &OpenOptions) -> u64 {
        match options.profile {
            Profile::Defaults => DEFAULT_MEMTABLE_SIZE,
            Profile::Equal => (EQUAL.memtable_total / 2) as u64,
        }
    }

    /// The worker threads of `options` (fjall's default: the cores, at most 4).
    fn workers(options: &OpenOptions) -> usize {
        match options.profile {
            Profile::Defaults => std::thread::available_parallelism()
                .map_or(1, usize::from)
                .min(DEFAULT_MAX_WORKERS),
            Profile::Equal => EQUAL.background_threads,
        }
    }

    /// Opens the database in `dir` with `ks` as the keyspace settings.
    fn open_with(
        dir: &Path,
        options: &OpenOptions,
        ks: KeyspaceCreateOptions,
    ) -> PeerResult<Fjall> {
        let db = Self::database(dir, options).open()?;
        let keyspace = db.keyspace(KEYSPACE, || ks)?;
        Ok(Fjall {
            db,
            keyspace,
            sync: options.sync,
            workers: Self::workers(options),
        })
    }
}

impl Opener for FjallOpener {
    fn name(&self) -> &'static str {
        "fjall"
    }

    fn version(&self) -> &'static str {
        FJALL_VERSION
    }

    fn open(&self, dir: &Path, options: &OpenOptions) -> PeerResult<Box<dyn Engine>> {
        let keyspace = Self::keyspace(options);
        Ok(Box::new(Self::open_with(dir, options, keyspace)?))
    }

    fn describe(&self, dir: &Path, options: &OpenOptions) -> PeerResult<String> {
        let db = Self::database(dir, options).into_config();
        let ks = Self::keyspace(options);
        let journal = if Self::journal_lz4(options) {
            "Lz4 for entries of 4096 bytes or more (fjall default)"
        } else {
            "None"
        };
        let persist = if options.sync { "SyncData" } else { "none" };
        let mut text = format!(
            "engine = fjall {FJALL_VERSION}\nprofile = {}\npath = {}\n[database]\n\
             cache_size = {}\nworker_threads = {}\njournal_compression = {journal}\n\
             persist_after_each_write = {persist}\n{FIXED_DATABASE}\
             [keyspace \"{KEYSPACE}\"]\nmax_memtable_size = {}\ncompaction_strategy = {}\n\
             {FIXED_KEYSPACE}",
            options.profile.name(),
            dir.display(),
            db.cache.capacity(),
            Self::workers(options),
            Self::memtable_size(options),
            ks.compaction_strategy.get_name(),
        );
        macro_rules! fields {
            ($($field:ident),*) => {
                $(text += &format!("{} = {:?}\n", stringify!($field), ks.$field);)*
            };
        }
        fields!(
            data_block_size_policy,
            data_block_compression_policy,
            index_block_compression_policy,
            filter_policy,
            expect_point_read_hits,
            data_block_hash_ratio_policy,
            data_block_restart_interval_policy,
            index_block_restart_interval_policy,
            index_block_pinning_policy,
            filter_block_pinning_policy,
            index_block_partitioning_policy,
            filter_block_partitioning_policy,
            kv_separation_opts
        );
        Ok(text)
    }
}

/// The database settings `describe` cannot read back: fjall's defaults
/// (3.1.13 source) and its hard-coded limits.
const FIXED_DATABASE: &str = "\
manual_journal_persist = false (each write is handed to the OS before it returns)
max_journaling_size = 536870912 (default)
max_write_buffer_size = unset (default; fjall 3.1.13 never reads it)
max_cached_files = 900 (default on Linux)
write_stall = 4 sealed memtables, or 20 L0 runs; write halt at 30 L0 runs (hard-coded)
";

/// The keyspace settings `describe` cannot read back.
const FIXED_KEYSPACE: &str = "\
memtable_filter = none (fjall has none)
leveled = l0_threshold 4, table target_size 67108864, level_ratio_policy [10.0] (defaults)
level_count = 7 (hard-coded)
";

impl Fjall {
    /// Makes the last write durable when every write must be.
    fn persist_if_sync(&self) -> PeerResult<()> {
        if self.sync {
            self.db.persist(PersistMode::SyncData)?;
        }
        Ok(())
    }

    /// Whether no flush is queued or running, no sealed MemTable waits and
    /// no compaction runs; fails if a worker failed (the database is then
    /// poisoned, and `persist` reports it).
    fn idle(&self) -> PeerResult<bool> {
        self.db.persist(PersistMode::Buffer)?;
        Ok(self.db.outstanding_flushes() == 0
            && self.keyspace.sealed_memtable_count() == 0
            && self.db.active_compactions() == 0)
    }

    /// What changes when a compaction runs.
    fn shape(&self) -> (usize, usize, usize) {
        (
            self.db.compactions_completed(),
            self.keyspace.table_count(),
            self.keyspace.l0_table_count(),
        )
    }
}

impl Engine for Fjall {
    fn put(&self, key: &[u8], value: &[u8]) -> PeerResult<()> {
        self.keyspace.insert(key, value)?;
        self.persist_if_sync()
    }

    fn delete(&self, key: &[u8]) -> PeerResult<()> {
        self.keyspace.remove(key)?;
        self.persist_if_sync()
    }

    fn get(&self, key: &[u8]) -> PeerResult<Option<usize>> {
        Ok(self.keyspace.get(key)?.map(|v| v.len()))
    }

    fn seek(&self, start: &[u8], limit: usize) -> PeerResult<usize> {
        let mut entries = 0;
        for guard in self.keyspace.range::<&[u8], _>(start..).take(limit) {
            guard.into_inner()?;
            entries += 1;
        }
        Ok(entries)
    }

    fn scan_all(&self) -> PeerResult<(u64, u64)> {
        let (mut entries, mut bytes) = (0, 0);
        for guard in self.keyspace.iter() {
            let (k, v) = guard.into_inner()?;
            entries += 1;
            bytes += (k.len() + v.len()) as u64;
        }
        Ok((entries, bytes))
    }

    /// Seals the active MemTable and waits until fjall has nothing left to
    /// do. fjall schedules compactions only after a flush (one attempt per
    /// worker) and exposes no queue of pending ones, so "nothing left" is:
    /// no flush queued or running, no sealed MemTable, no compaction running,
    /// at least the attempts our own flush queued completed, and all of that
    /// unchanged over one more poll (a compaction that starts and ends
    /// between two polls changes the completed count or the tables). Only a
    /// worker that has taken a compaction request but not yet counted it as
    /// running for a whole poll could slip through.
    fn settle(&self) -> PeerResult<()> {
        let before = self.db.compactions_completed();
        let wanted = if self.keyspace.rotate_memtable()? {
            before + self.workers
        } else {
            before
        };
        let mut previous = None;
        loop {
            let shape = self.shape();
            if self.idle()? && shape.0 >= wanted {
                if previous == Some(shape) {
                    return Ok(());
                }
                previous = Some(shape);
            } else {
                previous = None;
            }
            std::thread::sleep(SETTLE_POLL);
        }
    }

    fn close(self: Box<Self>) -> PeerResult<()> {
        self.db.persist(PersistMode::SyncAll)?;
        drop(self);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::fjall::AbstractTree;

    fn key(i: u32) -> Vec<u8> {
        format!("key{i:08}").into_bytes()
    }

    #[test]
    fn round_trip_in_every_profile() {
        crate::compare::engine::check_round_trip(&FjallOpener);
    }

    #[test]
    fn settle_waits_for_flushes_and_compactions() {
        let dir = tempfile::tempdir().unwrap();
        let options = OpenOptions {
            profile: Profile::Equal,
            sync: false,
            lz4: false,
        };
        let engine =
            FjallOpener::open_with(dir.path(), &options, FjallOpener::keyspace(&options)).unwrap();
        // Five flushes of the same keys: the first table moves to the last
        // level, and the fifth (settle's) makes 4 L0 tables, which compact.
        for round in 0..5 {
            for i in 0..20_000 {
                engine.put(&key(i * 7 % 20_000), &[round; 120]).unwrap();
            }
            if round < 4 {
                engine.keyspace.rotate_memtable_and_wait().unwrap();
            }
        }
        engine.settle().unwrap();
        assert!(engine.keyspace.tree.active_memtable().is_empty());
        assert_eq!(engine.keyspace.sealed_memtable_count(), 0);
        assert_eq!(engine.keyspace.l0_table_count(), 0, "L0 was compacted");
        let settled = engine.shape();
        engine.settle().unwrap();
        assert_eq!(engine.shape(), settled, "nothing was left to do");
        assert_eq!(engine.scan_all().unwrap(), (20_000, 20_000 * (11 + 120)));
    }

    #[test]
    fn describe_spells_out_the_memtable_and_filters() {
        let dir = tempfile::tempdir().unwrap();
        let equal = OpenOptions {
            profile: Profile::Equal,
            sync: false,
            lz4: true,
        };
        let text = FjallOpener.describe(dir.path(), &equal).unwrap();
        assert!(text.contains("max_memtable_size = 33554432"), "{text}");
        assert!(text.contains("cache_size = 67108864"), "{text}");
        assert!(text.contains("Bits"), "{text}");
        let defaults = OpenOptions {
            profile: Profile::Defaults,
            ..equal
        };
        let text = FjallOpener.describe(dir.path(), &defaults).unwrap();
        assert!(text.contains("max_memtable_size = 67108864"), "{text}");
        assert!(text.contains("cache_size = 33554432"), "{text}");
        assert_eq!(FjallOpener.version(), "3.1.13");
    }
}
