//! A record's payload: what the fragments of one record carry once joined.
//!
//! In format version 2 every payload starts with a kind byte, the number of
//! the log it belongs to, and the log's *durable length*: how many bytes of
//! this file were known to be on stable storage when the record was framed. A batch record continues with the
//! encoded [`WriteBatch`]; the seal, the last record of a finished log, holds
//! nothing more. Recovery uses the durable lengths to tell damage a crash can
//! leave (beyond every durable length found) from damage it cannot (inside
//! one). Version 1 payloads are a bare batch. The layout is in
//! `docs/format/wal.md`; the constants in [`format`](super::format).

use ferrisdb_core::coding::{DecodeError, Decoder};
use ferrisdb_core::Timestamp;

use super::format::{
    FILE_HEADER_SIZE, FORMAT_VERSION_1, MAX_RECORD_PREFIX_LEN, MAX_VARINT64_LEN, RECORD_KIND_BATCH,
    RECORD_KIND_SEAL,
};
use super::fragment::frame_record;
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

/// Writes the prefix (`kind`, `log_number`, `durable`) into the reserved
/// room at the front of `buf`, right-aligned against the body, and returns
/// where the payload starts.
pub(crate) fn fill_prefix(buf: &mut [u8], kind: u8, log_number: u64, durable: u64) -> usize {
    // Encoded by hand into a stack array: this runs under the writer's lock
    // for every record, where an allocation would be waste.
    let mut prefix = [0u8; MAX_RECORD_PREFIX_LEN];
    prefix[0] = kind;
    let mut len = 1;
    for mut value in [log_number, durable] {
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
    }
    let start = MAX_RECORD_PREFIX_LEN - len;
    buf[start..MAX_RECORD_PREFIX_LEN].copy_from_slice(&prefix[..len]);
    start
}

/// The framed seal of log `log_number` whose records end at `len` bytes: the
/// bytes to append to finish it. Its durable length is `len`, its own
/// offset, so append it only once those bytes are synced.
pub(crate) fn framed_seal(log_number: u64, len: u64) -> Vec<u8> {
    let mut buf = vec![0; MAX_RECORD_PREFIX_LEN];
    let start = fill_prefix(&mut buf, RECORD_KIND_SEAL, log_number, len);
    let mut framed = Vec::new();
    frame_record(&buf[start..], len, &mut framed);
    framed
}

/// Whether `data`, the data of a fragment that starts a record at
/// `record_start` in log `log_number` of format `version`, can begin a
/// payload: for version 2 a known kind, this log's number and a durable
/// length in range; for version 1 a batch of at least one entry whose first
/// operation is known. A cheap test before the fragment's checksum, for the
/// scan after damage; a fragment too short to tell passes.
pub(crate) fn plausible_start(
    data: &[u8],
    version: u32,
    log_number: u64,
    record_start: u64,
) -> bool {
    let mut dec = Decoder::new(data);
    if version == FORMAT_VERSION_1 {
        if dec.fixed64("batch timestamp").is_err() {
            return true;
        }
        return match dec.varint32("batch entry count") {
            Ok(0) => false,
            Ok(_) => dec.u8("operation").map_or(true, |op| op == 1 || op == 2),
            Err(_) => dec.remaining() < MAX_VARINT64_LEN,
        };
    }
    let Ok(kind) = dec.u8("record kind") else {
        return true;
    };
    if kind != RECORD_KIND_BATCH && kind != RECORD_KIND_SEAL {
        return false;
    }
    match dec.varint64("log number") {
        Ok(number) if number != log_number => return false,
        Ok(_) => {}
        Err(_) => return dec.remaining() < MAX_VARINT64_LEN,
    }
    match dec.varint64("durable length") {
        Ok(durable) => (FILE_HEADER_SIZE as u64..=record_start).contains(&durable),
        Err(_) => dec.remaining() < MAX_VARINT64_LEN,
    }
}

/// Decodes the payload of a record that starts at `record_start` in log
/// `log_number`, a file of format `version`.
///
/// Another log's number (a stale page a crash left in this file), a durable
/// length below the file header (which is synced before any record is
/// written) or beyond the record's own start (bytes not yet written cannot
/// have been synced), an unknown kind and bytes after a seal are damage.
pub(crate) fn decode(
    data: &[u8],
    version: u32,
    log_number: u64,
    record_start: u64,
) -> Result<Payload, DecodeError> {
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
    let number_at = dec.position();
    let number = dec.varint64("log number")?;
    if number != log_number {
        return Err(DecodeError::new(
            number_at,
            format!("a record of log {number} in log {log_number}"),
        ));
    }
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
        let batch = WriteBatch::new().put("k", "v").delete("d").clone();
        for durable in [24, 127, 128, 1 << 20, u64::MAX >> 1] {
            let mut buf = reserve_batch(&batch, 9);
            let start = fill_prefix(&mut buf, RECORD_KIND_BATCH, 7, durable);
            assert!(plausible_start(&buf[start..], FORMAT_VERSION, 7, u64::MAX));
            let decoded = decode(&buf[start..], FORMAT_VERSION, 7, u64::MAX).unwrap();
            assert_eq!(
                decoded,
                Payload::Batch {
                    timestamp: 9,
                    batch: batch.clone(),
                    durable: Some(durable)
                }
            );
            let mut seal = vec![0; MAX_RECORD_PREFIX_LEN];
            let at = fill_prefix(&mut seal, RECORD_KIND_SEAL, 7, durable);
            assert_eq!(
                decode(&seal[at..], FORMAT_VERSION, 7, u64::MAX).unwrap(),
                Payload::Seal { durable }
            );
        }
    }

    #[test]
    fn impossible_durable_lengths_kinds_and_log_numbers_are_damage() {
        let batch = WriteBatch::new().put("k", "v").clone();
        for (durable, start) in [(10, 100), (101, 100)] {
            let mut buf = reserve_batch(&batch, 1);
            let at = fill_prefix(&mut buf, RECORD_KIND_BATCH, 3, durable);
            assert!(!plausible_start(&buf[at..], FORMAT_VERSION, 3, start));
            let err = decode(&buf[at..], FORMAT_VERSION, 3, start).unwrap_err();
            assert!(err.reason().contains("durable length"), "{err}");
        }
        let mut buf = reserve_batch(&batch, 1);
        let at = fill_prefix(&mut buf, RECORD_KIND_BATCH, 3, 24);
        assert!(!plausible_start(&buf[at..], FORMAT_VERSION, 4, 100));
        let err = decode(&buf[at..], FORMAT_VERSION, 4, 100).unwrap_err();
        assert!(err.reason().contains("a record of log 3 in log 4"), "{err}");
        let mut buf = reserve_batch(&batch, 1);
        let at = fill_prefix(&mut buf, 7, 3, 24);
        assert!(!plausible_start(&buf[at..], FORMAT_VERSION, 3, 100));
        assert!(decode(&buf[at..], FORMAT_VERSION, 3, 100).is_err());
        let mut sealed = vec![0; MAX_RECORD_PREFIX_LEN];
        let at = fill_prefix(&mut sealed, RECORD_KIND_SEAL, 3, 24);
        sealed.push(0);
        assert!(decode(&sealed[at..], FORMAT_VERSION, 3, 100).is_err());
    }

    #[test]
    fn version_1_payloads_are_bare_batches() {
        let batch = WriteBatch::new().put("k", "v").clone();
        assert!(plausible_start(&batch.encode(3), FORMAT_VERSION_1, 1, 24));
        assert!(!plausible_start(
            &WriteBatch::new().encode(3),
            FORMAT_VERSION_1,
            1,
            24
        ));
        let decoded = decode(&batch.encode(3), FORMAT_VERSION_1, 1, 24).unwrap();
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
