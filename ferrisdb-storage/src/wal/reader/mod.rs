//! [`WALReader`]: iterates the batches of one WAL file, telling a torn tail
//! from corruption.

use std::fmt;
use std::path::{Path, PathBuf};

use ferrisdb_core::{Error, Result, Timestamp};

use super::files::{HeaderError, WalHeader};
use super::format::{
    BLOCK_SIZE, FILE_HEADER_SIZE, FRAGMENT_HEADER_SIZE, FRAGMENT_LENGTH_OFFSET,
    FRAGMENT_TYPE_OFFSET, MAGIC, MIN_FRAGMENT_SIZE, TYPE_FIRST, TYPE_FULL, TYPE_LAST, TYPE_MIDDLE,
};
use super::fragment::{fragment_crc, is_valid_fragment};
use crate::fs::{FileSystem, RandomAccessFile};
use crate::WriteBatch;

/// What a [`WALReader`] does when it finds damage. Named after RocksDB's
/// WAL recovery modes.
///
/// Damage at offset `D` is a **torn tail** when no valid fragment (a known
/// type, a length that fits its block and the file, a matching CRC) starts at
/// or after `D` in `D`'s block, nor at the start of any later block (every
/// block the writer starts begins with a fragment). Otherwise it is
/// **corruption**: something valid was written after the damaged bytes, so
/// they are not the remains of the last, interrupted write. A record whose
/// fragments all check out but whose payload is not a valid batch is always
/// corruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RecoveryMode {
    /// A torn tail (a record cut short, a zero-filled or garbage end) ends the
    /// log quietly, counted in [`WALReader::dropped_bytes`]; corruption is an
    /// error. The default: what a crash can leave is repaired, anything else
    /// is reported.
    #[default]
    TolerateCorruptedTail,
    /// Any damage, a torn tail included, is an error.
    AbsoluteConsistency,
    /// Stops quietly at the first damage of any kind and returns the records
    /// before it: the log as it was at some point in time.
    PointInTimeRecovery,
}

/// Whether damage looks like the remains of an interrupted write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DamageKind {
    /// Nothing valid follows the damage: the last write was cut short.
    TornTail,
    /// Valid data follows the damage, or a checksummed record is invalid.
    Corruption,
}

/// Where a log is damaged and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalDamage {
    /// Byte offset in the file where the damage was found.
    pub offset: u64,
    /// What was wrong.
    pub reason: String,
    /// Torn tail or corruption.
    pub kind: DamageKind,
}

impl fmt::Display for WalDamage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            DamageKind::TornTail => "torn tail",
            DamageKind::Corruption => "corruption",
        };
        write!(f, "{kind} at byte {}: {}", self.offset, self.reason)
    }
}

/// One batch read back from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalRecord {
    /// Byte offset of the record's first fragment in its file.
    pub offset: u64,
    /// The timestamp of every entry of the batch.
    pub timestamp: Timestamp,
    /// The batch, exactly as appended.
    pub batch: WriteBatch,
}

/// The details of damage, before the mode decides what to do with it.
struct Found {
    offset: u64,
    reason: String,
    /// `(stored, computed)` for a checksum mismatch.
    checksum: Option<(u32, u32)>,
    /// Corruption whatever follows (a checksummed record that does not decode).
    certain: bool,
}

impl Found {
    fn new(offset: u64, reason: impl Into<String>) -> Self {
        Found {
            offset,
            reason: reason.into(),
            checksum: None,
            certain: false,
        }
    }
}

/// Why [`WALReader::read_record`] stopped: damage (and the start of the
/// record it hit), or a failed read.
enum Stop {
    Damage(Found, u64),
    Io(Error),
}

/// Reads the batches of one WAL file, in order, as an iterator of
/// `Result<WalRecord>`.
///
/// The iterator ends at the end of the log, or at the first damage as the
/// [`RecoveryMode`] decides: quietly (see [`damage`](Self::damage) and
/// [`dropped_bytes`](Self::dropped_bytes)), or with one
/// [`Error::Corruption`] / [`Error::ChecksumMismatch`] naming the file and the
/// offset. Records are returned only once all their fragments passed their
/// CRC: no mode ever returns altered bytes.
#[derive(Debug)]
pub struct WALReader {
    file: Box<dyn RandomAccessFile>,
    path: PathBuf,
    mode: RecoveryMode,
    header: Option<WalHeader>,
    len: u64,
    /// The block at `block_index`, as read from the file.
    block: Vec<u8>,
    block_index: Option<u64>,
    /// Offset of the next fragment.
    pos: u64,
    /// Payload of a record split over fragments, gathered so far.
    scratch: Vec<u8>,
    done: bool,
    dropped_bytes: u64,
    damage: Option<WalDamage>,
}

impl WALReader {
    /// Opens the WAL file at `path` and checks its header.
    ///
    /// A file that does not start with the WAL magic is rejected with
    /// [`Error::InvalidArgument`] ("not a FerrisDB WAL file"), and so is a
    /// format version this code cannot read. A file cut short inside its header
    /// or zero-filled there (a crash right after creating it) is damage like
    /// any other: under `AbsoluteConsistency` this returns the error, otherwise
    /// the reader yields nothing.
    pub fn open(fs: &dyn FileSystem, path: &Path, mode: RecoveryMode) -> Result<WALReader> {
        let file = fs.open(path)?;
        let len = file.len();
        let mut reader = WALReader {
            file,
            path: path.to_path_buf(),
            mode,
            header: None,
            len,
            block: Vec::new(),
            block_index: None,
            pos: FILE_HEADER_SIZE as u64,
            scratch: Vec::new(),
            done: false,
            dropped_bytes: 0,
            damage: None,
        };
        let mut head = vec![0; len.min(FILE_HEADER_SIZE as u64) as usize];
        reader.file.read_exact_at(0, &mut head)?;
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
                Ok(header) => {
                    reader.header = Some(header);
                    return Ok(reader);
                }
                Err(HeaderError::NotWal) if !all_zero => return Err(not_wal()),
                Err(HeaderError::NotWal) => Found::new(0, "zero-filled file header"),
                Err(HeaderError::UnsupportedVersion(v)) => {
                    return Err(Error::InvalidArgument(format!(
                        "{} is a WAL file of format version {v}, which this build cannot read",
                        path.display()
                    )))
                }
                Err(HeaderError::Damaged(offset, reason)) => Found::new(offset as u64, reason),
            }
        };
        match reader.on_damage(found, 0) {
            Some(Err(e)) => Err(e),
            _ => Ok(reader),
        }
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
        self.len
    }

    /// Bytes at the end of the file that were skipped as damage (from the
    /// start of the first damaged record to the end of the file).
    pub fn dropped_bytes(&self) -> u64 {
        self.dropped_bytes
    }

    /// The damage that ended the log, if any. Set once the iterator has ended.
    pub fn damage(&self) -> Option<&WalDamage> {
        self.damage.as_ref()
    }

    /// Decides what damage means under the reader's mode; ends the iteration.
    fn on_damage(&mut self, found: Found, record_start: u64) -> Option<Result<WalRecord>> {
        self.done = true;
        let torn = if found.certain {
            false
        } else {
            match self.valid_fragment_from(found.offset) {
                Ok(valid_after) => !valid_after,
                Err(e) => return Some(Err(e)),
            }
        };
        self.dropped_bytes = self.len.saturating_sub(record_start);
        let kind = if torn {
            DamageKind::TornTail
        } else {
            DamageKind::Corruption
        };
        let error = match found.checksum {
            Some((expected, actual)) => Error::ChecksumMismatch {
                file: self.path.clone(),
                offset: found.offset,
                expected,
                actual,
            },
            None => Error::corruption(&self.path, found.offset, found.reason.clone()),
        };
        self.damage = Some(WalDamage {
            offset: found.offset,
            reason: found.reason,
            kind,
        });
        match (self.mode, kind) {
            (RecoveryMode::AbsoluteConsistency, _)
            | (RecoveryMode::TolerateCorruptedTail, DamageKind::Corruption) => Some(Err(error)),
            _ => None,
        }
    }

    /// Whether a valid fragment starts at any byte from `offset` to the end of
    /// its block, or at the start of any later block.
    fn valid_fragment_from(&self, offset: u64) -> Result<bool> {
        let first_block = offset / BLOCK_SIZE as u64;
        let block_count = self.len.div_ceil(BLOCK_SIZE as u64);
        for index in first_block..block_count {
            let block = self.read_block(index)?;
            let block_start = index * BLOCK_SIZE as u64;
            let from = if index == first_block {
                // Fragments start after the header; `offset` is in this block.
                (offset.max(FILE_HEADER_SIZE as u64) - block_start) as usize
            } else {
                0
            };
            let last_candidate = if index == first_block {
                block.len()
            } else {
                from + 1
            };
            for at in from..last_candidate.min(block.len()) {
                if is_valid_fragment(&block[at..]) {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    fn read_block(&self, index: u64) -> Result<Vec<u8>> {
        let start = index * BLOCK_SIZE as u64;
        let end = start.saturating_add(BLOCK_SIZE as u64).min(self.len);
        let mut block = vec![0; end.saturating_sub(start) as usize];
        self.file.read_exact_at(start, &mut block)?;
        Ok(block)
    }

    /// Reads the next record, or the damage that ends the log.
    fn read_record(&mut self) -> std::result::Result<Option<WalRecord>, Stop> {
        let mut record_start: Option<u64> = None;
        self.scratch.clear();
        loop {
            let pos = self.pos;
            let start = record_start.unwrap_or(pos);
            if pos >= self.len {
                return match record_start {
                    None => Ok(None),
                    Some(_) => Err(Stop::Damage(
                        Found::new(pos, "file ends inside a record"),
                        start,
                    )),
                };
            }
            let index = pos / BLOCK_SIZE as u64;
            if self.block_index != Some(index) {
                self.block = self.read_block(index).map_err(Stop::Io)?;
                self.block_index = Some(index);
            }
            let off = (pos - index * BLOCK_SIZE as u64) as usize;
            let room = BLOCK_SIZE - off;
            let here = &self.block[off..];
            if room < MIN_FRAGMENT_SIZE {
                let trailer = &here[..here.len().min(room)];
                if trailer.iter().any(|&b| b != 0) {
                    return Err(Stop::Damage(
                        Found::new(pos, "non-zero bytes in a block trailer"),
                        start,
                    ));
                }
                if trailer.len() < room {
                    return Err(Stop::Damage(
                        Found::new(pos, "file ends inside a block trailer"),
                        start,
                    ));
                }
                self.pos += room as u64;
                continue;
            }
            if here.len() < FRAGMENT_HEADER_SIZE {
                return Err(Stop::Damage(
                    Found::new(pos, "file ends inside a fragment header"),
                    start,
                ));
            }
            let stored = u32::from_le_bytes([here[0], here[1], here[2], here[3]]);
            let length = usize::from(u16::from_le_bytes([
                here[FRAGMENT_LENGTH_OFFSET],
                here[FRAGMENT_LENGTH_OFFSET + 1],
            ]));
            let kind = here[FRAGMENT_TYPE_OFFSET];
            if here[..FRAGMENT_HEADER_SIZE].iter().all(|&b| b == 0) {
                return Err(Stop::Damage(
                    Found::new(pos, "zero-filled fragment header"),
                    start,
                ));
            }
            if !(TYPE_FULL..=TYPE_LAST).contains(&kind) {
                let reason = format!("unknown fragment type {kind}");
                return Err(Stop::Damage(Found::new(pos, reason), start));
            }
            if length == 0 {
                return Err(Stop::Damage(Found::new(pos, "empty fragment"), start));
            }
            let Some(end) = FRAGMENT_HEADER_SIZE
                .checked_add(length)
                .filter(|&e| e <= room)
            else {
                let reason = format!("fragment length {length} overflows its block");
                return Err(Stop::Damage(Found::new(pos, reason), start));
            };
            if end > here.len() {
                let reason = format!("file ends inside a fragment of {length} bytes");
                return Err(Stop::Damage(Found::new(pos, reason), start));
            }
            let data = &here[FRAGMENT_HEADER_SIZE..end];
            let actual = fragment_crc(kind, data);
            if actual != stored {
                let mut found = Found::new(
                    pos,
                    format!("checksum mismatch: stored {stored:#010x}, computed {actual:#010x}"),
                );
                found.checksum = Some((stored, actual));
                return Err(Stop::Damage(found, start));
            }
            let in_record = record_start.is_some();
            match (kind, in_record) {
                (TYPE_FULL | TYPE_FIRST, true) => {
                    let reason = "a new record starts inside an unfinished one";
                    return Err(Stop::Damage(Found::new(pos, reason), start));
                }
                (TYPE_MIDDLE | TYPE_LAST, false) => {
                    let reason = "a continuation fragment without a first fragment";
                    return Err(Stop::Damage(Found::new(pos, reason), start));
                }
                _ => {}
            }
            self.pos += end as u64;
            let decoded = match kind {
                TYPE_FULL => WriteBatch::decode(data),
                TYPE_FIRST | TYPE_MIDDLE => {
                    record_start = Some(start);
                    self.scratch.extend_from_slice(data);
                    continue;
                }
                _ => {
                    self.scratch.extend_from_slice(data);
                    WriteBatch::decode(&self.scratch)
                }
            };
            return match decoded {
                Ok((timestamp, batch)) => Ok(Some(WalRecord {
                    offset: start,
                    timestamp,
                    batch,
                })),
                Err(e) => {
                    let mut found = Found::new(start, format!("invalid batch in record: {e}"));
                    found.certain = true;
                    Err(Stop::Damage(found, start))
                }
            };
        }
    }
}

impl Iterator for WALReader {
    type Item = Result<WalRecord>;

    fn next(&mut self) -> Option<Result<WalRecord>> {
        if self.done {
            return None;
        }
        match self.read_record() {
            Ok(Some(record)) => Some(Ok(record)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(Stop::Damage(found, start)) => self.on_damage(found, start),
            Err(Stop::Io(e)) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
