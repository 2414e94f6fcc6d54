//! The names of the files in a database directory, formatted and parsed in
//! one place (LevelDB's `db/filename.h`).
//!
//! | name | file |
//! |---|---|
//! | `000042.wal` | write-ahead log number 42 |
//! | `000042.wal.tmp` | log 42 until its header is durable (the log `open` starts: until the manifest retires the logs before it) |
//! | `000042.sst` | table number 42 |
//! | `000042.sst.tmp` | table 42 while it is written |
//! | `MANIFEST`, `MANIFEST.tmp` | the list of live files, and its next version |
//! | `LOCK` | held while an engine has the directory open |
//!
//! Names are on disk: never change them (`docs/format/README.md`). Parsing
//! accepts exactly the names formatting writes, because `open` deletes the
//! logs and tables the manifest does not list: a name the engine never
//! writes (`0000042.sst`, with a zero past the padding) must stay someone
//! else's file.

use std::path::{Path, PathBuf};

/// Digits of the zero-padded file number in a log's or a table's name (more
/// past 999999).
pub const FILE_NUMBER_DIGITS: usize = 6; // on-disk: never change

/// Extension of a write-ahead log: `NNNNNN.wal`.
pub const WAL_EXTENSION: &str = "wal"; // on-disk: never change

/// Extension of a table: `NNNNNN.sst`.
pub const TABLE_EXTENSION: &str = "sst"; // on-disk: never change

/// Suffix of a file's name until it is complete: `NNNNNN.sst.tmp`.
pub const TEMP_SUFFIX: &str = ".tmp"; // on-disk: never change

/// The manifest's name.
pub const MANIFEST_FILE_NAME: &str = "MANIFEST"; // on-disk: never change

/// The name a new manifest is written under before it is renamed over
/// [`MANIFEST_FILE_NAME`].
pub const MANIFEST_TEMP_FILE_NAME: &str = "MANIFEST.tmp"; // on-disk: never change

/// The lock file's name.
pub const LOCK_FILE_NAME: &str = "LOCK"; // on-disk: never change

/// The name of a repair's journal: the first file number it gives out,
/// durable before it writes its first file, removed once its manifest is
/// stored (`engine/repair/journal.rs`).
pub const REPAIR_FILE_NAME: &str = "REPAIR"; // on-disk: never change

/// A file the engine writes, as its name tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// `NNNNNN.wal`.
    Wal(u64),
    /// `NNNNNN.wal.tmp`.
    TempWal(u64),
    /// `NNNNNN.sst`.
    Table(u64),
    /// `NNNNNN.sst.tmp`.
    TempTable(u64),
    /// `MANIFEST`.
    Manifest,
    /// `MANIFEST.tmp`.
    TempManifest,
    /// `LOCK`.
    Lock,
}

/// What the engine's file called `name` is, or `None` for a name it never
/// writes.
pub fn parse_file_name(name: &str) -> Option<FileType> {
    match name {
        MANIFEST_FILE_NAME => return Some(FileType::Manifest),
        MANIFEST_TEMP_FILE_NAME => return Some(FileType::TempManifest),
        LOCK_FILE_NAME => return Some(FileType::Lock),
        _ => {}
    }
    let (done, temp) = match name.strip_suffix(TEMP_SUFFIX) {
        Some(done) => (done, true),
        None => (name, false),
    };
    if let Some(number) = parse_numbered(done, WAL_EXTENSION) {
        return Some(if temp {
            FileType::TempWal(number)
        } else {
            FileType::Wal(number)
        });
    }
    let number = parse_numbered(done, TABLE_EXTENSION)?;
    Some(if temp {
        FileType::TempTable(number)
    } else {
        FileType::Table(number)
    })
}

/// The name of log number `number`: `000042.wal`.
pub fn wal_file_name(number: u64) -> String {
    numbered(number, WAL_EXTENSION)
}

/// The name log number `number` has until its header is durable:
/// `000042.wal.tmp`.
pub fn wal_temp_file_name(number: u64) -> String {
    format!("{}{TEMP_SUFFIX}", wal_file_name(number))
}

/// The name of table number `number`: `000042.sst`.
pub fn table_file_name(number: u64) -> String {
    numbered(number, TABLE_EXTENSION)
}

/// The temporary name a file at `path` is written under: `path` + `.tmp`.
pub fn temp_file_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(TEMP_SUFFIX);
    PathBuf::from(name)
}

/// The number of a log's name such as `000042.wal`, or `None` for any other
/// name.
pub fn parse_wal_file_name(name: &str) -> Option<u64> {
    match parse_file_name(name)? {
        FileType::Wal(number) => Some(number),
        _ => None,
    }
}

/// The number of a new log's temporary name, `000042.wal.tmp`, or `None`
/// for any other name.
pub fn parse_wal_temp_file_name(name: &str) -> Option<u64> {
    match parse_file_name(name)? {
        FileType::TempWal(number) => Some(number),
        _ => None,
    }
}

/// The number of a table's name such as `000042.sst`, or `None` for any
/// other name (temporary names included).
pub fn parse_table_file_name(name: &str) -> Option<u64> {
    match parse_file_name(name)? {
        FileType::Table(number) => Some(number),
        _ => None,
    }
}

/// The number of the temporary name a table is written under, such as
/// `000042.sst.tmp`, or `None` for any other name.
pub fn parse_temp_table_file_name(name: &str) -> Option<u64> {
    match parse_file_name(name)? {
        FileType::TempTable(number) => Some(number),
        _ => None,
    }
}

fn numbered(number: u64, extension: &str) -> String {
    format!("{number:0width$}.{extension}", width = FILE_NUMBER_DIGITS)
}

/// The number of `name` if it is exactly `numbered(number, extension)`.
fn parse_numbered(name: &str, extension: &str) -> Option<u64> {
    let digits = name.strip_suffix(extension)?.strip_suffix('.')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = digits.parse().ok()?;
    (numbered(number, extension) == name).then_some(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        for n in [0, 1, 42, 999_999, 1_000_000, u64::MAX] {
            let names = [
                (wal_file_name(n), FileType::Wal(n)),
                (wal_temp_file_name(n), FileType::TempWal(n)),
                (table_file_name(n), FileType::Table(n)),
                (
                    format!("{}{TEMP_SUFFIX}", table_file_name(n)),
                    FileType::TempTable(n),
                ),
            ];
            for (name, kind) in names {
                assert_eq!(parse_file_name(&name), Some(kind), "{name}");
            }
        }
        assert_eq!(wal_file_name(1), "000001.wal");
        assert_eq!(table_file_name(12_345_678), "12345678.sst");
        assert_eq!(parse_file_name("MANIFEST"), Some(FileType::Manifest));
        assert_eq!(
            parse_file_name("MANIFEST.tmp"),
            Some(FileType::TempManifest)
        );
        assert_eq!(parse_file_name("LOCK"), Some(FileType::Lock));
        assert_eq!(
            temp_file_name(Path::new("/db/000042.sst")),
            Path::new("/db/000042.sst.tmp")
        );
    }

    #[test]
    fn names_the_engine_never_writes_are_someone_elses() {
        for bad in [
            "42.sst",
            "1.wal",
            "0000042.sst",
            "0000001.wal",
            "01234567.sst",
            "00004x.sst",
            "00000a.wal",
            "+00042.sst",
            "000042sst",
            ".sst",
            ".wal",
            "18446744073709551616.sst",
            "000042.sst.tmp.tmp",
            "notes.sst.tmp",
            "000042.log",
            "MANIFEST.bak",
            "lock",
            "",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
        assert_eq!(parse_table_file_name("000042.sst.tmp"), None);
        assert_eq!(parse_table_file_name("000042.wal"), None);
        assert_eq!(parse_wal_file_name("000042.sst"), None);
        assert_eq!(parse_temp_table_file_name("000042.wal.tmp"), None);
        assert_eq!(parse_wal_temp_file_name("000042.wal.tmp"), Some(42));
        assert_eq!(parse_temp_table_file_name("000042.sst.tmp"), Some(42));
    }
}
