//! Opening a database: lock, manifest, cleanup, log replay.
//!
//! ```text
//! open(config)
//!   1. validate the config; create the directory; take the LOCK file
//!   2. read the manifest (none: a new database); refuse a table or log
//!      named beyond MAX_FILE_NUMBER
//!   3. delete what a crash left behind: MANIFEST.tmp, *.sst.tmp, tables the
//!      manifest does not list, logs below its log_number
//!   4. open every listed table (a missing or damaged one, or one unlike its
//!      record, is an error)
//!   5. replay the logs from log_number on, in order, into MemTables; write
//!      each full MemTable, and the last one, to a level-0 table
//!   6. start a new log; write a manifest listing the new tables with
//!      log_number = the new log; delete the replayed logs
//!   7. start the flush thread
//! ```
//!
//! Flushing the replayed data at open (as RocksDB does by default) means a
//! log is replayed at most once: after step 6 the data is in tables, and the
//! next open starts from the new, empty log.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Condvar, Mutex, RwLock};

use super::snapshots::SnapshotList;
use super::stats::Counters;
use super::version::{Table, Version};
use super::write::{apply, charge};
use super::{lock, Background, Inner, SuperVersion, WriteState};
use crate::compaction::{self, RateLimiter};
use crate::fs::{FileSystem, SharedFileSystem};
use crate::manifest::format::{MANIFEST_TEMP_FILE_NAME, MAX_FILE_NUMBER, MAX_TIMESTAMP};
use crate::manifest::{self, ManifestState, TableRecord};
use crate::memtable::MemTable;
use crate::sstable::{parse_table_file_name, table_file_name, BlockCache, SSTableReader};
use crate::wal::{self, RecoveryMode, WALReader, WALWriter, WalOptions};
use crate::{Error, Result, StorageConfig};

/// The name of the lock file in the data directory.
pub(crate) const LOCK_FILE_NAME: &str = "LOCK";

/// Opens (or creates) the database `config` describes.
pub(crate) fn open(config: StorageConfig) -> Result<Arc<Inner>> {
    config.validate()?;
    let fs = Arc::clone(&config.file_system);
    let dir = config.data_dir.clone();
    let _span = tracing::info_span!("open", dir = %dir.display()).entered();
    crate::fs::create_dir_all_durable(fs.as_ref(), &dir).map_err(|e| match e {
        // Only a path that cannot be a directory is the caller's mistake; a
        // failing disk is an I/O error, which the caller may retry.
        Error::Io { ref source, .. }
            if !matches!(
                source.kind(),
                std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::NotADirectory
            ) =>
        {
            e
        }
        e => Error::InvalidArgument(format!(
            "data_dir {} cannot be used as a database directory: {e}",
            dir.display()
        )),
    })?;
    let lock = fs.lock(&dir.join(LOCK_FILE_NAME))?;

    let state = manifest::load(fs.as_ref(), &dir)?.unwrap_or(ManifestState {
        next_file_number: 1,
        ..ManifestState::default()
    });
    // Checked before anything is removed: a file named beyond the numbers
    // FerrisDB uses is not one of its leftovers.
    let highest = highest_file_number(fs.as_ref(), &dir)?;
    remove_leftovers(fs.as_ref(), &dir, &state)?;
    let block_cache = Arc::new(BlockCache::new(config.block_cache_size));
    let version = open_tables(&fs, &dir, &state, &block_cache)?;

    // Numbers continue above everything in the directory, even files a crash
    // left unlisted, so a new file never reuses a name. Both are at most
    // MAX_FILE_NUMBER, so the sum cannot overflow.
    let next_file_number = Arc::new(AtomicU64::new(state.next_file_number.max(highest + 1)));
    let logs: Vec<_> = wal::wal_files(fs.as_ref(), &dir)?
        .into_iter()
        .filter(|(number, _)| *number >= state.log_number)
        .collect();
    let log_number = next_file_number.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let wal = WALWriter::create(
        Arc::clone(&fs),
        dir.clone(),
        log_number,
        Arc::clone(&next_file_number),
        WalOptions {
            sync_mode: config.wal_sync_mode,
            max_file_size: config.wal_max_file_size,
            max_key_size: config.max_key_size,
            max_value_size: config.max_value_size,
        },
    )?;

    let inner = Arc::new(Inner {
        current: RwLock::new(Arc::new(SuperVersion {
            active: Arc::new(MemTable::with_filter(
                config.memtable_size,
                config.memtable_filter,
            )),
            active_log: log_number,
            frozen: Vec::new(),
            version: Arc::new(version),
        })),
        write: Mutex::new(WriteState {
            wal: Arc::new(wal),
            last_timestamp: state.last_timestamp,
        }),
        visible: AtomicU64::new(state.last_timestamp),
        next_file_number,
        manifest: Mutex::new(state),
        background: Mutex::new(Background::default()),
        background_changed: Condvar::new(),
        snapshots: SnapshotList::default(),
        counters: Counters::default(),
        block_cache,
        strategy: compaction::strategy_for(&config),
        rate_limiter: config.compaction_rate_limit.map(RateLimiter::new),
        fs,
        dir,
        config,
        _lock: lock,
    });
    inner.replay(&logs, log_number)?;
    Ok(inner)
}

impl Inner {
    /// Replays `logs` into level-0 tables, then records them in the manifest
    /// with `log_number` as the oldest log still needed, and deletes the
    /// replayed logs.
    fn replay(&self, logs: &[(u64, PathBuf)], log_number: u64) -> Result<()> {
        let mut last_timestamp = lock(&self.manifest).last_timestamp;
        let mut tables = Vec::new();
        let mut memtable = Arc::new(MemTable::with_filter(
            self.config.memtable_size,
            self.config.memtable_filter,
        ));
        let mut records = 0u64;
        for (number, path) in logs {
            let mut reader = WALReader::open(self.fs.as_ref(), path, RecoveryMode::default())
                .map_err(|e| match e {
                    // A log of this database that no longer reads as a log
                    // (its magic damaged) is corruption of that file, not a
                    // mistake of the caller's. (A log of a newer format
                    // version lands here too; the reason still says so.)
                    Error::InvalidArgument(reason) => Error::corruption(path, 0, reason),
                    e => e,
                })?;
            for record in reader.by_ref() {
                let record = record?;
                // New writes take the timestamp after the last one replayed.
                if record.timestamp > MAX_TIMESTAMP {
                    return Err(Error::corruption(
                        path,
                        record.offset,
                        format!(
                            "record timestamp {} is above the largest {MAX_TIMESTAMP}",
                            record.timestamp
                        ),
                    ));
                }
                let needed = charge(&record.batch);
                if memtable.memory_usage().saturating_add(needed) > memtable.max_size() {
                    if !memtable.is_empty() {
                        tables.push(self.write_table(&memtable)?);
                    }
                    // As on the write path, a batch larger than a whole
                    // MemTable gets one of its own size, even as the first
                    // record replayed.
                    memtable = Arc::new(MemTable::with_filter(
                        self.config.memtable_size.max(needed),
                        self.config.memtable_filter,
                    ));
                }
                apply(&memtable, &record.batch, record.timestamp)?;
                last_timestamp = last_timestamp.max(record.timestamp);
                records += 1;
            }
            if reader.dropped_bytes() > 0 {
                tracing::warn!(
                    log = number,
                    dropped_bytes = reader.dropped_bytes(),
                    "dropped a torn tail at the end of a log (a write that was never acknowledged)"
                );
            }
        }
        if !memtable.is_empty() {
            tables.push(self.write_table(&memtable)?);
        }
        tracing::info!(
            logs = logs.len(),
            records,
            tables = tables.len(),
            "replayed the logs"
        );

        let mut state = lock(&self.manifest);
        let mut version = self.current().version.as_ref().clone();
        for table in tables {
            version = version.with_flushed(table);
        }
        let version = Arc::new(version);
        self.commit_version(&mut state, &version, Some(log_number), |now| SuperVersion {
            active: Arc::clone(&now.active),
            active_log: now.active_log,
            frozen: Vec::new(),
            version: Arc::clone(&version),
        })?;
        drop(state);

        let mut write = lock(&self.write);
        write.last_timestamp = last_timestamp;
        self.visible
            .store(last_timestamp, std::sync::atomic::Ordering::Release);
        drop(write);
        self.delete_logs_below(log_number);
        Ok(())
    }
}

/// Opens every table the manifest lists, by level.
fn open_tables(
    fs: &SharedFileSystem,
    dir: &Path,
    state: &ManifestState,
    block_cache: &Arc<BlockCache>,
) -> Result<Version> {
    let mut levels: Vec<Vec<Arc<Table>>> = Vec::new();
    for record in &state.tables {
        let path = dir.join(table_file_name(record.file_number));
        if !fs.exists(&path)? {
            return Err(Error::corruption(
                &path,
                0,
                "the manifest lists this table but the file is missing; restore it from a backup",
            ));
        }
        let reader = SSTableReader::open(fs, &path, Some(Arc::clone(block_cache)))?;
        check_record(record, &reader)?;
        // The manifest's decoder bounds levels by NUM_LEVELS.
        let level = record.level as usize;
        if levels.len() <= level {
            levels.resize_with(level + 1, Vec::new);
        }
        levels[level].push(Arc::new(Table::new(record.clone(), reader, Arc::clone(fs))));
    }
    // The manifest lists tables in read order: level 0 newest first (a
    // size-tiered merge output is newer than the runs after it but may have
    // a higher file number than newer flushes, so the list order is the
    // truth), deeper levels by key, which sorting re-checks cheaply.
    for level in levels.iter_mut().skip(1) {
        level.sort_by(|a, b| a.record.smallest.cmp(&b.record.smallest));
    }
    Ok(Version { levels })
}

/// Checks that the table `reader` opened is the one `record` of the manifest
/// describes. Compaction sums the sizes and counts the manifest records, so
/// they must be the table's own.
fn check_record(record: &TableRecord, reader: &SSTableReader) -> Result<()> {
    let props = reader.properties();
    let matches = record.file_size == reader.file_size()
        && record.entry_count == props.entry_count
        && record.tombstone_count == props.tombstone_count
        && record.smallest == props.smallest_key
        && record.largest == props.largest_key
        && record.min_timestamp == props.min_timestamp
        && record.max_timestamp == props.max_timestamp;
    if matches {
        return Ok(());
    }
    Err(Error::corruption(
        reader.path(),
        0,
        format!(
            "the manifest records this table as {} bytes of {} entries ({} tombstones) from {} \
             to {}, timestamps {} to {}, but it is {} bytes of {} entries ({} tombstones) from \
             {} to {}, timestamps {} to {}: it is not the table the manifest lists; restore it \
             from a backup",
            record.file_size,
            record.entry_count,
            record.tombstone_count,
            record.smallest,
            record.largest,
            record.min_timestamp,
            record.max_timestamp,
            reader.file_size(),
            props.entry_count,
            props.tombstone_count,
            props.smallest_key,
            props.largest_key,
            props.min_timestamp,
            props.max_timestamp,
        ),
    ))
}

/// Deletes what an interrupted flush, manifest update or log cleanup left:
/// temporary files, tables the manifest does not list, and logs below its
/// `log_number`. None of them holds data the manifest and the needed logs do
/// not.
fn remove_leftovers(fs: &dyn FileSystem, dir: &Path, state: &ManifestState) -> Result<()> {
    let live: BTreeSet<u64> = state.tables.iter().map(|t| t.file_number).collect();
    for name in fs.list(dir)? {
        let orphan = if name == MANIFEST_TEMP_FILE_NAME || name.ends_with(".sst.tmp") {
            true
        } else if let Some(number) = parse_table_file_name(&name) {
            !live.contains(&number)
        } else if let Some(number) = wal::parse_wal_file_name(&name) {
            number < state.log_number
        } else {
            false
        };
        if orphan {
            tracing::info!(file = %name, "removing a file left behind by a crash");
            fs.remove(&dir.join(&name))?;
        }
    }
    fs.sync_dir(dir)
}

/// The highest file number of any table or log in `dir`, or 0.
///
/// A table or log named with a number above [`MAX_FILE_NUMBER`] is an
/// [`Error::Corruption`] naming it: FerrisDB never gives out such a number,
/// and counting on from it would overflow. (A name whose number does not fit
/// in 64 bits is not a table or log name at all, and is ignored like any
/// other foreign file.)
fn highest_file_number(fs: &dyn FileSystem, dir: &Path) -> Result<u64> {
    let mut highest = 0;
    for name in fs.list(dir)? {
        let Some(number) = parse_table_file_name(&name).or_else(|| wal::parse_wal_file_name(&name))
        else {
            continue;
        };
        if number > MAX_FILE_NUMBER {
            return Err(Error::corruption(
                dir.join(&name),
                0,
                format!(
                    "file number {number} is above the largest FerrisDB gives out \
                     ({MAX_FILE_NUMBER}): this file was not written by FerrisDB; move it out of \
                     the database directory"
                ),
            ));
        }
        highest = highest.max(number);
    }
    Ok(highest)
}
