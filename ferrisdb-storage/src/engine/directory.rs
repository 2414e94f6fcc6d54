//! Whether a data directory holds a database, and making a new one.
//!
//! A directory holds a database exactly when it holds a `MANIFEST`: the
//! manifest says which of the directory's files are the database, so without
//! it nothing else can be trusted, or deleted.
//!
//! | the directory holds | `open` |
//! | --- | --- |
//! | a `MANIFEST` | opens the database (fails if `error_if_exists`) |
//! | nothing of a database: it is missing, or holds only `LOCK`, a `MANIFEST.tmp`, a `*.wal.tmp` (a log's header, no write), or files FerrisDB does not write | makes a new database (fails if not `create_if_missing`) |
//! | tables, logs or `*.sst.tmp` files, but no `MANIFEST` | fails with a corruption error naming the missing `MANIFEST`; deletes nothing |
//!
//! The last row is a database whose manifest was lost (deleted by hand, or
//! never written, as after a crash in the middle of a checkpoint, whose
//! manifest comes last). Taking it for a new database would open it empty and
//! then delete its tables as leftovers of a crash.
//!
//! # Making a new database
//!
//! A new database gets its first manifest (no tables, no logs needed) durably
//! before its first log exists, so no write can be acknowledged before the
//! directory is a database. A crash at any point of the creation leaves a
//! directory that is either still empty of database files (`LOCK`, perhaps a
//! `MANIFEST.tmp` from the interrupted first manifest write, which the next
//! creation replaces) or a database; never logs without a manifest.

use std::path::Path;

use crate::filename::{parse_file_name, FileType, MANIFEST_FILE_NAME};
use crate::fs::FileSystem;
use crate::manifest::{self, ManifestState};
use crate::{Error, Result, StorageConfig};

/// Creates the data directory if it is missing and the configuration allows
/// a new database; called before the directory's lock is taken.
///
/// Without `create_if_missing`, a directory holding no file of a database
/// fails here, before the lock (a `LOCK` file on most file systems) is
/// taken, so the failed `open` leaves it as it was. Whether a database is
/// there is asked again under the lock (`load_or_create`).
pub(crate) fn prepare(fs: &dyn FileSystem, config: &StorageConfig) -> Result<()> {
    let dir = &config.data_dir;
    if !config.create_if_missing && !fs.exists(dir)? {
        return Err(no_database(dir));
    }
    // Creates nothing for a directory that exists; checks it can be one.
    crate::fs::create_dir_all_durable(fs, dir).map_err(|e| match e {
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
    if !config.create_if_missing
        && !fs.exists(&dir.join(MANIFEST_FILE_NAME))?
        && database_files(fs, dir)?.is_empty()
    {
        return Err(no_database(dir));
    }
    Ok(())
}

/// The manifest of the database in `config.data_dir`, after making a new
/// database there if the directory holds none (see the module docs).
///
/// REQUIRES: the caller holds the directory's lock.
pub(crate) fn load_or_create(fs: &dyn FileSystem, config: &StorageConfig) -> Result<ManifestState> {
    let dir = &config.data_dir;
    // Whether a database exists does not depend on its manifest being
    // readable.
    if config.error_if_exists && fs.exists(&dir.join(MANIFEST_FILE_NAME))? {
        return Err(Error::InvalidArgument(format!(
            "data_dir {} already holds a database and error_if_exists is true; \
             give a new directory, or set error_if_exists to false to open it",
            dir.display()
        )));
    }
    if let Some(state) = manifest::load(fs, dir)? {
        return Ok(state);
    }
    let files = database_files(fs, dir)?;
    if !files.is_empty() {
        return Err(Error::corruption(
            dir.join(MANIFEST_FILE_NAME),
            0,
            format!(
                "the manifest is missing, yet the directory holds tables or logs ({}), \
                 so it is not opened as a new database and nothing in it is deleted; restore \
                 MANIFEST from a backup, rebuild it from those files with `ferrisdb repair` \
                 (StorageEngine::repair), or move them away to make a new database here",
                some_of(&files)
            ),
        ));
    }
    if !config.create_if_missing {
        return Err(no_database(dir));
    }
    tracing::info!(dir = %dir.display(), "making a new database");
    let state = ManifestState {
        next_file_number: 1,
        ..ManifestState::default()
    };
    manifest::store(fs, dir, &state)?;
    Ok(state)
}

/// The files in `dir` only a database has: tables (finished or not) and
/// logs.
fn database_files(fs: &dyn FileSystem, dir: &Path) -> Result<Vec<String>> {
    Ok(fs
        .list(dir)?
        .into_iter()
        .filter(|name| {
            matches!(
                parse_file_name(name),
                Some(FileType::Table(_) | FileType::TempTable(_) | FileType::Wal(_))
            )
        })
        .collect())
}

/// The first few of `names`, for an error message.
pub(crate) fn some_of(names: &[String]) -> String {
    let shown = names.len().min(3);
    match names.len() - shown {
        0 => names.join(", "),
        more => format!("{} and {more} more", names[..shown].join(", ")),
    }
}

/// Whether `name` is a table's, finished or being written.
pub(crate) fn is_table_file(name: &str) -> bool {
    matches!(
        parse_file_name(name),
        Some(FileType::Table(_) | FileType::TempTable(_))
    )
}

fn no_database(dir: &Path) -> Error {
    Error::InvalidArgument(format!(
        "data_dir {} holds no database and create_if_missing is false; \
         set create_if_missing to true to make a new one",
        dir.display()
    ))
}
