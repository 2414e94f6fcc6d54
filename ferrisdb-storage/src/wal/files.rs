//! The file header of a log, and the logs of a directory.

use std::path::{Path, PathBuf};

use ferrisdb_core::coding::{put_fixed32, put_fixed64, Decoder};

use super::format::{
    FILE_HEADER_SIZE, FORMAT_VERSION, FORMAT_VERSION_1, HEADER_CRC_OFFSET, HEADER_VERSION_OFFSET,
    MAGIC,
};
use crate::filename::parse_wal_file_name;
use crate::fs::FileSystem;
use crate::Result;

/// The WAL files of `dir` as `(number, path)`, in ascending number order.
/// Other files are ignored.
pub fn wal_files(fs: &dyn FileSystem, dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut files: Vec<(u64, PathBuf)> = fs
        .list(dir)?
        .into_iter()
        .filter_map(|name| parse_wal_file_name(&name).map(|n| (n, dir.join(name))))
        .collect();
    files.sort();
    Ok(files)
}

/// The header that starts every WAL file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalHeader {
    /// The format version the file was written with.
    pub version: u32,
    /// The number of the file, as in its name.
    pub file_number: u64,
}

/// Why a header could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeaderError {
    /// The bytes do not start with the WAL magic: some other file.
    NotWal,
    /// The magic is right but the rest is damaged (offset within the header,
    /// reason).
    Damaged(usize, String),
    /// A checksummed header that no FerrisDB writes (offset within the
    /// header, reason): not a crash's damage.
    Invalid(usize, String),
    /// A newer version than this code reads.
    UnsupportedVersion(u32),
}

impl WalHeader {
    /// The header of file `file_number` in the current format.
    pub fn new(file_number: u64) -> Self {
        WalHeader {
            version: FORMAT_VERSION,
            file_number,
        }
    }

    /// The `FILE_HEADER_SIZE` bytes of the header.
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(FILE_HEADER_SIZE);
        buf.extend_from_slice(&MAGIC);
        put_fixed32(&mut buf, self.version);
        put_fixed64(&mut buf, self.file_number);
        let crc = crc32fast::hash(&buf);
        put_fixed32(&mut buf, crc);
        debug_assert_eq!(buf.len(), FILE_HEADER_SIZE);
        buf
    }

    /// Reads a header from the first `FILE_HEADER_SIZE` bytes of `input`.
    pub(crate) fn decode(input: &[u8]) -> Result<WalHeader, HeaderError> {
        let mut dec = Decoder::new(input);
        let magic = dec.array::<8>("magic").map_err(|_| HeaderError::NotWal)?;
        if magic != MAGIC {
            return Err(HeaderError::NotWal);
        }
        let damaged = |e: ferrisdb_core::coding::DecodeError| {
            HeaderError::Damaged(e.offset(), e.reason().to_string())
        };
        let version = dec.fixed32("format version").map_err(damaged)?;
        let file_number = dec.fixed64("file number").map_err(damaged)?;
        let stored = dec.fixed32("header checksum").map_err(damaged)?;
        let actual = crc32fast::hash(&input[..HEADER_CRC_OFFSET]);
        if stored != actual {
            return Err(HeaderError::Damaged(
                0,
                format!("header checksum mismatch: stored {stored:#010x}, computed {actual:#010x}"),
            ));
        }
        if version < FORMAT_VERSION_1 {
            return Err(HeaderError::Invalid(
                HEADER_VERSION_OFFSET,
                format!("log format version {version} is not one FerrisDB writes"),
            ));
        }
        if version > FORMAT_VERSION {
            return Err(HeaderError::UnsupportedVersion(version));
        }
        Ok(WalHeader {
            version,
            file_number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_detects_damage() {
        let header = WalHeader::new(42);
        let bytes = header.encode();
        assert_eq!(bytes.len(), FILE_HEADER_SIZE);
        assert_eq!(WalHeader::decode(&bytes), Ok(header));
        for bit in 0..bytes.len() * 8 {
            let mut damaged = bytes.clone();
            damaged[bit / 8] ^= 1 << (bit % 8);
            assert!(WalHeader::decode(&damaged).is_err(), "bit {bit}");
        }
        assert_eq!(
            WalHeader::decode(b"SQLite format 3\0"),
            Err(HeaderError::NotWal)
        );
        assert!(matches!(
            WalHeader::decode(&bytes[..20]),
            Err(HeaderError::Damaged(..))
        ));
    }

    #[test]
    fn listing_keeps_only_wal_files_in_number_order() {
        let dir = tempfile::tempdir().unwrap();
        let fs = crate::fs::OsFileSystem;
        for name in [
            "000010.wal",
            "000002.wal",
            "000003.sst",
            "MANIFEST",
            "1000000.wal",
        ] {
            fs.create(&dir.path().join(name)).unwrap();
        }
        let numbers: Vec<u64> = wal_files(&fs, dir.path())
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(numbers, [2, 10, 1_000_000]);
    }
}
