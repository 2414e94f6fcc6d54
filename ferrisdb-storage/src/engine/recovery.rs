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
//!   3. restore every keyspace the manifest lists, with its stored options
//!      (`restored_keyspaces.rs`); check the manifest against the directory:
//!      open every listed table, in every keyspace (a missing, resized or
//!      damaged one is an error; so is a table listed twice, or overlapping
//!      another in a level below 0) and find the log numbered log_number;
//!      refuse a table or log named at or beyond MAX_FILE_NUMBER, and a
//!      table unlike its manifest record
//!   4. delete what a crash left behind (`leftovers.rs`)
//!   5. start a new log, under its temporary name (NNNNNN.wal.tmp)
//!   6. replay the logs from log_number on, in order, into a MemTable per
//!      keyspace, each entry only from a log its keyspace still needs
//!      (`replay_memtables.rs`); write each full MemTable, and the last
//!      ones, to its keyspace's level 0
//!   7. write one manifest listing every keyspace's new tables, with the
//!      new log as the oldest every keyspace needs; give the new log its
//!      name; delete the replayed logs
//!   8. start the flush thread
//! ```
//!
//! Flushing the replayed data at open (as RocksDB does by default) means a
//! log is replayed at most once: after step 7 the data is in tables, and the
//! next open starts from the new, empty log.
//!
//! # A log after another
//!
//! Replay takes a log that ends without its seal, or in a torn tail, for
//! what a crash leaves only when no log follows it (`replay.rs`): rotation
//! seals a log, durably, before the next log gets its name, so any later log
//! proves the earlier one was sealed, and an older log cut at a record
//! boundary (which no damage inside it shows) is caught. The log `open`
//! starts keeps that rule true: the logs it replays were left by a crash,
//! unsealed, so it is named only once the manifest that retires them is
//! durable (step 7). A power loss before that leaves the crashed logs and a
//! `NNNNNN.wal.tmp` holding a header, which the next `open` deletes; one
//! after it leaves a manifest naming a log that exists under its temporary
//! name only, which the next `open` accepts (step 3) and names (step 4).
//!

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::conflicts::ConflictLog;
use super::snapshots::SnapshotList;
use super::stats::Counters;
use super::transactions::TransactionList;
use super::{directory, leftovers, restored_keyspaces, Background, Inner, WriteState};
use crate::compaction::RateLimiter;
use crate::config::WriteBudgets;
use crate::filename::{
    parse_file_name, wal_file_name, wal_temp_file_name, FileType, LOCK_FILE_NAME,
    MANIFEST_FILE_NAME,
};
use crate::fs::FileSystem;
use crate::lock::DirectoryLock;
use crate::manifest::{self, ManifestState};
use crate::sstable::BlockCache;
use crate::versions::{KeyspaceSet, KeyspaceSettings, KeyspaceVersions, TableCache, VersionSet};
use crate::wal::format::FILE_HEADER_SIZE;
use crate::wal::{self, WalWriter};
use crate::{Error, Result, StorageConfig, Timestamp, DEFAULT_KEYSPACE_ID};

/// The number of the next instance `open` makes; 0 is never given out.
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

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
    // The lock too: held until a failed open has cleaned up, so no other
    // open can take the numbers the cleanup removes.
    let (fs_for_cleanup, dir_for_cleanup, lock_for_cleanup) =
        (Arc::clone(&fs), dir.clone(), Arc::clone(&lock));
    let settings = KeyspaceSettings {
        table: layers.table,
        memtable_size: config.memtable_size,
        memtable_filter: config.memtable_filter,
        strategy: layers.strategy,
    };
    let default = KeyspaceVersions::new(DEFAULT_KEYSPACE_ID, "default", settings, log_number);
    let default = Arc::new(default);
    let others = restored_keyspaces::keyspaces_of(&config, &state, log_number)?;
    let keyspaces = KeyspaceSet::restored(Arc::clone(&default), others);
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
        keyspaces,
    );
    restored_keyspaces::open_tables(&versions, &state)?;
    leftovers::remove_leftovers(fs.as_ref(), &dir, &state)?;
    let logs: Vec<_> = wal::wal_files(fs.as_ref(), &dir)?
        .into_iter()
        .filter(|(number, _)| *number >= state.log_number)
        .collect();
    // From here on, what this open writes (its log, the tables replay
    // makes) is taken back if it fails before a manifest records it.
    let opened = (|| {
        // Named only once the manifest retiring the replayed logs is durable
        // (`replay`): see "A log after another" in the module docs.
        let wal = WalWriter::create_unnamed(Arc::clone(&fs), dir.clone(), log_number, layers.wal)?;

        let inner = Arc::new(Inner::assemble(Parts {
            versions,
            default,
            wal: Some(Arc::new(wal)),
            budgets: layers.budgets,
            block_cache,
            last_timestamp: state.last_timestamp,
            config,
        }));
        inner.replay(&logs, log_number)?;
        inner.versions.finish_opening();
        Ok(inner)
    })();
    if opened.is_err() {
        // `inner` is gone: its log is closed and its tables let go of.
        leftovers::remove_unrecorded(fs_for_cleanup.as_ref(), &dir_for_cleanup, next, log_number);
    }
    drop(lock_for_cleanup);
    opened
}

/// What makes an [`Inner`], besides the state every instance starts with
/// empty: an `open`'s, or a read-only one's (`read_only.rs`).
pub(super) struct Parts {
    pub(super) config: StorageConfig,
    pub(super) versions: VersionSet,
    pub(super) default: Arc<KeyspaceVersions>,
    /// `None` for a read-only instance.
    pub(super) wal: Option<Arc<WalWriter>>,
    pub(super) budgets: WriteBudgets,
    pub(super) block_cache: Arc<BlockCache>,
    /// The newest timestamp the database holds: the next write's comes after
    /// it, and reads see up to it.
    pub(super) last_timestamp: Timestamp,
}

impl Inner {
    /// The instance made of `parts`.
    pub(super) fn assemble(parts: Parts) -> Inner {
        let Parts {
            config,
            versions,
            default,
            wal,
            budgets,
            block_cache,
            last_timestamp,
        } = parts;
        let keyspaces = versions.keyspaces();
        Inner {
            // Relaxed: the number only has to be unique; it orders nothing.
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
            fs: Arc::clone(&config.file_system),
            dir: config.data_dir.clone(),
            versions,
            default,
            wal,
            write: Mutex::new(WriteState {
                log_len: FILE_HEADER_SIZE as u64,
                last_timestamp,
                last_full: None,
                keyspaces,
                wal_flush_requested: None,
                conflicts: ConflictLog::new(config.transaction_conflict_memory),
            }),
            live_logs: Mutex::default(),
            budgets,
            visible: AtomicU64::new(last_timestamp),
            background: Mutex::new(Background::default()),
            background_changed: Condvar::new(),
            snapshots: SnapshotList::default(),
            snapshot_release_wakes: AtomicBool::new(false),
            transactions: TransactionList::default(),
            counters: Counters::default(),
            block_cache,
            rate_limiter: config.compaction_rate_limit.map(RateLimiter::new),
            stopping: AtomicBool::new(false),
            config,
        }
    }
}

/// Checks that the log numbered `log_number`, the oldest the manifest needs,
/// exists: it does as long as the manifest is the newest one (see
/// `leftovers.rs`), under its own name or, when a crash cut short the `open`
/// that wrote the manifest, under its temporary one (see "A log after
/// another").
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
                 other files; nothing was deleted; restore the newest MANIFEST from a backup, or \
                 rebuild it from the directory with `ferrisdb repair`",
                directory::some_of(&tables)
            ),
        ));
    }
    let path = dir.join(wal_file_name(state.log_number));
    if fs.exists(&path)? || fs.exists(&dir.join(wal_temp_file_name(state.log_number)))? {
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

/// The highest file number of any table or log in `dir`, or 0.
///
/// # Errors
///
/// [`Error::Corruption`] naming a table or log whose number FerrisDB never
/// gives out (see [`manifest::check_file_number`]).
fn highest_file_number(fs: &dyn FileSystem, dir: &Path) -> Result<u64> {
    let mut highest = 0;
    for name in fs.list(dir)? {
        let (Some(FileType::Table(number)) | Some(FileType::Wal(number))) = parse_file_name(&name)
        else {
            continue;
        };
        manifest::check_file_number(&dir.join(&name), number)?;
        highest = highest.max(number);
    }
    Ok(highest)
}
