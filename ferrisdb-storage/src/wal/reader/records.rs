//! Reading records: walking the fragments of each block, checking each
//! one's CRC, and joining them into the batches a [`WalReader`] yields.

use ferrisdb_core::{Error, Result, Timestamp};

use super::{Found, WalReader};
use crate::wal::format::{
    BLOCK_SIZE, FRAGMENT_HEADER_SIZE, MIN_FRAGMENT_SIZE, TYPE_FIRST, TYPE_FULL, TYPE_LAST,
    TYPE_MIDDLE,
};
use crate::wal::fragment::{check_header, fragment_crc};
use crate::wal::payload::{self, Payload};
use crate::WriteBatch;

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

/// Why [`WalReader::read_record`] stopped: damage (and the start of the
/// record it hit), or a failed read.
pub(super) enum Stop {
    Damage(Found, u64),
    Io(Error),
}

impl WalReader {
    /// Reads the record at `self.pos` and its start, or the damage that ends
    /// the log.
    pub(super) fn read_record(&mut self) -> std::result::Result<Option<(u64, Payload)>, Stop> {
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
            let header = match check_header(here, off) {
                Ok(header) => header,
                Err(problem) => {
                    return Err(Stop::Damage(Found::new(pos, problem.to_string()), start))
                }
            };
            let (kind, end) = (header.kind, header.end);
            let data = header.data(here);
            let actual = fragment_crc(self.version(), pos, kind, data);
            if actual != header.crc {
                let stored = header.crc;
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
            let payload = match kind {
                TYPE_FULL => data,
                TYPE_FIRST | TYPE_MIDDLE => {
                    record_start = Some(start);
                    self.scratch.extend_from_slice(data);
                    continue;
                }
                _ => {
                    self.scratch.extend_from_slice(data);
                    &self.scratch[..]
                }
            };
            return match payload::decode(payload, self.version(), self.log_number, start) {
                Ok(decoded) => Ok(Some((start, decoded))),
                Err(e) => {
                    let mut found = Found::new(start, format!("invalid record payload: {e}"));
                    found.certain = true;
                    Err(Stop::Damage(found, start))
                }
            };
        }
    }
}

impl Iterator for WalReader {
    type Item = Result<WalRecord>;

    fn next(&mut self) -> Option<Result<WalRecord>> {
        while !self.done {
            match self.read_record() {
                Ok(Some((
                    offset,
                    Payload::Batch {
                        timestamp,
                        batch,
                        durable,
                    },
                ))) => {
                    self.durable = self.durable.max(durable.unwrap_or(0));
                    return Some(Ok(WalRecord {
                        offset,
                        timestamp,
                        batch,
                    }));
                }
                Ok(Some((_, Payload::Seal { durable }))) => {
                    self.durable = self.durable.max(durable);
                    self.sealed = true;
                    if self.pos < self.len {
                        // The writer appends nothing after a seal. A crash
                        // before the seal's own sync completed may still
                        // leave garbage past it, which the rules for damage
                        // tell from corruption; the engine, which knows from
                        // the manifest whether a close finished, refuses it
                        // then.
                        let found = Found::new(
                            self.pos,
                            format!(
                                "{} bytes after the seal that finished this log",
                                self.len - self.pos
                            ),
                        );
                        return self.on_damage(found, self.pos);
                    }
                }
                Ok(None) => self.done = true,
                Err(Stop::Damage(found, start)) => return self.on_damage(found, start),
                Err(Stop::Io(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}
