//! `REPAIR`, a repair's journal: the first file number the repair gives
//! out, made durable before it writes its first file and removed once the
//! manifest listing its files is stored (or by the next `open`, which
//! finds that manifest in place).
//!
//! A repair cut short by a power loss leaves the tables it had written, and
//! without a manifest nothing else tells them from the database's own. They
//! are not: they hold the newest version of only the keys the merge had
//! reached, none of the deletes it applied, and timestamps up to the
//! newest write of the logs, so a repair taking them for tables would skip
//! the logs' older writes, deletes included, and bring back what those
//! deletes hid. Every file a repair writes is numbered from the journal's
//! number on, above every file that was in the directory, so the next
//! repair sets aside, into `lost/`, each file so numbered that the manifest
//! in place does not list.
//!
//! The journal is one line: the number in decimal, then a newline. Cut
//! short (no newline), it was being written when the repair stopped, before
//! the repair wrote anything else, and it is ignored.

use std::path::{Path, PathBuf};

use super::files::Files;
use crate::filename::{temp_file_name, REPAIR_FILE_NAME};
use crate::fs::FileSystem;
use crate::manifest::ManifestState;
use crate::Result;

/// The first file number of the repair cut short in `dir`, if one was.
///
/// # Errors
///
/// The I/O error of reading the journal.
pub(super) fn read(fs: &dyn FileSystem, dir: &Path) -> Result<Option<u64>> {
    let path = dir.join(REPAIR_FILE_NAME);
    if !fs.exists(&path)? {
        return Ok(None);
    }
    let bytes = fs.read_all(&path)?;
    Ok(std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| text.strip_suffix('\n'))
        .and_then(|number| number.parse().ok()))
}

/// Records, durably, that a repair gives out file numbers from `first` on.
///
/// # Errors
///
/// The I/O error of writing it.
pub(super) fn begin(fs: &dyn FileSystem, dir: &Path, first: u64) -> Result<()> {
    // Written aside and renamed over: a journal a repair cut short left is
    // replaced whole or not at all, never lost to a crash in between.
    let temp = temp_file_name(&dir.join(REPAIR_FILE_NAME));
    let mut file = fs.create(&temp)?;
    file.append(format!("{first}\n").as_bytes())?;
    file.sync()?;
    drop(file);
    fs.rename(&temp, &dir.join(REPAIR_FILE_NAME))?;
    fs.sync_dir(dir)
}

/// Removes the journal of `dir`, whose manifest lists what the repair wrote.
///
/// # Errors
///
/// The I/O error of removing it.
pub(crate) fn end(fs: &dyn FileSystem, dir: &Path) -> Result<()> {
    let path = dir.join(REPAIR_FILE_NAME);
    let mut removed = false;
    for path in [temp_file_name(&path), path] {
        if fs.exists(&path)? {
            fs.remove(&path)?;
            removed = true;
        }
    }
    if removed {
        fs.sync_dir(dir)?;
    }
    Ok(())
}

/// Takes out of `files` the output of the repair cut short that gave out
/// numbers from `first`: each table and log so numbered that `manifest` (the
/// one in place, if it reads) does not list or need.
pub(super) fn unfinished(files: &mut Files, first: u64, manifest: Option<&ManifestState>) {
    let listed = |number: u64| {
        manifest.is_some_and(|state| state.all_tables().any(|(_, t)| t.file_number == number))
    };
    let needed = |number: u64| manifest.is_some_and(|state| number >= state.log_number);
    let tables: Vec<u64> = files
        .tables
        .range(first..)
        .map(|(n, _)| *n)
        .filter(|&n| !listed(n))
        .collect();
    let logs: Vec<u64> = files
        .logs
        .range(first..)
        .map(|(n, _)| *n)
        .filter(|&n| !needed(n))
        .collect();
    let mut taken: Vec<PathBuf> = tables
        .iter()
        .filter_map(|n| files.tables.remove(n))
        .collect();
    taken.extend(logs.iter().filter_map(|n| files.logs.remove(n)));
    files.unfinished = taken;
}
