//! A record's payload: what the fragments of one record carry once joined.
//!
//! From format version 2 on every payload starts with a *prefix*: a kind
//! byte, the number of the log it belongs to, and the log's *durable
//! length*, how many bytes of this file were known to be on stable storage
//! when the record was framed. A data record continues with the bytes given
//! to the writer, which the log never looks into; the seal, the last record
//! of a finished log, holds nothing more. Recovery uses the durable lengths
//! to tell damage a crash can leave (beyond every durable length found) from
//! damage it cannot (inside one).
//!
//! Older logs hold write batches in their first encoding: version 2 in
//! records of kind LEGACY_BATCH, version 1 as bare payloads without a
//! prefix. They are handed on as they are, marked
//! [`PayloadKind::LegacyBatch`]. The layout is in `docs/format/wal.md`; the
//! constants in [`format`](super::format).

use ferrisdb_core::coding::{encode_varint64, DecodeError, Decoder};

use super::format::{
    FILE_HEADER_SIZE, FORMAT_VERSION_1, FORMAT_VERSION_2, MAX_RECORD_PREFIX_LEN, MAX_VARINT64_LEN,
    RECORD_KIND_DATA, RECORD_KIND_LEGACY_BATCH, RECORD_KIND_OFFSET, RECORD_KIND_SEAL,
};
use super::fragment::frame_record;

/// What the payload of a [`WalRecord`](super::WalRecord) holds, as its
/// record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadKind {
    /// The bytes given to the writer: every record this version writes.
    Data,
    /// A write batch in its first encoding, from a log of format version 1
    /// or 2, which logged batches themselves (`docs/format/wal.md`, "Older
    /// versions").
    LegacyBatch,
}

/// A decoded record payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Payload {
    /// A record holding bytes for the reader's caller, from offset `body` of
    /// the payload on, with the durable length it claims (`None` in
    /// version 1).
    Data {
        kind: PayloadKind,
        durable: Option<u64>,
        body: usize,
    },
    /// The seal of a finished log, claiming every byte before it is durable.
    Seal { durable: u64 },
}

/// Writes the prefix (`kind`, `log_number`, `durable`) into `out` and
/// returns its length.
pub(crate) fn encode_prefix(
    out: &mut [u8; MAX_RECORD_PREFIX_LEN],
    kind: u8,
    log_number: u64,
    durable: u64,
) -> usize {
    // Into a stack array: this runs under the writer's lock for every
    // record, where an allocation would be waste.
    out[RECORD_KIND_OFFSET] = kind;
    let mut len = RECORD_KIND_OFFSET + 1;
    for value in [log_number, durable] {
        len += encode_varint64(&mut out[len..], value);
    }
    len
}

/// The framed seal of log `log_number` whose records end at `len` bytes: the
/// bytes to append to finish it. Its durable length is `len`, its own
/// offset, so append it only once those bytes are synced.
pub(crate) fn framed_seal(log_number: u64, len: u64) -> Vec<u8> {
    let mut prefix = [0; MAX_RECORD_PREFIX_LEN];
    let prefix_len = encode_prefix(&mut prefix, RECORD_KIND_SEAL, log_number, len);
    let mut framed = Vec::new();
    frame_record(&prefix[..prefix_len], &[], len, &mut framed);
    framed
}

/// Whether `data`, the data of a fragment that starts a record at
/// `record_start` in log `log_number` of format `version`, can begin a
/// payload: from version 2 on a known kind, this log's number and a durable
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
        // The first encoding of a batch: timestamp, varint count, then an
        // entry starting with its operation (1 Put, 2 Delete).
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
    let known = match kind {
        RECORD_KIND_SEAL => true,
        RECORD_KIND_DATA => version > FORMAT_VERSION_2,
        RECORD_KIND_LEGACY_BATCH => version == FORMAT_VERSION_2,
        _ => false,
    };
    if !known {
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

/// Whether `data`, the payload of a record in log `log_number` (a file of
/// format `version`), names another log: bytes a deleted log left on a
/// page this file now holds, not a record of this log. (The record's CRC,
/// which covers its offset, holds for the other log's record at the same
/// offset.)
pub(crate) fn names_another_log(data: &[u8], version: u32, log_number: u64) -> bool {
    if version == FORMAT_VERSION_1 {
        return false;
    }
    let mut dec = Decoder::new(data);
    dec.u8("record kind").is_ok()
        && dec
            .varint64("log number")
            .is_ok_and(|number| number != log_number)
}

/// Decodes the prefix of the payload of a record that starts at
/// `record_start` in log `log_number`, a file of format `version`.
///
/// Another log's number (a stale page a crash left in this file), a durable
/// length below the file header (which is synced before any record is
/// written) or beyond the record's own start (bytes not yet written cannot
/// have been synced), an unknown kind and bytes after a seal are damage. The
/// bytes after the prefix of a data record are the caller's: they are not
/// looked at.
pub(crate) fn decode(
    data: &[u8],
    version: u32,
    log_number: u64,
    record_start: u64,
) -> Result<Payload, DecodeError> {
    if version == FORMAT_VERSION_1 {
        return Ok(Payload::Data {
            kind: PayloadKind::LegacyBatch,
            durable: None,
            body: 0,
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
    let data_kind = match kind {
        RECORD_KIND_DATA if version > FORMAT_VERSION_2 => PayloadKind::Data,
        RECORD_KIND_LEGACY_BATCH if version == FORMAT_VERSION_2 => PayloadKind::LegacyBatch,
        RECORD_KIND_DATA | RECORD_KIND_LEGACY_BATCH => {
            return Err(DecodeError::new(
                0,
                format!("record kind {kind} is not one a version {version} log holds"),
            ))
        }
        RECORD_KIND_SEAL if dec.is_empty() => return Ok(Payload::Seal { durable }),
        RECORD_KIND_SEAL => {
            return Err(dec.error(format!("{} unexpected bytes after a seal", dec.remaining())))
        }
        other => return Err(DecodeError::new(0, format!("unknown record kind {other}"))),
    };
    Ok(Payload::Data {
        kind: data_kind,
        durable: Some(durable),
        body: dec.position(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wal::format::{FORMAT_VERSION, FORMAT_VERSION_2};
    use ferrisdb_core::coding::put_varint64;

    /// A payload of `kind` with `body` after its prefix.
    fn payload(kind: u8, log: u64, durable: u64, body: &[u8]) -> Vec<u8> {
        let mut prefix = [0; MAX_RECORD_PREFIX_LEN];
        let len = encode_prefix(&mut prefix, kind, log, durable);
        [&prefix[..len], body].concat()
    }

    #[test]
    fn a_record_of_another_log_is_told_from_other_bad_prefixes() {
        let mut bytes = vec![RECORD_KIND_DATA];
        put_varint64(&mut bytes, 9);
        put_varint64(&mut bytes, FILE_HEADER_SIZE as u64);
        assert!(names_another_log(&bytes, FORMAT_VERSION, 3));
        assert!(!names_another_log(&bytes, FORMAT_VERSION, 9));
        assert!(!names_another_log(&bytes, FORMAT_VERSION_1, 3));
        assert!(!names_another_log(&bytes[..1], FORMAT_VERSION, 3));
    }

    #[test]
    fn data_records_and_seals_round_trip_with_their_durable_length() {
        for durable in [24, 127, 128, 1 << 20, u64::MAX >> 1] {
            for (kind, payload_kind, version) in [
                (RECORD_KIND_DATA, PayloadKind::Data, FORMAT_VERSION),
                (
                    RECORD_KIND_LEGACY_BATCH,
                    PayloadKind::LegacyBatch,
                    FORMAT_VERSION_2,
                ),
            ] {
                let bytes = payload(kind, 7, durable, b"anything");
                assert!(plausible_start(&bytes, version, 7, u64::MAX));
                let decoded = decode(&bytes, version, 7, u64::MAX).unwrap();
                let Payload::Data {
                    kind: got,
                    durable: Some(got_durable),
                    body,
                } = decoded
                else {
                    panic!("{decoded:?}");
                };
                assert_eq!((got, got_durable), (payload_kind, durable));
                assert_eq!(&bytes[body..], b"anything");
            }
            let seal = payload(RECORD_KIND_SEAL, 7, durable, b"");
            assert_eq!(
                decode(&seal, FORMAT_VERSION_2, 7, u64::MAX).unwrap(),
                Payload::Seal { durable }
            );
        }
    }

    #[test]
    fn impossible_durable_lengths_kinds_and_log_numbers_are_damage() {
        for (durable, start) in [(10, 100), (101, 100)] {
            let bytes = payload(RECORD_KIND_DATA, 3, durable, b"x");
            assert!(!plausible_start(&bytes, FORMAT_VERSION, 3, start));
            let err = decode(&bytes, FORMAT_VERSION, 3, start).unwrap_err();
            assert!(err.reason().contains("durable length"), "{err}");
        }
        let bytes = payload(RECORD_KIND_DATA, 3, 24, b"x");
        assert!(!plausible_start(&bytes, FORMAT_VERSION, 4, 100));
        let err = decode(&bytes, FORMAT_VERSION, 4, 100).unwrap_err();
        assert!(err.reason().contains("a record of log 3 in log 4"), "{err}");
        let bytes = payload(7, 3, 24, b"x");
        assert!(!plausible_start(&bytes, FORMAT_VERSION, 3, 100));
        assert!(decode(&bytes, FORMAT_VERSION, 3, 100).is_err());
        let sealed = payload(RECORD_KIND_SEAL, 3, 24, &[0]);
        assert!(decode(&sealed, FORMAT_VERSION, 3, 100).is_err());
        for cut in 0..payload(RECORD_KIND_SEAL, 300, 24, b"").len() {
            let bytes = payload(RECORD_KIND_SEAL, 300, 24, b"");
            assert!(decode(&bytes[..cut], FORMAT_VERSION, 300, 100).is_err());
        }
    }

    /// Regression (from the review of the WAL change): each log version
    /// holds one kind of data record; the other is damage, not a batch to
    /// decode in the wrong encoding.
    #[test]
    fn a_data_record_of_the_other_log_version_is_damage() {
        for (kind, version) in [
            (RECORD_KIND_LEGACY_BATCH, FORMAT_VERSION),
            (RECORD_KIND_DATA, FORMAT_VERSION_2),
        ] {
            let bytes = payload(kind, 3, 24, b"x");
            assert!(!plausible_start(&bytes, version, 3, 100));
            let err = decode(&bytes, version, 3, 100).unwrap_err();
            assert!(err.reason().contains("is not one a version"), "{err}");
        }
        let legacy = payload(RECORD_KIND_LEGACY_BATCH, 3, 24, b"x");
        assert!(decode(&legacy, FORMAT_VERSION_2, 3, 100).is_ok());
    }

    #[test]
    fn version_1_payloads_are_bare_legacy_batches() {
        // Timestamp 3, one entry: a put of "k" = "v".
        let batch = [3, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, b'k', 1, b'v'];
        assert!(plausible_start(&batch, FORMAT_VERSION_1, 1, 24));
        let mut empty = batch;
        empty[8] = 0;
        assert!(!plausible_start(&empty[..9], FORMAT_VERSION_1, 1, 24));
        assert_eq!(
            decode(&batch, FORMAT_VERSION_1, 1, 24).unwrap(),
            Payload::Data {
                kind: PayloadKind::LegacyBatch,
                durable: None,
                body: 0
            }
        );
    }
}
