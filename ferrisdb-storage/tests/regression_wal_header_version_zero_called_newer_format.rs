//! Regression (found by the review of issue 18): a log whose header says
//! format version 0 (checksum valid) was refused as a log of a *newer*
//! format.
//!
//! `WalHeader::decode` (`wal/files.rs`) maps every version outside
//! `1..=FORMAT_VERSION` to `HeaderError::UnsupportedVersion`, and
//! `WalReader::open` turns that into `Error::UnsupportedFormat`, whose
//! message tells the user "the database ... needs a newer FerrisDB ... the
//! database is not damaged ... open it with a FerrisDB that supports its
//! format". No FerrisDB ever wrote version 0 and none will read it: the
//! manifest calls its own version 0 corruption (`Support::check_version`,
//! "manifest format version 0 is not one FerrisDB writes"), and now the log
//! says the same, naming the file and the offset of the version.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::format::{HEADER_CRC_OFFSET, HEADER_VERSION_OFFSET};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalHeader, WalReader};
use ferrisdb_storage::{Error, StorageEngine};

mod common;

use common::{dir, fault_config, replace_file};

/// The header of log `number` with format version 0 and a valid checksum.
fn header_of_version_zero(number: u64) -> Vec<u8> {
    let mut bytes = WalHeader::new(number).encode();
    bytes[HEADER_VERSION_OFFSET..HEADER_VERSION_OFFSET + 4].copy_from_slice(&0u32.to_le_bytes());
    let crc = crc32fast::hash(&bytes[..HEADER_CRC_OFFSET]);
    bytes[HEADER_CRC_OFFSET..].copy_from_slice(&crc.to_le_bytes());
    bytes
}

#[test]
fn a_log_of_version_zero_is_corruption_not_a_newer_format() {
    let fs = FaultFileSystem::new();
    drop(StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap());
    let (number, log) = wal_files(&fs, &dir()).unwrap().pop().unwrap();
    replace_file(&fs, &log, &header_of_version_zero(number));

    let err = WalReader::open(&fs, &log, RecoveryMode::TolerateCorruptedTail).unwrap_err();
    assert!(
        !matches!(err, Error::UnsupportedFormat { .. }),
        "the reader calls version 0 a newer format: {err}"
    );
    let err = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap_err();
    assert!(
        !err.to_string().contains("needs a newer FerrisDB"),
        "open sends the user looking for a newer FerrisDB for a log of version 0: {err}"
    );
    assert!(err.is_corruption(), "{err}");
}
