//! Records: the assembled payloads with their prefixes decoded, and the
//! [`WalRecord`]s a [`WalReader`] yields, its iteration.

use ferrisdb_core::Result;

use super::assembler::{next_record, Stop};
use super::fragments::Found;
use super::WalReader;
use crate::wal::payload::{self, Payload, PayloadKind};

/// One record read back from the log: the bytes given to the writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalRecord {
    /// Byte offset of the record's first fragment in its file.
    pub offset: u64,
    /// What the payload holds: the bytes given to the writer, or, in an
    /// older log, a write batch in its first encoding.
    pub kind: PayloadKind,
    /// The payload, exactly as appended.
    pub payload: Vec<u8>,
}

impl WalReader {
    /// Reads the record at the fragment reader's position and decodes its
    /// prefix; its payload is left in `self.scratch`. Returns its start, or
    /// the damage that ends the log. A record whose fragments all check out
    /// but whose prefix is invalid is corruption, whatever follows it,
    /// unless it names another log: that is a stale page of a deleted log,
    /// damage like any garbage (a torn tail past every durable length).
    pub(super) fn read_record(&mut self) -> std::result::Result<Option<(u64, Payload)>, Stop> {
        let Some(start) = next_record(&mut self.fragments, &mut self.scratch)? else {
            return Ok(None);
        };
        match payload::decode(&self.scratch, self.version(), self.log_number, start) {
            Ok(decoded) => Ok(Some((start, decoded))),
            Err(e) => {
                let mut found = Found::new(start, format!("invalid record payload: {e}"));
                found.certain =
                    !payload::names_another_log(&self.scratch, self.version(), self.log_number);
                Err(Stop::Damage(found, start))
            }
        }
    }
}

impl WalReader {
    /// Ends the iteration at the end of the log: the end of the file, or
    /// the start of the zeros that end it.
    fn end(&mut self, zero_tail: Option<u64>) {
        self.done = true;
        self.zero_tail = zero_tail;
        self.data_len = zero_tail.unwrap_or(self.fragments.len());
    }
}

impl Iterator for WalReader {
    type Item = Result<WalRecord>;

    fn next(&mut self) -> Option<Result<WalRecord>> {
        while !self.done {
            match self.read_record() {
                Ok(Some((
                    offset,
                    Payload::Data {
                        kind,
                        durable,
                        body,
                    },
                ))) => {
                    self.durable = self.durable.max(durable.unwrap_or(0));
                    return Some(Ok(WalRecord {
                        offset,
                        kind,
                        payload: self.scratch[body..].to_vec(),
                    }));
                }
                Ok(Some((_, Payload::Seal { durable }))) => {
                    self.durable = self.durable.max(durable);
                    self.sealed = true;
                    let (pos, len) = (self.fragments.position(), self.fragments.len());
                    let zeros = match self.fragments.zeros_to_end(pos) {
                        Ok(zeros) => zeros,
                        Err(e) => {
                            self.done = true;
                            return Some(Err(e));
                        }
                    };
                    if zeros && pos < len {
                        // The room preallocated past the seal, which the
                        // seal's own sync was to cut off: a crash came first.
                        self.end(Some(pos));
                    } else if pos < len {
                        // The writer appends nothing after a seal. A crash
                        // before the seal's own sync completed may still
                        // leave garbage past it, which the rules for damage
                        // tell from corruption; the engine, which knows from
                        // the manifest whether a close finished, refuses it
                        // then.
                        let found = Found::new(
                            pos,
                            format!("{} bytes after the seal that finished this log", len - pos),
                        );
                        return self.on_damage(found, pos);
                    }
                }
                Ok(None) => self.end(self.fragments.zero_tail()),
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
