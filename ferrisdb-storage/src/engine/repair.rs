//! Repair: a database rebuilt from what is readable in its directory, when
//! its manifest is lost or damaged, or a table or log is damaged (LevelDB's
//! `RepairDB`, done carefully).
//!
//! 1. **Survey**, under the directory's lock, changing nothing: the manifest
//!    if it reads (then its keyspaces and its list of live tables are kept,
//!    and the logs from its log number on are read); otherwise every table
//!    and every log in the directory. A manifest older than the directory's
//!    files (put back from a checkpoint after a compaction, say: it lists a
//!    table that is missing, or a log, beside one it does not list) gives
//!    only its keyspaces, and every table and log is read as without one
//!    (`repair/stale.rs`): following its list would set aside tables that
//!    hold the only copy of some keys. Each table is read block by block, so
//!    one damaged block loses only its entries, and a table whose index or
//!    footer is lost (a truncated file) is read by a scan for its data
//!    blocks (`sstable/salvage.rs`). Each log is read past its damage.
//! 2. **Decide**: where damage may have hidden newer versions or tombstones
//!    (an unreadable block, a table's lost metadata, a log's unreadable
//!    records), the report names the key range; a strict repair refuses
//!    here, having changed nothing.
//! 3. **Write** each keyspace as one sorted run of the newest version of
//!    each key (`repair/merge.rs`): timestamps, not the order of files,
//!    decide what is newest, so tables whose order in the levels is lost
//!    still give the right answer. Then a new, empty log, sealed, and a new
//!    manifest, after a copy of the old one in `lost/`.
//! 4. **Move** every file the new manifest does not name into `lost/`, with
//!    the reason: repair deletes nothing. Each gets its name in `lost/` (a
//!    hard link) before the new manifest is stored, and loses its name in
//!    the directory after. A crash before the new manifest is stored leaves
//!    the old files where they were (the new tables are unlisted, and
//!    removed by the next open); a crash after it leaves a repaired
//!    database with old files beside it, which the next open treats as
//!    leftovers and deletes, their bytes kept in `lost/`.
//!
//! Without a manifest, or with a stale one, repair cannot tell a live table
//! from one a compaction replaced and had not deleted yet (a crash in
//! between): such a table's versions are older than its replacement's, so
//! timestamps keep them hidden, unless the compaction dropped a tombstone
//! above them at the bottom level. Its report says the manifest was
//! rebuilt, or out of date; a table a stale manifest lists and the
//! directory lacks is an affected range (replaced, or lost: nothing tells).

mod files;
pub(crate) mod journal;
mod keyspaces;
mod logs;
pub(crate) mod lost;
mod merge;
pub(crate) mod report;
mod stale;
mod state;
mod tables;
mod written;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use files::{file_len, list};
use keyspaces::RepairKeyspaces;
use logs::LogWrites;
use lost::LostDir;
use merge::{newest_versions, RunWriter, Source};
use report::{refusal, ManifestUse, RepairOptions, RepairReport};
use state::new_state;
use tables::{survey_table, SurveyedTable, TableEntries};
use written::Written;

use super::progress::Tracker;
use crate::filename::{table_file_name, wal_file_name, LOCK_FILE_NAME};
use crate::manifest::{self, ManifestState};
use crate::wal::WalWriter;
use crate::{Error, KeyspaceId, Result, StorageConfig, Timestamp};

/// Repairs the database of `config` (see the module docs).
pub(crate) fn repair(
    config: StorageConfig,
    options: RepairOptions,
    progress: &mut Tracker,
) -> Result<RepairReport> {
    let layers = config.layer_options()?;
    let fs = Arc::clone(&config.file_system);
    let dir = config.data_dir.clone();
    if !fs.exists(&dir)? {
        return Err(Error::InvalidArgument(format!(
            "{} does not exist: there is no database to repair",
            dir.display()
        )));
    }
    let _lock = fs.lock(&dir.join(LOCK_FILE_NAME))?;
    let mut files = list(fs.as_ref(), &dir)?;
    if files.manifest.is_none() && files.tables.is_empty() && files.logs.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{} holds no manifest, table or log: there is no database to repair",
            dir.display()
        )));
    }
    let mut report = RepairReport::default();
    let old = match manifest::load(fs.as_ref(), &dir) {
        Ok(Some(state)) => Some(state),
        Ok(None) => {
            report.manifest = ManifestUse::Rebuilt("there is no manifest".into());
            None
        }
        Err(error @ (Error::UnsupportedFormat { .. } | Error::Io { .. })) => return Err(error),
        Err(error) => {
            report.manifest = ManifestUse::Rebuilt(format!("the manifest is damaged: {error}"));
            None
        }
    };
    let cut_short = journal::read(fs.as_ref(), &dir)?;
    if let Some(first) = cut_short {
        journal::unfinished(&mut files, first, old.as_ref());
    }
    // A manifest older than the directory's files gives only its keyspaces
    // and features: its tables and log numbers are out of date (`stale.rs`).
    let stale = old
        .as_ref()
        .and_then(|state| stale::why(state, &files, &dir));
    if let Some(why) = &stale {
        report.manifest = ManifestUse::Stale(why.clone());
    }
    // The manifest whose list of tables and log numbers repair follows.
    let current = old.as_ref().filter(|_| stale.is_none());
    let mut keyspaces = RepairKeyspaces::new(&config, layers.table, old.as_ref(), stale.is_some())?;
    // New files are numbered above every file in the directory (each below
    // MAX_FILE_NUMBER, so the sum cannot overflow) and the old manifest's
    // next number; a database whose numbers are used up is refused here,
    // having changed nothing, as `open` refuses it.
    let first = (files.highest + 1).max(old.as_ref().map_or(0, |s| s.next_file_number));
    manifest::check_room_to_open(&dir, first)?;
    let next = AtomicU64::new(first);

    // 1. Survey. What it reads: the tables (twice: here, and in the merge)
    // and the logs, each log's size taken once for the progress it makes.
    let logs: Vec<(u64, PathBuf, u64)> = files
        .logs
        .iter()
        .filter(|(number, _)| current.is_none_or(|s| **number >= s.log_number))
        .map(|(number, path)| (*number, path.clone(), file_len(fs.as_ref(), path)))
        .collect();
    let to_survey: Vec<(&u64, &PathBuf)> = match current {
        Some(state) => state
            .all_tables()
            .filter_map(|(_, record)| files.tables.get_key_value(&record.file_number))
            .collect(),
        None => files.tables.iter().collect(),
    };
    let table_bytes: u64 = to_survey
        .iter()
        .map(|(_, p)| file_len(fs.as_ref(), p))
        .sum();
    let log_bytes: u64 = logs.iter().map(|(_, _, size)| size).sum();
    progress.expect(table_bytes.saturating_mul(2).saturating_add(log_bytes));
    for (id, record) in old.iter().flat_map(ManifestState::all_tables) {
        if !files.tables.contains_key(&record.file_number) {
            let path = dir.join(table_file_name(record.file_number));
            let missing = stale::missing(keyspaces.name(id), record, path, stale.is_some());
            report.affected.push(missing);
        }
    }
    // A table the manifest lists is the one it recorded, stale or not (file
    // numbers are never reused): its record says whose it is, and bounds a
    // scan of it.
    let listed = stale::listed(old.as_ref());
    let mut tables = Vec::new();
    for (number, path) in to_survey {
        let (id, record) = listed.get(number).copied().unzip();
        let mut table = survey_table(&fs, path.clone(), record, id)?;
        table.keyspace = id.or(table.keyspace);
        progress.read(table.size);
        tables.push(table);
    }
    // Without a manifest, or with a stale one, a keyspace takes from the
    // logs only the writes newer than its tables' newest (`repair/logs.rs`).
    let mut newest_in_tables: HashMap<KeyspaceId, Timestamp> = HashMap::new();
    for table in &tables {
        if let Some(id) = table.keyspace {
            keyspaces.found(id);
            let newest = newest_in_tables.entry(id).or_default();
            *newest = (*newest).max(table.max_timestamp);
        }
    }
    let mut writes = LogWrites::default();
    let by_log = |id: KeyspaceId, log: u64, timestamp: Timestamp| match current {
        Some(_) => keyspaces
            .by_id
            .get(&id)
            .is_some_and(|k| log >= k.log_number),
        None => newest_in_tables.get(&id).is_none_or(|&t| timestamp > t),
    };
    for (index, (number, path, size)) in logs.iter().enumerate() {
        let newest = index + 1 == logs.len();
        if let Some(damage) = writes.read(fs.as_ref(), path, *number, newest, &by_log)? {
            report.affected.push(damage);
        }
        progress.read(*size);
    }
    for id in writes.keyspaces.clone() {
        keyspaces.found(id);
    }
    let surveyed: Vec<PathBuf> = tables.iter().map(|t| t.path.clone()).collect();
    // Only a stale manifest leaves a table of a keyspace it dropped.
    let dropped: Vec<PathBuf> = tables
        .iter()
        .filter(|t| t.keyspace.is_some_and(|id| !keyspaces.contains(id)))
        .map(|t| t.path.clone())
        .collect();
    report.tables_read = tables.len();
    report.table_entries = tables.iter().map(|t| t.entries).sum();
    report.logs_read = logs.len();
    report.log_records = writes.records;
    for table in &mut tables {
        let name = table.keyspace.and_then(|id| keyspaces.name(id));
        for mut damage in table.damage.drain(..) {
            damage.keyspace.clone_from(&name);
            report.affected.push(damage);
        }
    }

    // Without a manifest, a table whose properties are lost names no
    // keyspace: its readable entries get one of their own (its ranges stay
    // of any keyspace: what its lost tombstones hid is anyone's).
    for table in tables.iter_mut().filter(|t| t.keyspace.is_none()) {
        if table.entries > 0 {
            let file = table.path.file_name().unwrap_or_default().to_string_lossy();
            table.keyspace = Some(keyspaces.unknown(&file));
        }
    }

    // 2. Decide.
    if options.strict && !report.affected.is_empty() {
        return Err(refusal(&report.affected));
    }

    // 3. Write.
    let mut lost = LostDir::new(fs.as_ref(), &dir);
    for (path, reason) in files.manifests() {
        lost.copy(path, reason)?;
    }
    // What moves to `lost/`: given second names there before the new
    // manifest is stored, so that a crash after it, and the next open's
    // removal of what it then sees as leftovers, deletes nothing.
    let read_logs: Vec<u64> = logs.iter().map(|(number, _, _)| *number).collect();
    let moves = files.moves(&surveyed, &dropped, &read_logs);
    // Relaxed: this thread alone gives out the numbers. From the first
    // number of a repair cut short before, if one was: cut short too before
    // it moves that one's output, this repair leaves both to the next.
    let first = next.load(Ordering::Relaxed);
    journal::begin(fs.as_ref(), &dir, cut_short.map_or(first, |c| c.min(first)))?;
    let mut written = Written::new(fs.as_ref());
    let outcome = write(
        &config,
        &keyspaces,
        tables,
        &mut writes,
        &next,
        &mut written.paths,
        progress,
    );
    let stored = outcome.and_then(|(repaired, last_timestamp)| {
        fs.sync_dir(&dir)?;
        let log_number = manifest::take_file_number(&next, &dir, true)?;
        written.paths.push(dir.join(wal_file_name(log_number)));
        let log = WalWriter::create(Arc::clone(&fs), dir.clone(), log_number, layers.wal)?;
        let end = log.seal()?;
        drop(log);
        let state = new_state(
            old.as_ref(),
            repaired,
            log_number,
            end.offset,
            last_timestamp.max(writes.max_timestamp),
            &mut report,
        );
        for (path, reason) in &moves {
            lost.link(path, *reason)?;
        }
        lost.sync()?;
        let store = manifest::store(fs.as_ref(), &dir, &state);
        // Failed after its rename, the manifest listing them is in place.
        if store.is_ok() || manifest::is_stored(fs.as_ref(), &dir, &state) {
            written.keep();
        }
        store
    });
    // Unkept, `written` removes them as it drops, here or in a panic.
    stored?;

    // 4. Move: drop the directory's names of what `lost/` now holds too.
    lost.release()?;
    report.moved = lost.finish()?;
    journal::end(fs.as_ref(), &dir)?;
    Ok(report)
}

/// Writes every keyspace's run; returns each keyspace with its tables' records
/// and key count, and the newest timestamp the tables read held.
fn write(
    config: &StorageConfig,
    keyspaces: &RepairKeyspaces,
    tables: Vec<SurveyedTable>,
    writes: &mut LogWrites,
    next: &AtomicU64,
    written: &mut Vec<PathBuf>,
    progress: &mut Tracker,
) -> Result<(Repaired, Timestamp)> {
    let fs = &config.file_system;
    let dir = &config.data_dir;
    let mut last_timestamp = 0;
    let mut by_keyspace: HashMap<KeyspaceId, Sources> = HashMap::new();
    for table in tables {
        last_timestamp = last_timestamp.max(table.max_timestamp);
        let Some(id) = table.keyspace.filter(|&id| keyspaces.contains(id)) else {
            progress.read(table.size);
            continue;
        };
        let (sources, sizes, tombstones) = by_keyspace.entry(id).or_default();
        tombstones.extend(table.tombstones);
        sources.push(Source::Table(TableEntries::new(table.data)));
        sizes.push(table.size);
    }
    let mut number = || manifest::take_file_number(next, dir, true);
    let mut repaired = Vec::new();
    for keyspace in keyspaces.by_id.values() {
        let (mut sources, mut sizes, mut tombstones) =
            by_keyspace.remove(&keyspace.id).unwrap_or_default();
        sources.push(Source::Memory(writes.take_points(keyspace.id).into_iter()));
        sizes.push(0);
        tombstones.extend(writes.tombstones.remove(&keyspace.id).unwrap_or_default());
        last_timestamp = tombstones
            .iter()
            .map(|t| t.timestamp)
            .fold(last_timestamp, Timestamp::max);
        let mut run = RunWriter::new(fs, dir, keyspace.table, config.target_file_size);
        newest_versions(
            sources,
            tombstones,
            |entry| run.add(entry, &mut number, written),
            |source| progress.read(sizes[source]),
        )?;
        repaired.push((keyspace.clone(), run.finish()?));
    }
    Ok((repaired, last_timestamp))
}

/// A keyspace's sources for the merge, each table's size, and its range
/// tombstones.
type Sources = (Vec<Source>, Vec<u64>, Vec<ferrisdb_core::RangeTombstone>);

/// Each keyspace written, with its tables' records and its key count.
type Repaired = Vec<(keyspaces::RepairKeyspace, (Vec<manifest::TableRecord>, u64))>;
