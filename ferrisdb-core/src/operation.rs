//! What an entry does to its key.

use std::fmt;

use crate::coding::DecodeError;

/// Whether an entry stores a value or deletes the key.
///
/// The discriminants are written to disk by the write-ahead log and the
/// SSTables. On-disk: never renumber them, and never reuse a retired number.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// The entry stores a value for its key.
    Put = 1,
    /// The entry is a tombstone: the key has no value at this timestamp, and
    /// older versions of it are hidden.
    Delete = 2,
}

impl Operation {
    /// The byte that represents this operation on disk.
    pub const fn as_byte(self) -> u8 {
        self as u8
    }
}

impl TryFrom<u8> for Operation {
    type Error = DecodeError;

    /// Reads an operation byte; any byte other than 1 or 2 is an error.
    fn try_from(byte: u8) -> std::result::Result<Self, DecodeError> {
        match byte {
            1 => Ok(Operation::Put),
            2 => Ok(Operation::Delete),
            other => Err(DecodeError::new(
                0,
                format!("unknown operation byte 0x{other:02x} (expected 0x01 Put or 0x02 Delete)"),
            )),
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Put => "PUT",
            Operation::Delete => "DELETE",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Operation;

    #[test]
    fn on_disk_bytes_are_stable() {
        assert_eq!(Operation::Put.as_byte(), 1);
        assert_eq!(Operation::Delete.as_byte(), 2);
    }

    #[test]
    fn every_byte_round_trips_or_is_rejected() {
        for byte in 0..=u8::MAX {
            match Operation::try_from(byte) {
                Ok(op) => assert_eq!(op.as_byte(), byte),
                Err(e) => {
                    assert!(byte != 1 && byte != 2, "byte {byte} wrongly rejected");
                    assert!(e.reason().contains("unknown operation byte"), "{e}");
                }
            }
        }
    }
}
