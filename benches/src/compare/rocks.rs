//! RocksDB 11.8.1 (the `rocksdb` crate 0.25) as a measured engine: the
//! default column family.
//!
//! [`Profile::Defaults`] is `Options::default()` with `create_if_missing`
//! and the WAL on: RocksDB as its users get it. Its compression is then LZ4
//! on every level (RocksDB 11 defaults to LZ4 when built with it, as the
//! `rocksdb` crate's default features build it; `bottommost_compression`
//! stays unset, so it follows `compression`). Nothing else is set: the block
//! cache is RocksDB's own 32 MiB LRU cache, there is no bloom filter, 64 MiB
//! write buffers, two of them, and `max_background_jobs` = 2.
//!
//! [`Profile::Equal`] adds, from [`EQUAL`]:
//! - `write_buffer_size` = half of `EQUAL.memtable_total` and
//!   `max_write_buffer_number` = 2: one active and one immutable MemTable
//!   hold the total, and writers stall when both are full;
//! - an LRU block cache of `EQUAL.block_cache` bytes (index and filter
//!   blocks stay outside it, RocksDB's default
//!   `cache_index_and_filter_blocks = false`);
//! - a full (not block-based) bloom filter of `EQUAL.bloom_bits` bits per
//!   key, on every level;
//! - `block_size` = `EQUAL.block_size`;
//! - `max_background_jobs` = `EQUAL.background_threads`: RocksDB gives a
//!   quarter of the jobs (at least one) to flushes and the rest to
//!   compactions, and grows its HIGH and LOW thread pools to match, so 2
//!   means one flush thread and one compaction thread. `increase_parallelism`
//!   is not called: it also resizes the process-wide default Env's pools;
//! - MemTable filter off (`memtable_prefix_bloom_size_ratio` 0,
//!   `memtable_whole_key_filtering` false) while `EQUAL.memtable_filter` is
//!   false; a 2 % whole-key filter when it is true.
//!
//! Writes use `WriteOptions` with `sync` = `OpenOptions::sync`, the WAL on.

use std::path::{Path, PathBuf};

use rocksdb::properties::{
    COMPACTION_PENDING, MEM_TABLE_FLUSH_PENDING, NUM_RUNNING_COMPACTIONS, NUM_RUNNING_FLUSHES,
};
use rocksdb::{BlockBasedOptions, Cache, DBCompressionType, Options, WriteOptions, DB};

use super::engine::{Engine, OpenOptions, Opener, PeerResult, Profile, EQUAL, SETTLE_POLL};

/// The RocksDB release the `rocksdb` crate 0.25 builds (librocksdb-sys
/// 0.19.0+11.8.1).
const ROCKSDB_VERSION: &str = "11.8.1";
/// The block cache RocksDB makes when none is given (`BlockBasedTableOptions`).
const DEFAULT_BLOCK_CACHE: usize = 32 << 20;

/// Opens RocksDB databases.
#[derive(Debug, Clone, Copy, Default)]
pub struct RocksOpener;

/// An open RocksDB database.
struct Rocks {
    db: DB,
    /// The options of every write, made once: making them per write would
    /// add a C allocation to every timed put.
    write: WriteOptions,
}

impl RocksOpener {
    /// The options of `options`.
    fn options(options: &OpenOptions) -> Options {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        if options.lz4 {
            opts.set_compression_type(DBCompressionType::Lz4);
        } else if options.profile == Profile::Equal {
            opts.set_compression_type(DBCompressionType::None);
        }
        if options.profile == Profile::Equal {
            opts.set_write_buffer_size(EQUAL.memtable_total / 2);
            opts.set_max_write_buffer_number(2);
            let mut table = BlockBasedOptions::default();
            table.set_block_cache(&Cache::new_lru_cache(EQUAL.block_cache));
            table.set_bloom_filter(f64::from(EQUAL.bloom_bits), false);
            table.set_block_size(EQUAL.block_size);
            opts.set_block_based_table_factory(&table);
            opts.set_max_background_jobs(EQUAL.background_threads as i32);
            if EQUAL.memtable_filter {
                opts.set_memtable_prefix_bloom_ratio(0.02);
                opts.set_memtable_whole_key_filtering(true);
            } else {
                opts.set_memtable_prefix_bloom_ratio(0.0);
                opts.set_memtable_whole_key_filtering(false);
            }
        }
        opts
    }

    /// Opens the database in `dir` with `opts`.
    fn open_with(dir: &Path, opts: &Options, sync: bool) -> PeerResult<Rocks> {
        let mut write = WriteOptions::default();
        write.set_sync(sync);
        Ok(Rocks {
            db: DB::open(opts, dir)?,
            write,
        })
    }
}

/// The newest `OPTIONS-<number>` file in `dir`, if any.
fn newest_options_file(dir: &Path) -> std::io::Result<Option<PathBuf>> {
    let mut newest: Option<(u64, PathBuf)> = None;
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        // A temporary `OPTIONS-<number>.dbtmp` does not parse as a number.
        let Some(number) = name
            .to_str()
            .and_then(|n| n.strip_prefix("OPTIONS-"))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        if newest.as_ref().is_none_or(|(n, _)| number > *n) {
            newest = Some((number, entry.path()));
        }
    }
    Ok(newest.map(|(_, path)| path))
}

impl Opener for RocksOpener {
    fn name(&self) -> &'static str {
        "rocksdb"
    }

    fn version(&self) -> &'static str {
        ROCKSDB_VERSION
    }

    fn open(&self, dir: &Path, options: &OpenOptions) -> PeerResult<Box<dyn Engine>> {
        let opts = Self::options(options);
        Ok(Box::new(Self::open_with(dir, &opts, options.sync)?))
    }

    /// RocksDB's own record of the options the database in `dir` was last
    /// opened with (its newest OPTIONS file), after a header with what the
    /// file leaves out: the write options, the block cache's capacity and the
    /// filter's bits per key. A database not created yet is created with
    /// `options` (and closed) to write the file.
    fn describe(&self, dir: &Path, options: &OpenOptions) -> PeerResult<String> {
        if newest_options_file(dir)?.is_none() {
            drop(Self::open_with(dir, &Self::options(options), options.sync)?);
        }
        let path = newest_options_file(dir)?.ok_or("RocksDB wrote no OPTIONS file")?;
        let file = std::fs::read_to_string(&path)?;
        let (cache, filter) = match options.profile {
            Profile::Defaults => (
                format!("LRU, {DEFAULT_BLOCK_CACHE} bytes (RocksDB's own: block_cache unset)"),
                "none".to_string(),
            ),
            Profile::Equal => (
                format!("LRU, {} bytes", EQUAL.block_cache),
                format!("full bloom filter, {} bits per key", EQUAL.bloom_bits),
            ),
        };
        Ok(format!(
            "# engine = rocksdb {ROCKSDB_VERSION} (crate rocksdb 0.25.0)\n\
             # profile = {}\n\
             # WriteOptions: sync = {}, disableWAL = false\n\
             # block_cache = {cache}\n\
             # filter_policy = {filter}\n\
             # {}\n{file}",
            options.profile.name(),
            options.sync,
            path.display(),
        ))
    }
}

impl Rocks {
    /// The integer property `name` (an error if RocksDB does not know it,
    /// rather than a 0 that would end a wait early).
    fn property(&self, name: &rocksdb::properties::PropName) -> PeerResult<u64> {
        let value = self.db.property_int_value(name)?;
        Ok(value.ok_or_else(|| format!("RocksDB does not report {name}"))?)
    }
}

impl Engine for Rocks {
    fn put(&self, key: &[u8], value: &[u8]) -> PeerResult<()> {
        self.db.put_opt(key, value, &self.write)?;
        Ok(())
    }

    fn delete(&self, key: &[u8]) -> PeerResult<()> {
        self.db.delete_opt(key, &self.write)?;
        Ok(())
    }

    fn get(&self, key: &[u8]) -> PeerResult<Option<usize>> {
        Ok(self.db.get_pinned(key)?.map(|v| v.len()))
    }

    fn seek(&self, start: &[u8], limit: usize) -> PeerResult<usize> {
        let mut iter = self.db.raw_iterator();
        iter.seek(start);
        let mut entries = 0;
        // Every engine reads each entry's key and value.
        while let (true, Some(_), Some(_)) = (entries < limit, iter.key(), iter.value()) {
            entries += 1;
            // No step past the last entry wanted.
            if entries < limit {
                iter.next();
            }
        }
        iter.status()?;
        Ok(entries)
    }

    fn scan_all(&self) -> PeerResult<(u64, u64)> {
        let (mut entries, mut bytes) = (0, 0);
        let mut iter = self.db.raw_iterator();
        iter.seek_to_first();
        while let (Some(k), Some(v)) = (iter.key(), iter.value()) {
            entries += 1;
            bytes += (k.len() + v.len()) as u64;
            iter.next();
        }
        iter.status()?;
        Ok((entries, bytes))
    }

    /// Flushes the MemTables (waiting for the flush), then polls until no
    /// flush or compaction runs and none is pending.
    fn settle(&self) -> PeerResult<()> {
        self.db.flush()?;
        let busy = [
            NUM_RUNNING_FLUSHES,
            NUM_RUNNING_COMPACTIONS,
            COMPACTION_PENDING,
            MEM_TABLE_FLUSH_PENDING,
        ];
        loop {
            let mut any = false;
            for name in busy {
                any |= self.property(name)? != 0;
            }
            if !any {
                return Ok(());
            }
            std::thread::sleep(SETTLE_POLL);
        }
    }

    fn close(self: Box<Self>) -> PeerResult<()> {
        self.db.flush_wal(true)?;
        drop(self);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u32) -> Vec<u8> {
        format!("key{i:08}").into_bytes()
    }

    #[test]
    fn round_trip_in_every_profile() {
        crate::compare::engine::check_round_trip(&RocksOpener);
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
            RocksOpener::open_with(dir.path(), &RocksOpener::options(&options), false).unwrap();
        // Four flushes of the same keys: the fourth (settle's) makes the 4 L0
        // files that trigger a compaction, which settle must wait for.
        for round in 0..4 {
            for i in 0..20_000 {
                engine.put(&key(i * 7 % 20_000), &[round; 120]).unwrap();
            }
            if round < 3 {
                engine.db.flush().unwrap();
            }
        }
        engine.settle().unwrap();
        let int = |name: &str| engine.db.property_int_value(name).unwrap().unwrap();
        assert_eq!(int("rocksdb.num-entries-active-mem-table"), 0);
        assert_eq!(int("rocksdb.num-immutable-mem-table"), 0);
        assert_eq!(int("rocksdb.num-files-at-level0"), 0, "L0 was compacted");
        assert_eq!(int("rocksdb.compaction-pending"), 0);
        assert_eq!(engine.scan_all().unwrap(), (20_000, 20_000 * (11 + 120)));
    }

    #[test]
    fn describe_is_the_options_file() {
        let dir = tempfile::tempdir().unwrap();
        let equal = OpenOptions {
            profile: Profile::Equal,
            sync: true,
            lz4: true,
        };
        let text = RocksOpener.describe(dir.path(), &equal).unwrap();
        let version = format!("rocksdb_version={}", RocksOpener.version());
        for wanted in [
            version.as_str(),
            "write_buffer_size=33554432",
            "max_write_buffer_number=2",
            "max_background_jobs=2",
            "block_size=4096",
            "filter_policy = full bloom filter, 10 bits per key",
            "block_cache = LRU, 67108864 bytes",
            "compression=kLZ4Compression",
            "memtable_whole_key_filtering=false",
            "sync = true",
        ] {
            assert!(text.contains(wanted), "{wanted} missing from\n{text}");
        }
        let defaults = OpenOptions {
            profile: Profile::Defaults,
            sync: false,
            lz4: false,
        };
        let other = tempfile::tempdir().unwrap();
        let text = RocksOpener.describe(other.path(), &defaults).unwrap();
        assert!(text.contains("write_buffer_size=67108864"), "{text}");
        assert!(text.contains("compression=kLZ4Compression"), "{text}");
        assert!(text.contains("filter_policy=nullptr"), "{text}");
    }

    #[test]
    fn the_described_block_caches_are_the_real_ones() {
        for (profile, capacity) in [
            (Profile::Defaults, DEFAULT_BLOCK_CACHE),
            (Profile::Equal, EQUAL.block_cache),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let options = OpenOptions {
                profile,
                sync: false,
                lz4: false,
            };
            let engine =
                RocksOpener::open_with(dir.path(), &RocksOpener::options(&options), false).unwrap();
            let real = engine.db.property_int_value("rocksdb.block-cache-capacity");
            assert_eq!(real.unwrap(), Some(capacity as u64), "{profile:?}");
        }
    }
}
