//! What the manifest records, and its encoding.

use std::path::Path;

use ferrisdb_core::coding::{put_fixed32, put_fixed64, put_varint64, DecodeError, Decoder};

use super::features::{Features, Support, THIS_CODE};
use super::format::{
    BODY_LEN_OFFSET, CHECKSUM_LEN, FORMAT_VERSION, FORMAT_VERSION_1, FORMAT_VERSION_3, HEADER_LEN,
    MAGIC, MAX_BODY_LEN, MAX_FILE_NUMBER, MAX_TIMESTAMP, MIN_FILE_LEN, MIN_TABLE_RECORD_LEN,
    NUM_LEVELS, VERSION_OFFSET,
};
use crate::{Error, InternalKey, Result, Timestamp};

/// One live table, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRecord {
    /// The level the table belongs to; 0 holds freshly flushed tables.
    pub level: u32,
    /// The table's file number: its file is `NNNNNN.sst`.
    pub file_number: u64,
    /// The table's size in bytes.
    pub file_size: u64,
    /// Number of entries (versions and tombstones) in the table.
    pub entry_count: u64,
    /// How many of those entries are tombstones.
    pub tombstone_count: u64,
    /// The first entry of the table in [`InternalKey`] order.
    pub smallest: InternalKey,
    /// The last entry of the table in [`InternalKey`] order.
    pub largest: InternalKey,
    /// The smallest timestamp of any entry.
    pub min_timestamp: Timestamp,
    /// The largest timestamp of any entry.
    pub max_timestamp: Timestamp,
}

/// The durable state of a database: which tables exist and which write-ahead
/// logs are still needed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestState {
    /// The next unused file number, shared by logs and tables.
    pub next_file_number: u64,
    /// Write-ahead logs numbered below this hold only data that is already in
    /// tables; they are not replayed and may be deleted.
    pub log_number: u64,
    /// The largest timestamp stored in any table. Recovery resumes timestamps
    /// above the larger of this and the newest replayed log record.
    pub last_timestamp: Timestamp,
    /// Every live table, in level order, then as the engine keeps them.
    pub tables: Vec<TableRecord>,
    /// The log a clean close sealed, with its final length, so `open` can
    /// tell that log cut short at a record boundary (which no damage inside
    /// it shows) from a complete one. `None` once any later manifest is
    /// written: the next open replays and retires that log.
    pub closed_log: Option<ClosedLog>,
    /// The features the database uses, and their records; none in a
    /// manifest of version 1 or 2.
    pub features: Features,
}

/// A log that a clean close finished, and its length then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosedLog {
    /// The log's file number.
    pub number: u64,
    /// Its length in bytes when it was sealed.
    pub length: u64,
}

impl ManifestState {
    /// The whole manifest file for this state: header, body, checksum.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::new();
        // Version 3: the feature flags come first, so a reader checks them
        // before anything a feature may change.
        self.features.encode_flags(&mut body);
        put_varint64(&mut body, self.next_file_number);
        put_varint64(&mut body, self.log_number);
        put_fixed64(&mut body, self.last_timestamp);
        put_varint64(&mut body, self.tables.len() as u64);
        for table in &self.tables {
            put_varint64(&mut body, u64::from(table.level));
            put_varint64(&mut body, table.file_number);
            put_varint64(&mut body, table.file_size);
            put_varint64(&mut body, table.entry_count);
            put_varint64(&mut body, table.tombstone_count);
            table.smallest.encode_into(&mut body);
            table.largest.encode_into(&mut body);
            put_fixed64(&mut body, table.min_timestamp);
            put_fixed64(&mut body, table.max_timestamp);
        }
        // Version 2: the closed log, number 0 for none.
        let closed = self.closed_log.map_or((0, 0), |c| (c.number, c.length));
        put_varint64(&mut body, closed.0);
        put_varint64(&mut body, closed.1);
        // Version 3: the feature records end the body.
        self.features.encode_records(&mut body);

        let mut file = Vec::with_capacity(HEADER_LEN + body.len() + CHECKSUM_LEN);
        file.extend_from_slice(&MAGIC);
        put_fixed32(&mut file, FORMAT_VERSION);
        // A body over 4 GiB would need billions of tables; the engine never
        // gets there, and decode rejects anything over MAX_BODY_LEN anyway.
        put_fixed32(&mut file, body.len() as u32);
        file.extend_from_slice(&body);
        let crc = crc32fast::hash(&file);
        put_fixed32(&mut file, crc);
        file
    }

    /// Decodes a whole manifest file read from `path`.
    ///
    /// Every length is checked before it is used, and every number against
    /// what the engine can hold (levels below the number of levels, file
    /// numbers up to [`MAX_FILE_NUMBER`], timestamps up to
    /// [`MAX_TIMESTAMP`]). The format version and the feature flags are
    /// checked once the checksum matches and before the rest of the body is
    /// read.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedFormat`] naming `path` for a format version newer
    /// than [`FORMAT_VERSION`], or an incompatible or read-only compatible
    /// feature this code does not know (see `docs/format/README.md`).
    /// Damage is an [`Error::Corruption`] or [`Error::ChecksumMismatch`]
    /// naming `path` and the offset.
    pub fn decode(bytes: &[u8], path: &Path) -> Result<ManifestState> {
        Self::decode_for(bytes, path, &THIS_CODE)
    }

    /// [`decode`](Self::decode) by code that reads what `support` says.
    pub(super) fn decode_for(
        bytes: &[u8],
        path: &Path,
        support: &Support,
    ) -> Result<ManifestState> {
        if bytes.len() < MIN_FILE_LEN {
            return Err(Error::corruption(
                path,
                0,
                format!(
                    "manifest is {} bytes, shorter than the minimum of {MIN_FILE_LEN}",
                    bytes.len()
                ),
            ));
        }
        if bytes[..MAGIC.len()] != MAGIC {
            return Err(Error::corruption(
                path,
                0,
                "bad magic number: this is not a FerrisDB manifest",
            ));
        }
        let mut header = Decoder::new(&bytes[VERSION_OFFSET..HEADER_LEN]);
        // The version is checked once the checksum matches, so a damaged
        // version is damage, not a newer format: every version keeps this
        // header and the checksum.
        let version = header
            .fixed32("format version")
            .map_err(|e| e.in_file(path, 0))?;
        let body_len = header
            .fixed32("body length")
            .map_err(|e| e.in_file(path, 0))? as usize;
        let expected_len = HEADER_LEN
            .checked_add(body_len)
            .and_then(|n| n.checked_add(CHECKSUM_LEN));
        if body_len > MAX_BODY_LEN || expected_len != Some(bytes.len()) {
            return Err(Error::corruption(
                path,
                BODY_LEN_OFFSET as u64,
                format!(
                    "body length {body_len} does not match the file size {}",
                    bytes.len()
                ),
            ));
        }
        let crc_offset = HEADER_LEN + body_len;
        let stored = Decoder::new(&bytes[crc_offset..])
            .fixed32("checksum")
            .map_err(|e| e.in_file(path, crc_offset as u64))?;
        let actual = crc32fast::hash(&bytes[..crc_offset]);
        if stored != actual {
            return Err(Error::ChecksumMismatch {
                file: path.to_path_buf(),
                offset: crc_offset as u64,
                expected: stored,
                actual,
            });
        }
        support.check_version(version, path, VERSION_OFFSET as u64)?;
        let in_body = |e: DecodeError| e.in_file(path, HEADER_LEN as u64);
        let mut d = Decoder::new(&bytes[HEADER_LEN..crc_offset]);
        let mut features = Features::default();
        if version >= FORMAT_VERSION_3 {
            features = Features::decode_flags(&mut d).map_err(in_body)?;
            support.check_features(&features, path)?;
        }
        let mut state = Self::decode_body(&mut d, version).map_err(in_body)?;
        if version >= FORMAT_VERSION_3 {
            features.decode_records(&mut d).map_err(in_body)?;
        }
        if !d.is_empty() {
            return Err(in_body(d.error(format!(
                "{} unexpected bytes after the manifest's last field",
                d.remaining()
            ))));
        }
        state.features = features;
        Ok(state)
    }

    /// The fields of every version, after the feature flags and before the
    /// feature records of version 3.
    fn decode_body(
        d: &mut Decoder<'_>,
        version: u32,
    ) -> std::result::Result<ManifestState, DecodeError> {
        let at = d.position();
        let next_file_number = d.varint64("next file number")?;
        if next_file_number > MAX_FILE_NUMBER {
            return Err(DecodeError::new(
                at,
                format!(
                    "next file number {next_file_number} is above the largest file number \
                     {MAX_FILE_NUMBER}"
                ),
            ));
        }
        let log_number = d.varint64("log number")?;
        let at = d.position();
        let last_timestamp = d.fixed64("last timestamp")?;
        if last_timestamp > MAX_TIMESTAMP {
            return Err(DecodeError::new(
                at,
                format!("last timestamp {last_timestamp} is above the largest {MAX_TIMESTAMP}"),
            ));
        }
        let count = d.varint64("table count")?;
        // Checking the count against the bytes left first keeps a corrupt
        // count from reserving a huge vector.
        if count > (d.remaining() / MIN_TABLE_RECORD_LEN) as u64 {
            return Err(d.error(format!(
                "table count {count} cannot fit in {} bytes ({MIN_TABLE_RECORD_LEN} bytes or more \
                 each)",
                d.remaining()
            )));
        }
        let mut tables = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let at = d.position();
            let level = d.varint32("table level")?;
            // The engine keeps a vector per level: a level it does not have
            // would be a table no read looks at, or a huge allocation.
            if level as usize >= NUM_LEVELS {
                return Err(DecodeError::new(
                    at,
                    format!(
                        "table level {level} is not one of the levels 0 to {}",
                        NUM_LEVELS - 1
                    ),
                ));
            }
            let file_number = d.varint64("table file number")?;
            let file_size = d.varint64("table file size")?;
            let entry_count = d.varint64("table entry count")?;
            let tombstone_count = d.varint64("table tombstone count")?;
            let smallest = InternalKey::decode_from(d)?;
            let largest = InternalKey::decode_from(d)?;
            let min_timestamp = d.fixed64("table min timestamp")?;
            let max_timestamp = d.fixed64("table max timestamp")?;
            if tombstone_count > entry_count {
                return Err(d.error(format!(
                    "table {file_number} claims {tombstone_count} tombstones among {entry_count} entries"
                )));
            }
            if file_number >= next_file_number {
                return Err(d.error(format!(
                    "table {file_number} is not below the next file number {next_file_number}"
                )));
            }
            // New writes take timestamps above `last_timestamp`: a table
            // holding newer ones would hide them.
            if max_timestamp > last_timestamp {
                return Err(d.error(format!(
                    "table {file_number} holds timestamps up to {max_timestamp}, above the last \
                     timestamp {last_timestamp}"
                )));
            }
            tables.push(TableRecord {
                level,
                file_number,
                file_size,
                entry_count,
                tombstone_count,
                smallest,
                largest,
                min_timestamp,
                max_timestamp,
            });
        }
        let closed_log = if version == FORMAT_VERSION_1 {
            None
        } else {
            let number = d.varint64("closed log number")?;
            let length = d.varint64("closed log length")?;
            if number != 0 && (number < log_number || number >= next_file_number) {
                return Err(d.error(format!(
                    "closed log {number} is outside the needed logs {log_number} .. \
                     {next_file_number}"
                )));
            }
            (number != 0).then_some(ClosedLog { number, length })
        };
        Ok(ManifestState {
            next_file_number,
            log_number,
            last_timestamp,
            tables,
            closed_log,
            features: Features::default(),
        })
    }
}
