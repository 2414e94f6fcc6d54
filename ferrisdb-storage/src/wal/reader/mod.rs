//! [`WalReader`]: iterates the records of one WAL file, telling a torn tail
//! from corruption.
//!
//! Reading is in layers, one file each: `fragments.rs` reads blocks and
//! yields checked fragments; `assembler.rs` joins fragments into records;
//! `records.rs` decodes each record's prefix and yields the payloads;
//! `damage.rs` decides what damage means under a [`RecoveryMode`]. This file
//! holds the reader and its opening (the header check).

use std::path::{Path, PathBuf};

use ferrisdb_core::{Error, Result, Unsupported};

use super::files::{HeaderError, WalHeader};
use super::format::{FILE_HEADER_SIZE, FORMAT_VERSION, HEADER_FILE_NUMBER_OFFSET, MAGIC};
use crate::filename::parse_wal_file_name;
use crate::fs::FileSystem;

mod assembler;
mod damage;
mod fragments;
mod records;

pub use damage::{DamageKind, RecoveryMode, WalDamage};
use fragments::{Found, Fragments};
pub use records::WalRecord;

/// Reads the records of one WAL file, in order, as an iterator of
/// `Result<WalRecord>`.
///
/// The iterator ends at the end of the log, or at the first damage as the
/// [`RecoveryMode`] decides: quietly (see [`damage`](Self::damage) and
/// [`dropped_bytes`](Self::dropped_bytes)), or with one
/// [`Error::Corruption`] / [`Error::ChecksumMismatch`] naming the file and the
/// offset. Records are returned only once all their fragments passed their
/// CRC: no mode ever returns altered bytes. What a payload holds is its
/// writer's business: the reader gives it back as it was appended.
#[derive(Debug)]
pub struct WalReader {
    fragments: Fragments,
    path: PathBuf,
    mode: RecoveryMode,
    header: Option<WalHeader>,
    /// The payload of the record being read, joined from its fragments.
    scratch: Vec<u8>,
    done: bool,
    dropped_bytes: u64,
    dropped_records: u64,
    damage: Option<WalDamage>,
    /// The largest durable length any record read so far claims.
    durable: u64,
    /// A seal was read: the writer finished this file.
    sealed: bool,
    /// The file's number: its header's, or its name's when the header is
    /// damaged. Every record from version 2 on carries it.
    log_number: u64,
    /// Where the zeros that end the file start, when the log ended at them.
    zero_tail: Option<u64>,
    /// The file's length less the zeros that end it, once the iteration
    /// ended; its length before.
    data_len: u64,
    /// Keep the records the scan after damage finds (`repair`).
    salvage: bool,
    /// The records found after the damage, when salvaging.
    salvaged: Vec<WalRecord>,
}

impl WalReader {
    /// Opens the WAL file at `path` and checks its header.
    ///
    /// A file that does not start with the WAL magic is rejected with
    /// [`Error::InvalidArgument`] ("not a FerrisDB WAL file"), and a format
    /// version this code cannot read with [`Error::UnsupportedFormat`]. A file cut
    /// short inside its header
    /// or zero-filled there (a crash right after creating it) is damage like
    /// any other: under `AbsoluteConsistency` this returns the error, otherwise
    /// the reader yields nothing.
    pub fn open(fs: &dyn FileSystem, path: &Path, mode: RecoveryMode) -> Result<WalReader> {
        Self::open_with(fs, path, mode, false)
    }

    fn open_with(
        fs: &dyn FileSystem,
        path: &Path,
        mode: RecoveryMode,
        salvage: bool,
    ) -> Result<WalReader> {
        let file = fs.open(path)?;
        let len = file.len();
        let mut reader = WalReader {
            fragments: Fragments::new(file, FILE_HEADER_SIZE as u64),
            path: path.to_path_buf(),
            mode,
            header: None,
            scratch: Vec::new(),
            done: false,
            dropped_bytes: 0,
            dropped_records: 0,
            damage: None,
            durable: 0,
            sealed: false,
            log_number: path
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(parse_wal_file_name)
                .unwrap_or(0),
            zero_tail: None,
            data_len: len,
            salvage,
            salvaged: Vec::new(),
        };
        let mut head = vec![0; len.min(FILE_HEADER_SIZE as u64) as usize];
        reader.fragments.read_exact_at(0, &mut head)?;
        let not_wal = || {
            Error::InvalidArgument(format!(
                "{} is not a FerrisDB WAL file (it does not start with the WAL magic)",
                path.display()
            ))
        };
        let all_zero = head.iter().all(|&b| b == 0);
        let found = if head.len() < FILE_HEADER_SIZE {
            let magic_len = head.len().min(MAGIC.len());
            if head[..magic_len] != MAGIC[..magic_len] && !all_zero {
                return Err(not_wal());
            }
            Found::new(0, "file ends inside its header")
        } else {
            match WalHeader::decode(&head) {
                Ok(header) if reader.log_number != 0 && header.file_number != reader.log_number => {
                    // A copy of another log under this name: replaying it
                    // would repeat that log's writes and lose this one's.
                    let mut found = Found::new(
                        HEADER_FILE_NUMBER_OFFSET as u64,
                        format!(
                            "the header names log {}, but the file is named for log {}",
                            header.file_number, reader.log_number
                        ),
                    );
                    found.certain = true;
                    found
                }
                Ok(header) => {
                    reader.header = Some(header);
                    reader.log_number = header.file_number;
                    reader.fragments.set_version(header.version);
                    return Ok(reader);
                }
                Err(HeaderError::NotWal) if !all_zero => return Err(not_wal()),
                Err(HeaderError::NotWal) => Found::new(0, "zero-filled file header"),
                Err(HeaderError::UnsupportedVersion(v)) => {
                    return Err(Error::UnsupportedFormat {
                        file: path.to_path_buf(),
                        unsupported: Unsupported::Version {
                            found: v,
                            newest_supported: FORMAT_VERSION,
                        },
                    })
                }
                Err(HeaderError::Damaged(offset, reason)) => Found::new(offset as u64, reason),
                Err(HeaderError::Invalid(offset, reason)) => {
                    let mut found = Found::new(offset as u64, reason);
                    found.certain = true;
                    found
                }
            }
        };
        match reader.on_damage(found, 0) {
            Some(Err(e)) => Err(e),
            _ => Ok(reader),
        }
    }

    /// Opens the log at `path` to read every record that checks out, also
    /// after damage: it reads as under point in time recovery, and the
    /// records found past the damage are kept for
    /// [`take_salvaged`](Self::take_salvaged). What `repair` reads a log
    /// with.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub(crate) fn open_salvaging(fs: &dyn FileSystem, path: &Path) -> Result<WalReader> {
        Self::open_with(fs, path, RecoveryMode::PointInTimeRecovery, true)
    }

    /// The records found after the damage that ended the iteration, in
    /// order, when opened with [`open_salvaging`](Self::open_salvaging).
    pub(crate) fn take_salvaged(&mut self) -> Vec<WalRecord> {
        std::mem::take(&mut self.salvaged)
    }

    /// The file's header, or `None` if it was damaged and skipped.
    pub fn header(&self) -> Option<WalHeader> {
        self.header
    }

    /// The path of the file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The size of the file in bytes.
    pub fn file_len(&self) -> u64 {
        self.fragments.len()
    }

    /// Bytes at the end of the file that were skipped as damage: from the
    /// start of the first damaged record to the end of the file, less the
    /// zeros that end it (room the writer preallocated holds nothing).
    pub fn dropped_bytes(&self) -> u64 {
        self.dropped_bytes
    }

    /// Where the zeros that end the file start, when the log ended at them:
    /// room its writer preallocated past its records, and never wrote (see
    /// `docs/format/wal.md`). They end the log in every recovery mode, as
    /// the end of the file would: from a record boundary to the end of the
    /// file, no record vouches for them. `None` when the log ended at the
    /// end of the file, or at damage. Set once the iterator has ended.
    pub fn zero_tail(&self) -> Option<u64> {
        self.zero_tail
    }

    /// The file's length less the zeros that end it: where the log's bytes
    /// end. At the end of the log, its [`zero_tail`](Self::zero_tail) or
    /// the file's length; past damage, the end of the last byte that is not
    /// zero. Set once the iterator has ended; the file's length until then.
    pub fn data_len(&self) -> u64 {
        self.data_len
    }

    /// Valid data records found after the damage that ended the log, which
    /// the reader did not return: the writes a quiet stop dropped. Set once
    /// the iterator has ended.
    pub fn dropped_records(&self) -> u64 {
        self.dropped_records
    }

    /// The largest durable length claimed by any valid record read, past
    /// the damage included: every byte before it was on stable storage when
    /// the log was written. 0 when nothing claims one (an empty or
    /// version-1 log).
    pub fn durable_len(&self) -> u64 {
        self.durable
    }

    /// Whether the log ends with a seal: its writer finished it (rotated or
    /// closed), so all of it was durable.
    pub fn is_sealed(&self) -> bool {
        self.sealed
    }

    /// The damage that ended the log, if any. Set once the iterator has ended.
    pub fn damage(&self) -> Option<&WalDamage> {
        self.damage.as_ref()
    }

    /// The format version of the file: the header's, or this build's when
    /// the header is damaged.
    fn version(&self) -> u32 {
        self.header.map_or(FORMAT_VERSION, |h| h.version)
    }
}

#[cfg(test)]
mod salvage_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod zero_tail_tests;
