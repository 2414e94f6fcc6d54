//! The manifest: the durable list of live tables and needed logs.
//!
//! A database directory holds many files; the manifest says which of them
//! matter. It records every live table (its level, number, size and key
//! range), the oldest write-ahead log that still holds data not yet in a
//! table, the next file number, and the newest timestamp stored in a table.
//!
//! # Atomic replacement
//!
//! The manifest is small, so FerrisDB rewrites it whole on every change
//! instead of appending edits to a log (LevelDB's approach). A change is made
//! durable in four steps:
//!
//! 1. write the new state to `MANIFEST.tmp`,
//! 2. fsync it,
//! 3. rename it over `MANIFEST` (atomic on POSIX file systems),
//! 4. fsync the directory, so the rename itself survives a power loss.
//!
//! A crash before step 3 leaves the old manifest in place and a stray
//! `MANIFEST.tmp`, which the next open deletes; a crash after it leaves the
//! new one. There is no state in between, so a reader of the directory always
//! sees either the old or the new set of tables. The byte layout is specified
//! in `docs/format/manifest.md`.
//!
//! # Format version and features
//!
//! The manifest's header carries the database's format version, and its body
//! starts with the database's feature flags (`features.rs`): the formats of
//! every file of the database, which `open` checks before it reads any other
//! file. A database written by a newer FerrisDB in a way this code would
//! misread is refused with [`Error::UnsupportedFormat`], never read as
//! corruption. The policy is `docs/format/README.md`.
//!
//! # Keyspaces
//!
//! The body lists the default keyspace's tables. The other keyspaces, their
//! options, tables and log numbers, and the next keyspace id, are
//! [`KeyspacesState`], written as the record of the incompatible feature
//! `keyspaces` once a keyspace besides the default one was made: a database
//! that never made one keeps the manifest it had before keyspaces, byte for
//! byte. [`ManifestState::all_tables`] lists every keyspace's tables, and
//! [`check_name`] is the rule for keyspace names.

mod features;
pub mod format;
mod keyspaces;
mod state;
mod stored_options;
mod table_record;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

pub use features::{FeatureRecord, Features};
pub use keyspaces::{check_name, KeyspaceId, KeyspaceRecord, KeyspacesState};
pub use state::{ClosedLog, ManifestState};
pub use stored_options::{StoredCompaction, StoredOptions};
pub use table_record::TableRecord;

use crate::filename::{MANIFEST_FILE_NAME, MANIFEST_TEMP_FILE_NAME};
use crate::fs::FileSystem;
use crate::{Error, Result};
use format::{MAX_FILE_LEN, MAX_FILE_NUMBER};

/// Reads the manifest of `dir`, or `None` for a directory without one (a new
/// database).
///
/// This is the first file `open` reads, and it reads no other before the
/// manifest's format version and feature flags pass (see [`Features`]).
///
/// # Errors
///
/// [`Error::UnsupportedFormat`] naming the manifest for a database that
/// needs a newer FerrisDB: a format version above [`format::FORMAT_VERSION`]
/// or an incompatible or read-only compatible feature this code does not
/// know. [`Error::Corruption`] or [`Error::ChecksumMismatch`] naming the
/// manifest and the offset for a damaged manifest, including one larger than
/// [`format::MAX_FILE_LEN`], which is refused before it is read;
/// [`Error::Io`] if reading fails.
pub fn load(fs: &dyn FileSystem, dir: &Path) -> Result<Option<ManifestState>> {
    let path = dir.join(MANIFEST_FILE_NAME);
    if !fs.exists(&path)? {
        return Ok(None);
    }
    let file = fs.open(&path)?;
    let len = match usize::try_from(file.len()) {
        Ok(len) if len <= MAX_FILE_LEN => len,
        _ => {
            return Err(Error::corruption(
                &path,
                0,
                format!(
                    "manifest of {} bytes is larger than any manifest ({MAX_FILE_LEN} bytes)",
                    file.len()
                ),
            ))
        }
    };
    let mut bytes = vec![0; len];
    file.read_exact_at(0, &mut bytes)?;
    ManifestState::decode(&bytes, &path).map(Some)
}

/// Replaces the manifest of `dir` with `state`, durably and atomically.
///
/// When this returns `Ok`, the new state survives a power loss; when it
/// returns an error, the directory holds either the old or the new manifest
/// and the caller must not assume which until it reloads.
///
/// # Errors
///
/// [`Error::InvalidArgument`] without writing anything when the manifest
/// would be larger than [`load`] reads ([`format::MAX_FILE_LEN`]), or would
/// hold a keyspaces record that [`load`] refuses (a log number that is not
/// the smallest of the keyspaces', say): writing it would leave a database
/// that never opens again. Otherwise the I/O error of a failed write, sync
/// or rename.
pub fn store(fs: &dyn FileSystem, dir: &Path, state: &ManifestState) -> Result<()> {
    let bytes = state.encode();
    check_opens(dir, state, &bytes)?;
    let temp = dir.join(MANIFEST_TEMP_FILE_NAME);
    let mut file = fs.create(&temp)?;
    file.append(&bytes)?;
    file.sync()?;
    drop(file);
    fs.rename(&temp, &dir.join(MANIFEST_FILE_NAME))?;
    fs.sync_dir(dir)
}

/// Whether the manifest of `dir` is `state`'s, byte for byte: after
/// [`store`] failed, whether the directory holds the new manifest (its
/// rename done) rather than the old one. A manifest that cannot be read
/// counts as not.
pub(crate) fn is_stored(fs: &dyn FileSystem, dir: &Path, state: &ManifestState) -> bool {
    fs.read_all(&dir.join(MANIFEST_FILE_NAME))
        .is_ok_and(|bytes| bytes == state.encode())
}

/// Checks that `bytes`, the manifest of `state` about to replace the one of
/// `dir`, is one [`load`] reads.
///
/// # Errors
///
/// [`Error::InvalidArgument`], as [`store`] says.
fn check_opens(dir: &Path, state: &ManifestState, bytes: &[u8]) -> Result<()> {
    if bytes.len() > MAX_FILE_LEN {
        return Err(Error::InvalidArgument(format!(
            "the manifest of {} would be {} bytes, more than the {MAX_FILE_LEN} bytes a \
             manifest may hold: {} tables with keys this long are more than one database can \
             list; use shorter keys or a larger target_file_size",
            dir.display(),
            bytes.len(),
            state.all_tables().count()
        )));
    }
    // The keyspaces record's rules tie together numbers that several parts
    // of the engine keep (each keyspace's log number, its tables), so a
    // manifest holding it is read back before it replaces the one in force.
    // Without keyspaces this costs nothing.
    if state.keyspaces.is_declared() {
        let path = dir.join(MANIFEST_TEMP_FILE_NAME);
        if let Err(err) = ManifestState::decode(bytes, &path) {
            return Err(Error::InvalidArgument(format!(
                "the new manifest of {} was not written, since opening the database would refuse \
                 it: {err}",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// File numbers below [`format::MAX_FILE_NUMBER`] that only `open` gives
/// out: 2^32, about as many as a database makes in decades of flushes.
///
/// A running database stops giving out numbers this far below the limit, so
/// one whose numbers ran out still opens (its new log, and the tables its
/// replay writes, take numbers from here) and reads back every write it
/// acknowledged; `open` refuses a database that has used half of them, so
/// one that opens leaves room for billions of opens again.
pub const FILE_NUMBERS_KEPT_FOR_OPEN: u64 = 1 << 32;

/// The file numbers are given out `for_open` (a new log or a replayed table
/// of `open`) or by the running database.
fn file_number_limit(for_open: bool) -> u64 {
    if for_open {
        MAX_FILE_NUMBER
    } else {
        MAX_FILE_NUMBER - FILE_NUMBERS_KEPT_FOR_OPEN
    }
}

/// Gives out the next file number of the database in `dir` from `counter`,
/// the next-file-number counter its logs and tables share (and its manifest
/// records); `for_open` when `open` takes it.
///
/// This is where file numbers are given out, and so where their limits are
/// kept: every number is below [`format::MAX_FILE_NUMBER`], so the counter
/// never passes it and no manifest, log or table the engine writes is one a
/// later `open` refuses; and the last [`FILE_NUMBERS_KEPT_FOR_OPEN`] of them
/// go only to `open`.
///
/// # Errors
///
/// [`Error::Corruption`] naming the manifest once the numbers are used up,
/// without changing the counter. No database uses 2^63 file numbers: a counter
/// this high comes from a damaged manifest's next file number or a file
/// named near the limit.
pub(crate) fn take_file_number(counter: &AtomicU64, dir: &Path, for_open: bool) -> Result<u64> {
    let limit = file_number_limit(for_open);
    // Relaxed: uniqueness needs only the atomicity of each update; the number
    // orders nothing else.
    counter
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |next| {
            (next < limit).then_some(next + 1)
        })
        .map_err(|next| numbers_used_up(dir, next, limit))
}

/// Checks that `number`, read from the name of the table, log or temporary
/// file at `path`, is one FerrisDB gives out: below [`MAX_FILE_NUMBER`].
/// `open` numbers its new files above every table and log in the
/// directory, and repair above every table, log and temporary file, so a
/// number past the limit would record a next file number no `open` accepts. (A name whose number does not fit in 64 bits is not a
/// FerrisDB name at all, and is ignored like any other foreign file.)
///
/// # Errors
///
/// [`Error::Corruption`] naming the file otherwise.
pub(crate) fn check_file_number(path: &Path, number: u64) -> Result<()> {
    if number < MAX_FILE_NUMBER {
        return Ok(());
    }
    Err(Error::corruption(
        path,
        0,
        format!(
            "file number {number} is not below MAX_FILE_NUMBER ({MAX_FILE_NUMBER}), under which \
             FerrisDB gives out every number: this file was not written by FerrisDB; move it \
             out of the database directory"
        ),
    ))
}

/// Checks, at `open`, that the database in `dir`, whose next file number is
/// `next`, has at least half of [`FILE_NUMBERS_KEPT_FOR_OPEN`] left.
///
/// # Errors
///
/// [`Error::Corruption`] naming the manifest otherwise.
pub(crate) fn check_room_to_open(dir: &Path, next: u64) -> Result<()> {
    let limit = MAX_FILE_NUMBER - FILE_NUMBERS_KEPT_FOR_OPEN / 2;
    if next < limit {
        return Ok(());
    }
    Err(numbers_used_up(dir, next, limit))
}

fn numbers_used_up(dir: &Path, next: u64, limit: u64) -> Error {
    Error::corruption(
        dir.join(MANIFEST_FILE_NAME),
        0,
        format!(
            "file numbers are used up: the next would be {next}, at or past {limit} (near \
             MAX_FILE_NUMBER, {MAX_FILE_NUMBER}); no database uses that many, so the \
             manifest's next file number, or the number in a table or log name, is damaged"
        ),
    )
}

#[cfg(test)]
mod features_tests;
#[cfg(test)]
mod keyspaces_decoder_tests;
#[cfg(test)]
mod keyspaces_state_tests;
#[cfg(test)]
mod keyspaces_tests;
#[cfg(test)]
mod tests;
