//! Recovery modes and damage: what a [`WALReader`] does when it finds damage,
//! and how it tells a torn tail (the remains of an interrupted write) from
//! corruption.

use std::fmt;

use ferrisdb_core::{Error, Result};

use super::{WALReader, WalRecord};
use crate::wal::format::{BLOCK_SIZE, FILE_HEADER_SIZE};
use crate::wal::fragment::is_valid_fragment;

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

/// The details of damage, before the mode decides what to do with it.
pub(super) struct Found {
    pub(super) offset: u64,
    pub(super) reason: String,
    /// `(stored, computed)` for a checksum mismatch.
    pub(super) checksum: Option<(u32, u32)>,
    /// Corruption whatever follows (a checksummed record that does not decode).
    pub(super) certain: bool,
}

impl Found {
    pub(super) fn new(offset: u64, reason: impl Into<String>) -> Self {
        Found {
            offset,
            reason: reason.into(),
            checksum: None,
            certain: false,
        }
    }
}

impl WALReader {
    /// Decides what damage means under the reader's mode; ends the iteration.
    pub(super) fn on_damage(
        &mut self,
        found: Found,
        record_start: u64,
    ) -> Option<Result<WalRecord>> {
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
}
