//! The files of a database directory repair looks at, by kind, and the
//! highest file number any of them has: the repaired database's new files
//! are numbered above it, so none takes the name of a file repair has not
//! moved yet (a temporary one included).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::filename::{parse_file_name, FileType};
use crate::fs::FileSystem;
use crate::manifest;
use crate::Result;

/// The files of the database directory, by kind.
#[derive(Debug, Default)]
pub(super) struct Files {
    pub(super) tables: BTreeMap<u64, PathBuf>,
    pub(super) logs: BTreeMap<u64, PathBuf>,
    /// Unfinished files: temporary tables and logs.
    pub(super) temporary: Vec<PathBuf>,
    pub(super) manifest: Option<PathBuf>,
    /// An unfinished manifest.
    pub(super) manifest_temp: Option<PathBuf>,
    /// The output of a repair cut short (`journal.rs`).
    pub(super) unfinished: Vec<PathBuf>,
    /// The highest file number any of them has.
    pub(super) highest: u64,
}

/// The database's files in `dir`, by kind.
pub(super) fn list(fs: &dyn FileSystem, dir: &Path) -> Result<Files> {
    let mut files = Files::default();
    for name in fs.list(dir)? {
        let path = dir.join(&name);
        let number = match parse_file_name(&name) {
            Some(FileType::Table(n)) => {
                files.tables.insert(n, path);
                n
            }
            Some(FileType::Wal(n)) => {
                files.logs.insert(n, path);
                n
            }
            Some(FileType::TempTable(n) | FileType::TempWal(n)) => {
                files.temporary.push(path);
                n
            }
            Some(FileType::TempManifest) => {
                files.manifest_temp = Some(path);
                0
            }
            Some(FileType::Manifest) => {
                files.manifest = Some(path);
                0
            }
            Some(FileType::Lock) | None => 0,
        };
        manifest::check_file_number(&dir.join(&name), number)?;
        files.highest = files.highest.max(number);
    }
    Ok(files)
}

impl Files {
    /// The manifest and the unfinished one, each with why `lost/` keeps
    /// it: copied there, not linked, since the new manifest is written
    /// under both names (the unfinished one first), which would leave the
    /// link the new bytes, or no name to drop.
    pub(super) fn manifests(&self) -> impl Iterator<Item = (&PathBuf, &'static str)> {
        let manifest = self.manifest.iter();
        let temp = self.manifest_temp.iter();
        manifest
            .map(|path| (path, "the manifest before the repair"))
            .chain(temp.map(|path| (path, "an unfinished manifest a write cut short left")))
    }

    /// Every table and log repair moves into `lost/`, with why: those
    /// `surveyed` (tables) and `read` (logs), those of them whose keyspace
    /// was `dropped`, and those it left unread.
    pub(super) fn moves<'a>(
        &'a self,
        surveyed: &[PathBuf],
        dropped: &[PathBuf],
        read: &[u64],
    ) -> Vec<(&'a PathBuf, &'static str)> {
        let mut moves = Vec::new();
        for path in self.tables.values() {
            let reason = if dropped.contains(path) {
                "its keyspace was dropped before the manifest was written, and its entries with it"
            } else if surveyed.contains(path) {
                "its readable entries are in the repaired tables"
            } else {
                "the manifest did not list it: a table a compaction had replaced, or one a flush \
                 or compaction wrote and had not recorded when it stopped, whose writes the \
                 listed tables or the logs hold"
            };
            moves.push((path, reason));
        }
        for (number, path) in &self.logs {
            let reason = if read.contains(number) {
                "its readable writes are in the repaired tables"
            } else {
                "the manifest no longer needed it: its writes were in tables already"
            };
            moves.push((path, reason));
        }
        for path in &self.temporary {
            moves.push((path, "an unfinished file a flush, compaction or open left"));
        }
        for path in &self.unfinished {
            moves.push((
                path,
                "written by a repair cut short: the newest versions of the keys its merge had \
                 reached, without the deletes it applied, so not read",
            ));
        }
        moves
    }
}

/// The length of the file at `path`; 0 if it cannot be opened (its survey
/// then says why).
pub(super) fn file_len(fs: &dyn FileSystem, path: &Path) -> u64 {
    fs.open(path).map_or(0, |file| file.len())
}
