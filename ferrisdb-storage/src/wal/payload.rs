//! A record's payload: what the fragments of one record carry once joined.
//!
//! In format version 2 every payload starts with a kind byte and the log's
//! *durable length*: how many bytes of this file were known to be on stable
//! storage when the record was framed. A batch record continues with the
//! encoded [`WriteBatch`]; the seal, the last record of a finished log, holds
//! nothing more. Recovery uses the durable lengths to tell damage a crash can
//! leave (beyond every durable length found) from damage it cannot (inside
//! one). Version 1 payloads are a bare batch. The layout is in
//! `docs/format/wal.md`; the constants in [`format`](super::format).

use ferrisdb_core::coding::{DecodeError, Decoder};
use ferrisdb_core::Timestamp;

use super::format::{
    FILE_HEADER_SIZE, FORMAT_VERSION_1, MAX_RECORD_PREFIX_LEN, RECORD_KIND_BATCH, RECORD_KIND_SEAL,
};
use crate::WriteBatch;

/// A decoded payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Payload {
    /// A write batch, with the durable length it claims (`None` in version 1).
    Batch {
        timestamp: Timestamp,
        batch: WriteBatch,
        durable: Option<u64>,
    },
    /// The seal of a finished log, claiming every byte before it is durable.
    Seal { durable: u64 },
}

/// A batch encoded after room for the longest prefix, so the prefix can be
/// filled in later, under the writer's lock, when the durable length is
/// known, without copying the batch.
pub(crate) fn reserve_batch(batch: &WriteBatch, timestamp: Timestamp) -> Vec<u8> {
    let mut buf = Vec::with_capacity(MAX_RECORD_PREFIX_LEN + batch.approximate_size() + 16);
    buf.resize(MAX_RECORD_PREFIX_LEN, 0);
    batch.encode_into(timestamp, &mut buf);
    buf
}

/// Writes the prefix (`kind`, `durable`) into the reserved room at the front
/// of `buf`, right-aligned against the body, and returns where the payload
/// starts.
pub(crate) fn fill_prefix(buf: &mut [u8], kind: u8, durable: u64) -> usize {
    // The varint is encoded by hand into a stack array: this runs under the
    // writer's lock for every record, where an allocation would be waste.
    let mut prefix = [0u8; MAX_RECORD_PREFIX_LEN];
    prefix[0] = kind;
    let mut len = 1;
    let mut value = durable;
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            prefix[len] = byte;
            len += 1;
            break;
        }
        prefix[len] = byte | 0x80;
        len += 1;
    }
    let start = MAX_RECORD_PREFIX_LEN - len;
    buf[start..MAX_RECORD_PREFIX_LEN].copy_from_slice(&prefix[..len]);
    start
}

/// The payload of a seal claiming `durable` bytes.
pub(crate) fn seal(durable: u64) -> Vec<u8> {
    let mut buf = vec![0; MAX_RECORD_PREFIX_LEN];
    let start = fill_prefix(&mut buf, RECORD_KIND_SEAL, durable);
    buf.split_off(start)
}

/// Decodes the payload of a record that starts at `record_start` in a file
/// of format `version`.
///
/// A durable length below the file header (which is synced before any record
/// is written) or beyond the record's own start (bytes not yet written cannot
/// have been synced) is damage, as is an unknown kind or bytes after a seal.
pub(crate) fn decode(data: &[u8], version: u32, record_start: u64) -> Result<Payload, DecodeError> {
    if version == FORMAT_VERSION_1 {
        let (timestamp, batch) = WriteBatch::decode(data)?;
        return Ok(Payload::Batch {
            timestamp,
            batch,
            durable: None,
        });
    }
    let mut dec = Decoder::new(data);
    let kind = dec.u8("record kind")?;
    let durable_at = dec.position();
    let durable = dec.varint64("durable length")?;
    if !(FILE_HEADER_SIZE as u64..=record_start).contains(&durable) {
        return Err(DecodeError::new(
            durable_at,
            format!(
                "durable length {durable} is outside {FILE_HEADER_SIZE} ..= {record_start}, \
                 the record's own offset"
            ),
        ));
    }
    match kind {
        RECORD_KIND_BATCH => {
            let body = &data[dec.position()..];
            let (timestamp, batch) = WriteBatch::decode(body)
                .map_err(|e| DecodeError::new(e.offset() + dec.position(), e.reason()))?;
            Ok(Payload::Batch {
                timestamp,
                batch,
                durable: Some(durable),
            })
        }
        RECORD_KIND_SEAL if dec.is_empty() => Ok(Payload::Seal { durable }),
        RECORD_KIND_SEAL => {
            Err(dec.error(format!("{} unexpected bytes after a seal", dec.remaining())))
        }
        other => Err(DecodeError::new(0, format!("unknown record kind {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wal::format::FORMAT_VERSION;

    #[test]
    fn batches_and_seals_round_trip_with_their_durable_length() {
        let batch = WriteBatch::new().put("k", "v").delete("d");
        for durable in [24, 127, 128, 1 << 20, u64::MAX >> 1] {
            let mut buf = reserve_batch(&batch, 9);
            let start = fill_prefix(&mut buf, RECORD_KIND_BATCH, durable);
            let decoded = decode(&buf[start..], FORMAT_VERSION, u64::MAX).unwrap();
            assert_eq!(
                decoded,
                Payload::Batch {
                    timestamp: 9,
                    batch: batch.clone(),
                    durable: Some(durable)
                }
            );
            let seal = seal(durable);
            assert_eq!(
                decode(&seal, FORMAT_VERSION, u64::MAX).unwrap(),
                Payload::Seal { durable }
            );
        }
    }

    #[test]
    fn impossible_durable_lengths_and_kinds_are_damage() {
        let batch = WriteBatch::new().put("k", "v");
        for (durable, start) in [(10, 100), (101, 100)] {
            let mut buf = reserve_batch(&batch, 1);
            let at = fill_prefix(&mut buf, RECORD_KIND_BATCH, durable);
            let err = decode(&buf[at..], FORMAT_VERSION, start).unwrap_err();
            assert!(err.reason().contains("durable length"), "{err}");
        }
        let mut buf = reserve_batch(&batch, 1);
        let at = fill_prefix(&mut buf, 7, 24);
        assert!(decode(&buf[at..], FORMAT_VERSION, 100).is_err());
        let mut sealed = seal(24);
        sealed.push(0);
        assert!(decode(&sealed, FORMAT_VERSION, 100).is_err());
    }

    #[test]
    fn version_1_payloads_are_bare_batches() {
        let batch = WriteBatch::new().put("k", "v");
        let decoded = decode(&batch.encode(3), FORMAT_VERSION_1, 24).unwrap();
        assert_eq!(
            decoded,
            Payload::Batch {
                timestamp: 3,
                batch,
                durable: None
            }
        );
    }
}
