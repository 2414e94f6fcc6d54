//! FerrisDB as a measured engine.

use std::path::Path;

use ferrisdb_storage::{CompressionType, StorageConfig, StorageEngine, SyncMode};

use super::engine::{Engine, OpenOptions, Opener, PeerResult, Profile, EQUAL};

/// Opens FerrisDB databases.
#[derive(Debug, Clone, Copy, Default)]
pub struct FerrisDbOpener;

/// An open FerrisDB database.
#[derive(Debug)]
struct FerrisDb(StorageEngine);

impl FerrisDbOpener {
    /// The configuration of `options` for a database in `dir`.
    pub fn config(dir: &Path, options: &OpenOptions) -> StorageConfig {
        let mut config = StorageConfig::new(dir);
        config.wal_sync_mode = if options.sync {
            SyncMode::Full
        } else {
            SyncMode::Normal
        };
        if options.lz4 {
            config.compression = CompressionType::Lz4;
        } else if options.profile == Profile::Equal {
            config.compression = CompressionType::None;
        }
        if options.profile == Profile::Equal {
            // One active and one frozen MemTable share the budget.
            config.memtable_size = EQUAL.memtable_total / 2;
            config.max_immutable_memtables = 1;
            config.block_cache_size = EQUAL.block_cache;
            config.bloom_filter_bits_per_key = EQUAL.bloom_bits as usize;
            config.block_size = EQUAL.block_size;
            // FerrisDB always runs one flush thread beside its compaction
            // threads; RocksDB's jobs and fjall's workers do both kinds of
            // work, so FerrisDB gets one compaction thread fewer.
            config.background_threads = EQUAL.background_threads - 1;
            config.memtable_filter = EQUAL.memtable_filter;
        }
        config
    }
}

impl Opener for FerrisDbOpener {
    fn name(&self) -> &'static str {
        "ferrisdb"
    }

    fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    fn open(&self, dir: &Path, options: &OpenOptions) -> PeerResult<Box<dyn Engine>> {
        Ok(Box::new(FerrisDb(StorageEngine::open(Self::config(
            dir, options,
        ))?)))
    }

    fn describe(&self, dir: &Path, options: &OpenOptions) -> PeerResult<String> {
        Ok(format!("{:#?}\n", Self::config(dir, options)))
    }
}

impl Engine for FerrisDb {
    fn put(&self, key: &[u8], value: &[u8]) -> PeerResult<()> {
        self.0.put(key, value)?;
        Ok(())
    }

    fn delete(&self, key: &[u8]) -> PeerResult<()> {
        self.0.delete(key)?;
        Ok(())
    }

    fn get(&self, key: &[u8]) -> PeerResult<Option<usize>> {
        Ok(self.0.get(key)?.map(|v| v.len()))
    }

    fn seek(&self, start: &[u8], limit: usize) -> PeerResult<usize> {
        let mut entries = 0;
        for item in self.0.scan(start..)?.take(limit) {
            item?;
            entries += 1;
        }
        Ok(entries)
    }

    fn scan_all(&self) -> PeerResult<(u64, u64)> {
        let (mut entries, mut bytes) = (0, 0);
        for item in self.0.iter()? {
            let (k, v) = item?;
            entries += 1;
            bytes += (k.len() + v.len()) as u64;
        }
        Ok((entries, bytes))
    }

    fn settle(&self) -> PeerResult<()> {
        self.0.flush()?;
        self.0.wait_for_compactions()?;
        Ok(())
    }

    fn close(self: Box<Self>) -> PeerResult<()> {
        self.0.close()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_in_every_profile() {
        crate::compare::engine::check_round_trip(&FerrisDbOpener);
    }

    #[test]
    fn the_equal_profile_counts_the_flush_thread() {
        let dir = tempfile::tempdir().unwrap();
        let options = OpenOptions {
            profile: Profile::Equal,
            sync: false,
            lz4: false,
        };
        let config = FerrisDbOpener::config(dir.path(), &options);
        assert_eq!(config.background_threads + 1, EQUAL.background_threads);
        assert_eq!(config.memtable_size * 2, EQUAL.memtable_total);
        assert!(!config.memtable_filter);
    }
}
