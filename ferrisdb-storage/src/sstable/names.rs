//! The names of table files: `000042.sst`, and `000042.sst.tmp` while one
//! is being written.
//!
//! Parsing accepts exactly the names formatting writes, because `open`
//! deletes table files the manifest does not list: a name the engine never
//! writes must stay someone else's file.

use std::path::{Path, PathBuf};

use super::format::{FILE_NUMBER_DIGITS, TABLE_FILE_EXTENSION, TEMP_FILE_SUFFIX};

/// The file name of table `number`: `000042.sst` (more digits past 999999).
pub fn table_file_name(number: u64) -> String {
    format!(
        "{number:0width$}.{TABLE_FILE_EXTENSION}",
        width = FILE_NUMBER_DIGITS
    )
}

/// The file number of a table file name such as `000042.sst`, or `None` for
/// any other name (temporary files included).
///
/// Only names [`table_file_name`] writes are accepted: `open` deletes a
/// table the manifest does not list, so a name the engine never writes
/// (`0000042.sst`, with a zero past the padding) must stay someone else's
/// file.
pub fn parse_table_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(TABLE_FILE_EXTENSION)?.strip_suffix('.')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = digits.parse().ok()?;
    (table_file_name(number) == name).then_some(number)
}

/// The file number of the temporary name a table is written under, such as
/// `000042.sst.tmp` (exactly a name [`table_file_name`] writes, then
/// [`TEMP_FILE_SUFFIX`]), or `None` for any other name.
pub fn parse_temp_table_file_name(name: &str) -> Option<u64> {
    parse_table_file_name(name.strip_suffix(TEMP_FILE_SUFFIX)?)
}

/// The temporary name a table is written under: `path` + `.tmp`.
pub fn temp_file_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(TEMP_FILE_SUFFIX);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_round_trip() {
        assert_eq!(table_file_name(42), "000042.sst");
        assert_eq!(table_file_name(12_345_678), "12345678.sst");
        for n in [0, 1, 42, 999_999, 1_000_000, u64::MAX] {
            assert_eq!(parse_table_file_name(&table_file_name(n)), Some(n));
        }
        for bad in [
            "42.sst",
            "000042.sst.tmp",
            "000042.wal",
            "00004x.sst",
            "000042sst",
            ".sst",
            "0000042.sst",
            "01234567.sst",
            "+00042.sst",
            "18446744073709551616.sst",
        ] {
            assert_eq!(parse_table_file_name(bad), None, "{bad}");
        }
        assert_eq!(
            temp_file_name(Path::new("/db/000042.sst")),
            Path::new("/db/000042.sst.tmp")
        );
        assert_eq!(parse_temp_table_file_name("000042.sst.tmp"), Some(42));
        for bad in [
            "000042.sst",
            "notes.sst.tmp",
            "0000042.sst.tmp",
            "000042.sst.tmp.tmp",
            "000042.wal.tmp",
        ] {
            assert_eq!(parse_temp_table_file_name(bad), None, "{bad}");
        }
    }
}
