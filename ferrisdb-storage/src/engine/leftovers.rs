//! What `open` deletes: the files a crash leaves behind, once the manifest
//! is known to account for them, and what a failed `open` wrote.
//!
//! `open` deletes a file only when the manifest accounts for it: the file is
//! one the engine's own steps leave behind when a crash cuts them short, and
//! whatever it holds is also where the manifest says the data is.
//!
//! The steps named are `open`'s (`recovery.rs`).
//!
//! - Without a manifest, nothing: the directory is not a database (step 2).
//! - Before the checks of step 3 pass, nothing. The manifest is the newest
//!   the engine wrote (it is replaced by an atomic rename) only if it fits
//!   the directory: the engine deletes a listed table only after a manifest
//!   without it is durable, and logs below a new `log_number` only after the
//!   manifest raising it is, so the log numbered `log_number` exists as long
//!   as that manifest is the newest (a log's header is durable, under its
//!   own name or its temporary one, before a manifest can name it). A new database's manifest (`log_number` 0) is the
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
//!     once renamed). The one numbered `log_number` is renamed instead,
//!     when the log of that name is missing: a crash cut short the `open`
//!     that started it after its manifest named it (see "A log after
//!     another" in `recovery.rs`).
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
//!   - `REPAIR`, the journal of a repair (`repair/journal.rs`): the manifest
//!     in place lists what the repair wrote, or is the one before it.
//! - Never: a log numbered at or above `log_number` (replayed, and deleted
//!   only once a manifest lists the tables replay wrote), or a file whose
//!   name the engine does not write.

use std::collections::BTreeSet;
use std::path::Path;

use crate::filename::{parse_file_name, wal_file_name, FileType};
use crate::fs::FileSystem;
use crate::manifest::{self, ManifestState};
use crate::Result;

/// Deletes what an interrupted flush, compaction, manifest update or log
/// cleanup left: temporary files, tables the manifest does not list, and logs
/// below its `log_number`. None of them holds data the manifest and the
/// needed logs do not (see the module docs). Names the log numbered
/// `log_number` if it is there only under its temporary name.
///
/// REQUIRES: the manifest passed the checks of `open_tables` and
/// `check_oldest_log`.
pub(super) fn remove_leftovers(
    fs: &dyn FileSystem,
    dir: &Path,
    state: &ManifestState,
) -> Result<()> {
    let live: BTreeSet<u64> = state.all_tables().map(|(_, t)| t.file_number).collect();
    for name in fs.list(dir)? {
        // Only names the engine writes: any other file is someone else's.
        let orphan = match parse_file_name(&name) {
            Some(FileType::Table(number)) => !live.contains(&number),
            Some(FileType::Wal(number)) => number < state.log_number,
            Some(FileType::TempWal(number)) if number == state.log_number => {
                // The log the manifest needs, started by an `open` that
                // wrote the manifest and lost power before naming it.
                let path = dir.join(wal_file_name(number));
                if !fs.exists(&path)? {
                    tracing::info!(file = %name, "naming the log an interrupted open started");
                    fs.rename(&dir.join(&name), &path)?;
                    continue;
                }
                true
            }
            Some(FileType::TempManifest | FileType::TempTable(_) | FileType::TempWal(_)) => true,
            Some(FileType::Manifest | FileType::Lock) | None => false,
        };
        if orphan {
            tracing::info!(file = %name, "removing a file left behind by a crash");
            fs.remove(&dir.join(&name))?;
        }
    }
    // A repair's journal: the manifest in place is the repair's (it lists
    // what the repair wrote) or the one before it (what the repair wrote is
    // unlisted, and removed above).
    super::repair::journal::end(fs, dir)?;
    fs.sync_dir(dir)
}

/// Removes what a failed `open` wrote that no manifest records: its new log
/// `log_number`, under its temporary name or its own (empty: nothing is
/// written to it before `open` returns), and the tables replay made, every
/// one numbered from `first_new`. Whether a manifest records them is read
/// from the manifest on disk, since a failed manifest write may or may not
/// have replaced it: once it names the new log as the oldest needed, the log
/// stays (the next `open` requires it, and names it), and so does every
/// table it lists. Best effort: what is left is removed by the
/// next `open`, as any leftover.
pub(super) fn remove_unrecorded(fs: &dyn FileSystem, dir: &Path, first_new: u64, log_number: u64) {
    let Ok(Some(state)) = manifest::load(fs, dir) else {
        return;
    };
    let listed: BTreeSet<u64> = state.all_tables().map(|(_, t)| t.file_number).collect();
    let Ok(names) = fs.list(dir) else {
        return;
    };
    for name in names {
        let unrecorded = match parse_file_name(&name) {
            Some(FileType::Wal(number) | FileType::TempWal(number)) => {
                number == log_number && state.log_number != number
            }
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
