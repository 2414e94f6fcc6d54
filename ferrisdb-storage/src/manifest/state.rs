//! What the manifest records, and its encoding.

use std::path::Path;

use ferrisdb_core::coding::{put_fixed32, put_fixed64, put_varint64, DecodeError, Decoder};
use ferrisdb_core::FeatureClass;

use super::features::{Features, OwnedRecord, Support, THIS_CODE};
use super::format::{
    BODY_LEN_OFFSET, CHECKSUM_LEN, DEFAULT_KEYSPACE_ID, FORMAT_VERSION, FORMAT_VERSION_1,
    FORMAT_VERSION_3, HEADER_LEN, INCOMPAT_FLAGS_OFFSET, INCOMPAT_KEYSPACES,
    INCOMPAT_KEYSPACES_BIT, MAGIC, MAX_BODY_LEN, MAX_FILE_NUMBER, MAX_TIMESTAMP, MIN_FILE_LEN,
    VERSION_OFFSET,
};
use super::keyspaces::{KeyspaceId, KeyspacesState};
use super::table_record::{encode_table_list, TableChecks, TableRecord};
use crate::{Error, Result, Timestamp};

/// The incompatible features whose flag and record `ManifestState` writes
/// from fields of its own rather than from [`Features`].
const OWNED: u64 = INCOMPAT_KEYSPACES;

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
    /// Every live table of the default keyspace, in level order, then as
    /// the engine keeps them.
    pub tables: Vec<TableRecord>,
    /// The log a clean close sealed, with its final length, so `open` can
    /// tell that log cut short at a record boundary (which no damage inside
    /// it shows) from a complete one. `None` once any later manifest is
    /// written: the next open replays and retires that log.
    pub closed_log: Option<ClosedLog>,
    /// The features the database uses, and their records; none in a
    /// manifest of version 1 or 2. All but `keyspaces`, which `keyspaces`
    /// holds: [`encode`](Self::encode) declares it, and writes its record,
    /// from there, whatever this says of it.
    pub features: Features,
    /// The keyspaces besides the default one; none without the keyspaces
    /// record, the default keyspace then needing the logs from `log_number`
    /// on.
    pub keyspaces: KeyspacesState,
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
    /// Every live table with its keyspace: the default keyspace's, then each
    /// other keyspace's by ascending id.
    pub fn all_tables(&self) -> impl Iterator<Item = (KeyspaceId, &TableRecord)> {
        let default = self.tables.iter().map(|t| (DEFAULT_KEYSPACE_ID, t));
        let others = self.keyspaces.records.iter().flat_map(|k| {
            let id = k.id;
            k.tables.iter().map(move |t| (id, t))
        });
        default.chain(others)
    }

    /// The feature flags of `class` the manifest of this state declares:
    /// those of [`features`](Self::features), with `keyspaces` as
    /// [`keyspaces`](Self::keyspaces) says.
    pub fn feature_flags(&self, class: FeatureClass) -> u64 {
        let flags = self.features.flags(class);
        if class != FeatureClass::Incompatible {
            return flags;
        }
        let declared = if self.keyspaces.is_declared() {
            INCOMPAT_KEYSPACES
        } else {
            0
        };
        flags & !OWNED | declared
    }

    /// The whole manifest file for this state: header, body, checksum.
    ///
    /// A state whose keyspaces are none (no keyspace besides the default
    /// one was ever made) is written without the keyspaces record and its
    /// flag, byte for byte as before keyspaces, so FerrisDBs that do not
    /// know them still open the database.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::new();
        // Version 3: the feature flags come first, so a reader checks them
        // before anything a feature may change.
        let declared = self.feature_flags(FeatureClass::Incompatible);
        self.features.encode_flags(&mut body, OWNED, declared);
        put_varint64(&mut body, self.next_file_number);
        put_varint64(&mut body, self.log_number);
        put_fixed64(&mut body, self.last_timestamp);
        encode_table_list(&mut body, &self.tables);
        // Version 2: the closed log, number 0 for none.
        let closed = self.closed_log.map_or((0, 0), |c| (c.number, c.length));
        put_varint64(&mut body, closed.0);
        put_varint64(&mut body, closed.1);
        // Version 3: the feature records end the body, the keyspaces record
        // first.
        if self.keyspaces.is_declared() {
            let payload = self.keyspaces.encode_payload();
            Features::encode_record(&mut body, INCOMPAT_KEYSPACES_BIT, &payload);
        }
        self.features.encode_records(&mut body, OWNED);

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
        let (mut state, mut tables) = Self::decode_body(&mut d, version).map_err(in_body)?;
        let mut owned = Vec::new();
        if version >= FORMAT_VERSION_3 {
            owned = features.decode_records(&mut d, OWNED).map_err(in_body)?;
        }
        if !d.is_empty() {
            return Err(in_body(d.error(format!(
                "{} unexpected bytes after the manifest's last field",
                d.remaining()
            ))));
        }
        let declared = features.declares(FeatureClass::Incompatible, INCOMPAT_KEYSPACES_BIT);
        state.keyspaces =
            decode_keyspaces(declared, &owned, &state, &mut tables).map_err(in_body)?;
        features.forget(OWNED);
        state.features = features;
        Ok(state)
    }

    /// The fields of every version, after the feature flags and before the
    /// feature records of version 3, and the checks of the tables listed so
    /// far.
    fn decode_body(
        d: &mut Decoder<'_>,
        version: u32,
    ) -> std::result::Result<(ManifestState, TableChecks), DecodeError> {
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
        let mut checks = TableChecks::new(next_file_number, last_timestamp);
        let tables = checks.decode_list(d)?;
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
        let state = ManifestState {
            next_file_number,
            log_number,
            last_timestamp,
            tables,
            closed_log,
            features: Features::default(),
            keyspaces: KeyspacesState::none(log_number),
        };
        Ok((state, checks))
    }
}

/// The keyspaces of the manifest `state`, from the records of `keyspaces`
/// the decoder took (`owned`), with `declared` the feature's flag.
fn decode_keyspaces(
    declared: bool,
    owned: &[OwnedRecord<'_>],
    state: &ManifestState,
    tables: &mut TableChecks,
) -> std::result::Result<KeyspacesState, DecodeError> {
    // Every record was checked to be of a declared feature.
    match owned {
        [] if declared => Err(DecodeError::new(
            INCOMPAT_FLAGS_OFFSET,
            "the manifest declares the keyspaces feature (incompatible feature 0) but holds no \
             keyspaces record",
        )),
        [] => Ok(KeyspacesState::none(state.log_number)),
        [record] => KeyspacesState::decode_payload(
            record.payload,
            record.payload_at,
            state.log_number,
            tables,
        ),
        [_, second, ..] => Err(DecodeError::new(
            second.at,
            format!(
                "a second record of the keyspaces feature (incompatible feature {}): it has one",
                second.bit
            ),
        )),
    }
}
