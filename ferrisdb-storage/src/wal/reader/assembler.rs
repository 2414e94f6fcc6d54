//! The record assembler: joins the fragments the fragment reader yields into
//! records, a FULL fragment alone or FIRST, MIDDLE... and LAST, and holds
//! them to that sequence. What the joined payload means is `records.rs`'s.

use ferrisdb_core::Error;

use super::fragments::{Broken, Found, Fragments};
use crate::wal::format::{TYPE_FIRST, TYPE_FULL, TYPE_LAST, TYPE_MIDDLE};

/// Why the assembler stopped: damage (and the start of the record it hit,
/// from which the rest of the file is dropped), or a failed read.
#[derive(Debug)]
pub(super) enum Stop {
    Damage(Found, u64),
    Io(Error),
}

/// Reads the record at the fragment reader's position: its payload replaces
/// the contents of `out`, and its start (the offset of its first fragment)
/// is returned; `None` at the end of the log: the end of the file, or zeros
/// from there to it.
///
/// A record is returned only once every fragment of it checked out, so no
/// caller ever sees altered bytes. A file that ends inside a record, a FULL
/// or FIRST fragment inside an unfinished record and a MIDDLE or LAST one
/// outside a record are damage.
pub(super) fn next_record(
    fragments: &mut Fragments,
    out: &mut Vec<u8>,
) -> Result<Option<u64>, Stop> {
    out.clear();
    let mut record_start: Option<u64> = None;
    loop {
        let fragment = match fragments.next(record_start.is_none()) {
            Ok(Some(fragment)) => fragment,
            Ok(None) => {
                return match record_start {
                    None => Ok(None),
                    Some(start) => {
                        let found = Found::new(fragments.position(), "file ends inside a record");
                        Err(Stop::Damage(found, start))
                    }
                };
            }
            Err(Broken::Damage(found)) => {
                let start = record_start.unwrap_or(found.offset);
                return Err(Stop::Damage(found, start));
            }
            Err(Broken::Io(e)) => return Err(Stop::Io(e)),
        };
        let at = fragment.offset;
        match (fragment.kind, record_start) {
            (TYPE_FULL | TYPE_FIRST, Some(start)) => {
                let reason = "a new record starts inside an unfinished one";
                return Err(Stop::Damage(Found::new(at, reason), start));
            }
            (TYPE_MIDDLE | TYPE_LAST, None) => {
                let reason = "a continuation fragment without a first fragment";
                return Err(Stop::Damage(Found::new(at, reason), at));
            }
            _ => {}
        }
        out.extend_from_slice(fragment.data);
        let start = *record_start.get_or_insert(at);
        if matches!(fragment.kind, TYPE_FULL | TYPE_LAST) {
            return Ok(Some(start));
        }
    }
}
