//! Opening a database: lock, manifest, checks, cleanup, log replay.
//!
//! ```text
//! open(config)
//!   1. validate the config; create the directory (if create_if_missing);
//!      take the LOCK file
//!   2. read the manifest; without one, make a new database if the directory
//!      holds none, or fail if it holds tables or logs (directory.rs); refuse
//!      a database of a newer format version or with a feature this code
//!      cannot ignore (Error::UnsupportedFormat), before any other file is
//!      read
//!   3. check the manifest against the directory: open every listed table
//!      (a missing, resized or damaged one is an error; so is a table listed
//!      twice, or overlapping another in a level below 0) and find the log
//!      numbered log_number; refuse a table or log named at or beyond
//!      MAX_FILE_NUMBER, and a table unlike its manifest record
//!   4. delete what a crash left behind (see "What open deletes")
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
//!
//! # What `open` deletes
//!
//! `open` deletes a file only when the manifest accounts for it: the file is
//! one the engine's own steps leave behind when a crash cuts them short, and
//! whatever it holds is also where the manifest says the data is.
//!
//! - Without a manifest, nothing: the directory is not a database (step 2).
//! - Before the checks of step 3 pass, nothing. The manifest is the newest
//!   the engine wrote (it is replaced by an atomic rename) only if it fits
//!   the directory: the engine deletes a listed table only after a manifest
//!   without it is durable, and logs below a new `log_number` only after the
//!   manifest raising it is, so the log numbered `log_number` exists as long
//!   as that manifest is the newest (a log's name is durable before a
//!   manifest can name it). A new database's manifest (`log_number` 0) is the
//!   newest only while the directory holds no table, finished or not: the
//!   first `open` records a log number before it takes a write. A manifest
//!   older than the directory's files (restored from a backup, copied from
//!   elsewhere) usually lists a table a compaction has since removed, names a
//!   log a flush has since deleted, or is a new database's beside tables,
//!   and the open fails having deleted nothing.
//! - Then, as crash leftovers:
//!   - `MANIFEST.tmp`: a manifest write cut short before its rename; the
//!     `MANIFEST` in force is the one before it.
//!   - `NNNNNN.sst.tmp` (exactly a table's name, then `.tmp`): a table
//!     write cut short before its rename; no manifest ever lists a temporary
//!     name.
//!   - `NNNNNN.wal.tmp` (exactly a log's name, then `.tmp`): a new log cut
//!     short before its rename; it holds only a header (a log takes writes
//!     once renamed).
//!   - a log numbered below `log_number`: the manifest records that its
//!     writes are in tables.
//!   - a table the manifest does not list. It is either the input of a
//!     change the manifest records as done, whose deletion the crash cut off
//!     (numbered below `next_file_number`; its data is in the change's listed
//!     outputs), or the output of a
//!     flush, compaction or replay that the crash cut off before a manifest
//!     recorded it (its data is still in the logs from `log_number` on, or in
//!     the listed tables it was merged from). Its number does not tell these
//!     apart from a file the manifest cannot explain: an unrecorded output is
//!     numbered at or above the manifest's `next_file_number` when it was
//!     started after the manifest was written (the usual case: a flush's
//!     table follows the manifest it would replace) and below it when a
//!     change of another thread was recorded meanwhile. It is the checks of
//!     step 3 that establish the manifest is the one these files answer to.
//! - Never: a log numbered at or above `log_number` (replayed, and deleted
//!   only once a manifest lists the tables replay wrote), or a file whose
//!   name the engine does not write.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Condvar, Mutex};

use super::snapshots::SnapshotList;
use super::stats::Counters;
use super::{directory, Background, Inner, WriteState};
use crate::compaction::{self, RateLimiter};
use crate::filename::{
    parse_file_name, table_file_name, wal_file_name, FileType, LOCK_FILE_NAME, MANIFEST_FILE_NAME,
};
use crate::fs::FileSystem;
use crate::lock::DirectoryLock;
use crate::manifest::format::MAX_FILE_NUMBER;
use crate::manifest::{self, ManifestState};
use crate::memtable::MemTable;
use crate::sstable::BlockCache;
use crate::versions::{SuperVersion, Table, TableCache, Version, VersionSet};
use crate::wal::format::FILE_HEADER_SIZE;
use crate::wal::{self, WalWriter};
use crate::{Error, Result, StorageConfig};

/// Opens (or creates) the database `config` describes.
pub(crate) fn open(config: StorageConfig) -> Result<Arc<Inner>> {
    let layers = config.layer_options()?;
    let fs = Arc::clone(&config.file_system);
    let dir = config.data_dir.clone();
    let _span = tracing::info_span!("open", dir = %dir.display()).entered();
    directory::prepare(fs.as_ref(), &config)?;
    let lock: DirectoryLock = Arc::new(Mutex::new(Some(fs.lock(&dir.join(LOCK_FILE_NAME))?)));
    let state = directory::load_or_create(fs.as_ref(), &config)?;
    let block_cache = Arc::new(BlockCache::new(config.block_cache_size));
    check_oldest_log(fs.as_ref(), &dir, &state)?;
    // Numbers continue above everything in the directory, even files a crash
    // left unlisted, so a new file never reuses a name. The highest is below
    // MAX_FILE_NUMBER, so the sum cannot overflow. Checked, and the new log's
    // number taken, before anything is removed: a file named beyond the
    // numbers FerrisDB gives out is not one of its leftovers, and a database
    // whose numbers are used up fails to open having deleted nothing.
    let highest = highest_file_number(fs.as_ref(), &dir)?;
    let next = state.next_file_number.max(highest + 1);
    manifest::check_room_to_open(&dir, next)?;
    let next_file_number = Arc::new(AtomicU64::new(next));
    let log_number = manifest::take_file_number(&next_file_number, &dir, true)?;
    let (fs_for_cleanup, dir_for_cleanup) = (Arc::clone(&fs), dir.clone());
    let active = MemTable::with_filter(config.memtable_size, config.memtable_filter);
    let versions = VersionSet::new(
        Arc::clone(&fs),
        dir.clone(),
        lock,
        Arc::new(TableCache::new(
            Arc::clone(&fs),
            Arc::clone(&block_cache),
            config.max_open_files,
        )),
        state.clone(),
        Arc::clone(&next_file_number),
        SuperVersion::new(Arc::new(active), log_number, Arc::default()),
    );
    let version = Arc::new(open_tables(&versions, &state)?);
    versions.modify_current(|now| now.with_version(version, &[]));
    remove_leftovers(fs.as_ref(), &dir, &state)?;
    let logs: Vec<_> = wal::wal_files(fs.as_ref(), &dir)?
        .into_iter()
        .filter(|(number, _)| *number >= state.log_number)
        .collect();
    // From here on, what this open writes (its log, the tables replay
    // makes) is taken back if it fails before a manifest records it.
    let opened = (|| {
        let wal = WalWriter::create(Arc::clone(&fs), dir.clone(), log_number, layers.wal)?;

        let inner = Arc::new(Inner {
            versions,
            wal: Arc::new(wal),
            write: Mutex::new(WriteState {
                log_len: FILE_HEADER_SIZE as u64,
                last_timestamp: state.last_timestamp,
                last_full: None,
            }),
            visible: AtomicU64::new(state.last_timestamp),
            background: Mutex::new(Background::default()),
            background_changed: Condvar::new(),
            snapshots: SnapshotList::default(),
            counters: Counters::default(),
            block_cache,
            table_options: layers.table,
            strategy: compaction::strategy_for(&layers.strategy),
            rate_limiter: config.compaction_rate_limit.map(RateLimiter::new),
            stopping: AtomicBool::new(false),
            fs,
            dir,
            config,
        });
        inner.replay(&logs, log_number)?;
        inner.versions.finish_opening();
        Ok(inner)
    })();
    if opened.is_err() {
        // `inner` is gone: its log is closed and its tables let go of.
        remove_unrecorded(fs_for_cleanup.as_ref(), &dir_for_cleanup, next, log_number);
    }
    opened
}

/// Opens every table the manifest lists, by level: each must be listed once,
/// exist, have the size the manifest records and open, and each level below
/// 0 must be sorted by key with disjoint ranges.
fn open_tables(versions: &VersionSet, state: &ManifestState) -> Result<Version> {
    let (fs, dir) = (&versions.fs, versions.dir.as_path());
    let mut levels: Vec<Vec<Arc<Table>>> = Vec::new();
    let mut listed = BTreeSet::new();
    for record in &state.tables {
        if !listed.insert(record.file_number) {
            return Err(damaged_manifest(
                dir,
                format!("it lists table {} twice", record.file_number),
            ));
        }
        let path = dir.join(table_file_name(record.file_number));
        if !fs.exists(&path)? {
            return Err(Error::corruption(
                &path,
                0,
                "the manifest lists this table but the file is missing; restore it from a backup",
            ));
        }
        // Opening checks the table is the one the record describes.
        let table = versions.open_table(record.clone())?;
        // The manifest's decoder bounds levels by NUM_LEVELS.
        let level = record.level as usize;
        if levels.len() <= level {
            levels.resize_with(level + 1, Vec::new);
        }
        levels[level].push(table);
    }
    // The manifest lists tables in read order: level 0 newest first (a
    // size-tiered merge output is newer than the runs after it but may have
    // a higher file number than newer flushes, so the list order is the
    // truth), each deeper level one sorted run: by key, with disjoint
    // user-key ranges (an output is split only between two user keys). Every
    // version keeps that shape, and reads rely on it: a point read looks in
    // the one table of a deeper level whose range holds the key, and a scan
    // reads the level as one run.
    for (level, tables) in levels.iter().enumerate().skip(1) {
        for pair in tables.windows(2) {
            let (a, b) = (&pair[0].record, &pair[1].record);
            if a.largest.user_key >= b.smallest.user_key {
                return Err(damaged_manifest(
                    dir,
                    format!(
                        "level {level} lists table {} (keys {} to {}) before table {} (keys {} \
                         to {}), but the tables of a level below 0 are sorted by key with \
                         disjoint ranges",
                        a.file_number, a.smallest, a.largest, b.file_number, b.smallest, b.largest
                    ),
                ));
            }
        }
    }
    Ok(Version { levels })
}

/// A corruption error naming the manifest of `dir`, which lists what the
/// engine never writes (`reason`).
fn damaged_manifest(dir: &Path, reason: String) -> Error {
    Error::corruption(
        dir.join(MANIFEST_FILE_NAME),
        0,
        format!(
            "the manifest is damaged: {reason}; nothing was deleted; restore the MANIFEST from a \
             backup"
        ),
    )
}

/// Checks that the log numbered `log_number`, the oldest the manifest needs,
/// exists: it does as long as the manifest is the newest one (see "What
/// `open` deletes").
///
/// A manifest of a new database needs no log yet (`log_number` 0), and is
/// the newest only while the directory holds no table: it is written before
/// the database's first log, and the first `open` records a log number before
/// it accepts a write, so a table (even one being written) is something a
/// later manifest must account for. Logs are no such sign: an interrupted
/// first `open` leaves an empty one, and replay keeps whatever a log holds.
fn check_oldest_log(fs: &dyn FileSystem, dir: &Path, state: &ManifestState) -> Result<()> {
    if state.log_number == 0 {
        let tables: Vec<String> = fs
            .list(dir)?
            .into_iter()
            .filter(|name| directory::is_table_file(name))
            .collect();
        if tables.is_empty() {
            return Ok(());
        }
        return Err(Error::corruption(
            dir.join(MANIFEST_FILE_NAME),
            0,
            format!(
                "the manifest is a new database's (log number 0, written before its first log), \
                 but the directory holds tables ({}): the manifest is older than the directory's \
                 other files; nothing was deleted; restore the newest MANIFEST from a backup",
                directory::some_of(&tables)
            ),
        ));
    }
    let path = dir.join(wal_file_name(state.log_number));
    if fs.exists(&path)? {
        return Ok(());
    }
    Err(Error::corruption(
        &path,
        0,
        "the manifest needs this log (its oldest unflushed writes) but the file is missing: \
         the manifest may be older than the directory's other files, or the log was \
         deleted; nothing was deleted; restore the log, or the newest MANIFEST, from a backup",
    ))
}

/// Deletes what an interrupted flush, compaction, manifest update or log
/// cleanup left: temporary files, tables the manifest does not list, and logs
/// below its `log_number`. None of them holds data the manifest and the
/// needed logs do not (see "What `open` deletes").
///
/// REQUIRES: the manifest passed the checks of `open_tables` and
/// `check_oldest_log`.
fn remove_leftovers(fs: &dyn FileSystem, dir: &Path, state: &ManifestState) -> Result<()> {
    let live: BTreeSet<u64> = state.tables.iter().map(|t| t.file_number).collect();
    for name in fs.list(dir)? {
        // Only names the engine writes: any other file is someone else's.
        let orphan = match parse_file_name(&name) {
            Some(FileType::Table(number)) => !live.contains(&number),
            Some(FileType::Wal(number)) => number < state.log_number,
            Some(FileType::TempManifest | FileType::TempTable(_) | FileType::TempWal(_)) => true,
            Some(FileType::Manifest | FileType::Lock) | None => false,
        };
        if orphan {
            tracing::info!(file = %name, "removing a file left behind by a crash");
            fs.remove(&dir.join(&name))?;
        }
    }
    fs.sync_dir(dir)
}

/// Removes what a failed `open` wrote that no manifest records: its new log
/// `log_number` (empty: nothing is written to it before `open` returns) and
/// the tables replay made, every one numbered from `first_new`. Whether a
/// manifest records them is read from the manifest on disk, since a failed
/// manifest write may or may not have replaced it: once it names the new log
/// as the oldest needed, the log stays (the next `open` requires it), and so
/// does every table it lists. Best effort: what is left is removed by the
/// next `open`, as any leftover.
fn remove_unrecorded(fs: &dyn FileSystem, dir: &Path, first_new: u64, log_number: u64) {
    let Ok(Some(state)) = manifest::load(fs, dir) else {
        return;
    };
    let listed: BTreeSet<u64> = state.tables.iter().map(|t| t.file_number).collect();
    let Ok(names) = fs.list(dir) else {
        return;
    };
    for name in names {
        let unrecorded = match parse_file_name(&name) {
            Some(FileType::Wal(number)) => number == log_number && state.log_number != number,
            Some(FileType::Table(number)) => number >= first_new && !listed.contains(&number),
            _ => false,
        };
        if unrecorded {
            if let Err(error) = fs.remove(&dir.join(&name)) {
                tracing::warn!(%error, file = %name, "could not remove a file of a failed open");
            }
        }
    }
}

/// The highest file number of any table or log in `dir`, or 0.
///
/// A table or log named with [`MAX_FILE_NUMBER`] or a larger number is an
/// [`Error::Corruption`] naming it: FerrisDB gives out only numbers below it,
/// and counting on from it would record a next file number no `open`
/// accepts. (A name whose number does not fit in 64 bits is not a table or
/// log name at all, and is ignored like any other foreign file.)
fn highest_file_number(fs: &dyn FileSystem, dir: &Path) -> Result<u64> {
    let mut highest = 0;
    for name in fs.list(dir)? {
        let (Some(FileType::Table(number)) | Some(FileType::Wal(number))) = parse_file_name(&name)
        else {
            continue;
        };
        if number >= MAX_FILE_NUMBER {
            return Err(Error::corruption(
                dir.join(&name),
                0,
                format!(
                    "file number {number} is not below MAX_FILE_NUMBER ({MAX_FILE_NUMBER}), \
                     under which FerrisDB gives out every number: this file was not written by \
                     FerrisDB; move it out of the database directory"
                ),
            ));
        }
        highest = highest.max(number);
    }
    Ok(highest)
}
