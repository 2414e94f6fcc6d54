//! Recovery modes and damage: what a [`WalReader`] does when it finds damage,
//! and how it tells a torn tail (what a crash leaves) from corruption, by the
//! durable lengths the log's records claim.

use std::fmt;

use ferrisdb_core::{Error, Result};

use super::assembler::Stop;
use super::fragments::{first_nonzero, Found};
use super::{WalReader, WalRecord};
use crate::wal::format::{
    BLOCK_SIZE, FILE_HEADER_SIZE, FORMAT_VERSION, FORMAT_VERSION_1, FORMAT_VERSION_2,
    FRAGMENT_HEADER_SIZE, MIN_FRAGMENT_SIZE, TYPE_FIRST, TYPE_FULL,
};
use crate::wal::fragment::{check_header, FragmentHeader};
use crate::wal::payload::{self, Payload};

/// What a [`WalReader`] (and recovery, through
/// [`StorageConfig::wal_recovery_mode`](crate::StorageConfig::wal_recovery_mode))
/// does when it finds damage in a log. Named after RocksDB's WAL recovery
/// modes.
///
/// Damage at offset `D` is a **torn tail**, what a crash leaves, when it lies
/// beyond the log's *durable length*: no valid record anywhere in the file
/// (after the damage included) claims that the bytes at `D` had been synced.
/// A crash loses only unsynced bytes, in any order (file systems do not keep
/// unsynced pages in order), so valid records may follow a torn tail.
/// Damage inside a durable length is **corruption**: bytes that were on
/// stable storage changed. A finished log (rotated or closed) ends with a
/// seal claiming all of it, so any damage in it is corruption. A record
/// whose fragments all check out but whose payload is invalid is always
/// corruption. (Version-1 logs carry no durable lengths: there, damage is
/// corruption when any valid fragment follows it.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RecoveryMode {
    /// The default. A torn tail ends the log at the first damage, dropping
    /// whatever follows, with a warning, counted in
    /// [`WalReader::dropped_bytes`] and [`WalReader::dropped_records`];
    /// corruption is an error. What a crash can leave is repaired, anything
    /// else is reported.
    #[default]
    TolerateCorruptedTail,
    /// Any damage, a torn tail included, is an error.
    AbsoluteConsistency,
    /// Stops quietly at the first damage of any kind and returns the records
    /// before it: the log as it was at some point in time. What it dropped is
    /// reported exactly: the damage, the bytes from the damaged record on,
    /// and the valid records found after it.
    PointInTimeRecovery,
}

/// Whether damage looks like the remains of an interrupted write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DamageKind {
    /// The damage lies beyond the log's durable length: what a crash leaves.
    TornTail,
    /// The damage lies inside the durable length, or a checksummed record is
    /// invalid: stored bytes changed.
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

/// What a scan of the bytes after damage found.
#[derive(Debug, Default)]
struct After {
    /// A fragment that checks out starts somewhere after the damage.
    valid_fragment: bool,
    /// Valid data records found.
    records: u64,
    /// The largest durable length those records (and seals) claim.
    durable: u64,
    /// The scan stopped at its work limit before the end of the file.
    gave_up_at: Option<u64>,
}

/// The scan after damage reads and checksums at most this many times the
/// file's length (plus [`SCAN_SLACK`]). What a crash or a failing disk
/// leaves costs a small fraction of it: garbage rarely passes the cheap tests
/// before a checksum, and each valid record is read once. Only a file
/// crafted to nest fragments in one another gets there.
const SCAN_WORK_PER_BYTE: u64 = 4;
/// Work the scan may always do, however short the file.
const SCAN_SLACK: u64 = 1 << 20;

impl WalReader {
    /// Decides what damage means under the reader's mode; ends the iteration.
    pub(super) fn on_damage(
        &mut self,
        found: Found,
        record_start: u64,
    ) -> Option<Result<WalRecord>> {
        self.done = true;
        let after = match self.scan_after(found.offset) {
            Ok(after) => after,
            Err(e) => return Some(Err(e)),
        };
        self.durable = self.durable.max(after.durable);
        let claimed = after.durable > found.offset;
        let corrupt = found.certain
            || after.gave_up_at.is_some()
            || match self.header {
                Some(header) if header.version >= FORMAT_VERSION_2 => claimed,
                // A version-1 log claims nothing, and a damaged header (synced
                // before any record is written) cannot say which version
                // follows: valid data after the damage proves it corruption.
                _ => after.valid_fragment,
            };
        self.data_len = match self.fragments.end_of_data(record_start) {
            Ok(end) => end,
            Err(e) => return Some(Err(e)),
        };
        self.dropped_bytes = self.data_len.saturating_sub(record_start);
        self.dropped_records = after.records;
        let kind = if corrupt {
            DamageKind::Corruption
        } else {
            DamageKind::TornTail
        };
        let mut reason = found.reason;
        if claimed {
            reason.push_str(&format!(
                " (a later record shows the first {} bytes of this log were synced)",
                after.durable
            ));
        }
        if let Some(at) = after.gave_up_at {
            reason.push_str(&format!(
                " (so much of the log after it looks valid that the scan for records stopped \
                 at byte {at}: it cannot tell a torn tail from corruption)"
            ));
        }
        let error = match found.checksum {
            Some((expected, actual)) => Error::ChecksumMismatch {
                file: self.path.clone(),
                offset: found.offset,
                expected,
                actual,
            },
            None => Error::corruption(&self.path, found.offset, reason.clone()),
        };
        self.damage = Some(WalDamage {
            offset: found.offset,
            reason,
            kind,
        });
        match (self.mode, kind) {
            (RecoveryMode::AbsoluteConsistency, _)
            | (RecoveryMode::TolerateCorruptedTail, DamageKind::Corruption) => Some(Err(error)),
            _ => None,
        }
    }

    /// Scans every byte from `offset` to the end of the file for fragments
    /// that check out, and reads each record that starts at one (resuming
    /// after it), so damage anywhere (a zeroed range across a block boundary
    /// included) cannot hide a valid record behind it. Only fragments that
    /// follow the framing rules and whose data can begin a payload of this
    /// log have their checksum computed; the work is bounded (see
    /// [`SCAN_WORK_PER_BYTE`]).
    fn scan_after(&mut self, offset: u64) -> Result<After> {
        let mut after = After::default();
        let len = self.fragments.len();
        let budget = len
            .saturating_mul(SCAN_WORK_PER_BYTE)
            .saturating_add(SCAN_SLACK);
        let mut work = 0u64;
        let mut at = offset.max(FILE_HEADER_SIZE as u64);
        while at < len {
            if work > budget {
                after.gave_up_at = Some(at);
                break;
            }
            let (off, read) = self.fragments.load_block(at)?;
            work += read as u64;
            let here = self.fragments.block_from(off);
            if here.len() >= FRAGMENT_HEADER_SIZE
                && first_nonzero(&here[..FRAGMENT_HEADER_SIZE]).is_none()
            {
                // Zeros, as a zero tail is: no fragment starts where its
                // type byte, the seventh, would be zero, so the next one
                // starts at most six bytes before the next byte that is not.
                let next = self.fragments.next_nonzero(at)?;
                at = next
                    .saturating_sub(FRAGMENT_HEADER_SIZE as u64 - 1)
                    .max(at + 1);
                continue;
            }
            let starts_record = match self.candidate(here, off, at) {
                Some(header) => {
                    work += header.end as u64;
                    // A damaged header cannot say which version's CRC the
                    // fragments use: either will do.
                    let checks_out = match self.header {
                        Some(h) => header.checks_out(here, h.version, at),
                        None => [FORMAT_VERSION, FORMAT_VERSION_1]
                            .into_iter()
                            .any(|version| header.checks_out(here, version, at)),
                    };
                    if !checks_out {
                        at += 1;
                        continue;
                    }
                    after.valid_fragment = true;
                    matches!(header.kind, TYPE_FULL | TYPE_FIRST)
                }
                None => false,
            };
            if starts_record {
                self.fragments.seek(at);
                let parsed = self.read_record();
                let pos = self.fragments.position();
                work += pos.saturating_sub(at);
                match parsed {
                    Ok(Some((start, payload))) => {
                        let durable = match payload {
                            Payload::Data {
                                durable,
                                kind,
                                body,
                            } => {
                                after.records += 1;
                                if self.salvage {
                                    self.salvaged.push(WalRecord {
                                        offset: start,
                                        kind,
                                        payload: self.scratch[body..].to_vec(),
                                    });
                                }
                                durable.unwrap_or(0)
                            }
                            Payload::Seal { durable } => durable,
                        };
                        after.durable = after.durable.max(durable);
                        at = pos;
                        continue;
                    }
                    Err(Stop::Io(e)) => return Err(e),
                    Ok(None) | Err(Stop::Damage(..)) => {}
                }
            }
            at += 1;
        }
        Ok(after)
    }

    /// The header of a fragment at `here` (offset `off` in its block, `at` in
    /// the file) worth checksumming in the scan after damage: one that
    /// follows the framing rules, and, if it starts a record, whose data can
    /// begin a payload of this log. Continuation fragments only count where
    /// the log carries no durable lengths (version 1, or a damaged header).
    fn candidate(&self, here: &[u8], off: usize, at: u64) -> Option<FragmentHeader> {
        if BLOCK_SIZE - off < MIN_FRAGMENT_SIZE || here.len() < FRAGMENT_HEADER_SIZE {
            return None;
        }
        let header = check_header(here, off).ok()?;
        let claims = self.header.is_some_and(|h| h.version >= FORMAT_VERSION_2);
        let plausible =
            |version| payload::plausible_start(header.data(here), version, self.log_number, at);
        let keep = match header.kind {
            TYPE_FULL | TYPE_FIRST => match self.header {
                Some(h) => plausible(h.version),
                None => plausible(FORMAT_VERSION) || plausible(FORMAT_VERSION_1),
            },
            _ => !claims,
        };
        keep.then_some(header)
    }
}
