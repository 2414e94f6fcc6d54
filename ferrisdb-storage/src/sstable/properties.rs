//! What a table holds, recorded in its properties block.
//!
//! ```text
//! properties := entry_count: varint64
//!               tombstone_count: varint64
//!               key_count: varint64          // distinct user keys
//!               smallest_key: internal_key   // varint length, key, fixed64 ts
//!               largest_key: internal_key
//!               min_timestamp: fixed64
//!               max_timestamp: fixed64
//!               raw_key_size: varint64       // sum of user key lengths
//!               raw_value_size: varint64     // sum of value lengths
//!               data_block_count: varint64
//!               data_size: varint64          // stored bytes of data blocks
//!               index_size: varint64         // stored bytes of the index
//!               filter_size: varint64        // stored bytes of the filter
//!               extension*                   // tagged, optional: the keyspace,
//!                                            // the range-delete block
//! ```
//!
//! The extensions (`property_extensions.rs`) let a field be added without a
//! new table format: a table that needs none has the bytes it had before
//! they existed.
//!
//! A table with range tombstones (the range-deletes extension) counts them
//! in its bounds and timestamps: `smallest_key` and `largest_key` are the
//! union of its points and its tombstones, a tombstone's start `s` as
//! `(s, RANGE_START_TS)` and its end `e` as `(e, RANGE_END_TS)`, "the keys
//! below `e`". Such a table may hold no point at all: no entry, no key, no
//! data block.

use ferrisdb_core::coding::{put_fixed64, put_varint64, DecodeError, Decoder};
use ferrisdb_core::{InternalKey, Timestamp};

use super::property_extensions::{PropertyExtensions, RangeDeletes};

/// Statistics of a table, written by the writer and read at open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableProperties {
    /// Entries (versions) in the table.
    pub entry_count: u64,
    /// Entries that are tombstones ([`Operation::Delete`](ferrisdb_core::Operation::Delete)).
    pub tombstone_count: u64,
    /// Distinct user keys.
    pub key_count: u64,
    /// The first entry's key, or the first range tombstone's start `s` as
    /// `(s, RANGE_START_TS)` when that sorts first.
    pub smallest_key: InternalKey,
    /// The last entry's key, or the last range tombstone's end `e` as
    /// `(e, RANGE_END_TS)` (the keys below `e`) when that sorts last.
    pub largest_key: InternalKey,
    /// The smallest timestamp of any entry or range tombstone.
    pub min_timestamp: Timestamp,
    /// The largest timestamp of any entry or range tombstone.
    pub max_timestamp: Timestamp,
    /// The sum of the user key lengths of all entries (raw size of keys).
    pub raw_key_size: u64,
    /// The sum of the value lengths of all entries (raw size of values).
    pub raw_value_size: u64,
    /// Data blocks in the table.
    pub data_block_count: u64,
    /// Bytes the data blocks take on disk, trailers included.
    pub data_size: u64,
    /// Bytes the index block takes on disk, trailer included.
    pub index_size: u64,
    /// Bytes the filter block takes on disk, trailer included.
    pub filter_size: u64,
    /// The id of the keyspace the table belongs to; 0, the default keyspace,
    /// for a table without the keyspace extension (every table written
    /// before keyspaces).
    pub keyspace: u32,
    /// The table's range-delete block, `None` for a table without range
    /// tombstones (every table written before range deletes).
    pub range_deletes: Option<RangeDeletes>,
}

impl TableProperties {
    /// The properties block's contents.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        put_varint64(&mut buf, self.entry_count);
        put_varint64(&mut buf, self.tombstone_count);
        put_varint64(&mut buf, self.key_count);
        self.smallest_key.encode_into(&mut buf);
        self.largest_key.encode_into(&mut buf);
        put_fixed64(&mut buf, self.min_timestamp);
        put_fixed64(&mut buf, self.max_timestamp);
        for v in [
            self.raw_key_size,
            self.raw_value_size,
            self.data_block_count,
            self.data_size,
            self.index_size,
            self.filter_size,
        ] {
            put_varint64(&mut buf, v);
        }
        let extensions = PropertyExtensions {
            keyspace: self.keyspace,
            range_deletes: self.range_deletes,
        };
        extensions.encode_into(&mut buf);
        buf
    }

    /// Decodes a properties block, which must be consumed exactly and be
    /// consistent (counts and key and timestamp ranges in order; no entry,
    /// key or data block only with range tombstones). An extension this
    /// FerrisDB does not know is an error made by
    /// [`DecodeError::unsupported`]; any other failure is damage.
    pub(crate) fn decode(input: &[u8]) -> Result<TableProperties, DecodeError> {
        let mut d = Decoder::new(input);
        let entry_count = d.varint64("entry count")?;
        let tombstone_count = d.varint64("tombstone count")?;
        let key_count = d.varint64("key count")?;
        let smallest_key = InternalKey::decode_from(&mut d)?;
        let largest_key = InternalKey::decode_from(&mut d)?;
        let min_timestamp = d.fixed64("min timestamp")?;
        let max_timestamp = d.fixed64("max timestamp")?;
        let raw_key_size = d.varint64("raw key size")?;
        let raw_value_size = d.varint64("raw value size")?;
        let data_block_count = d.varint64("data block count")?;
        let data_size = d.varint64("data size")?;
        let index_size = d.varint64("index size")?;
        let filter_size = d.varint64("filter size")?;
        // Extensions run to the end of the block.
        let extensions = PropertyExtensions::decode_from(&mut d)?;
        let props = TableProperties {
            entry_count,
            tombstone_count,
            key_count,
            smallest_key,
            largest_key,
            min_timestamp,
            max_timestamp,
            raw_key_size,
            raw_value_size,
            data_block_count,
            data_size,
            index_size,
            filter_size,
            keyspace: extensions.keyspace,
            range_deletes: extensions.range_deletes,
        };
        // A table holds points, or (only with range tombstones) none.
        let points = props.entry_count >= 1
            && (1..=props.entry_count).contains(&props.key_count)
            && (1..=props.entry_count).contains(&props.data_block_count);
        let no_points = props.entry_count == 0
            && props.key_count == 0
            && props.data_block_count == 0
            && props.data_size == 0
            && props.raw_key_size == 0
            && props.raw_value_size == 0
            && props.range_deletes.is_some();
        let consistent = (points || no_points)
            && props.tombstone_count <= props.entry_count
            && props.smallest_key <= props.largest_key
            && props.min_timestamp <= props.max_timestamp;
        if !consistent {
            return Err(DecodeError::new(0, "properties are inconsistent"));
        }
        Ok(props)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TableProperties {
        TableProperties {
            entry_count: 10,
            tombstone_count: 2,
            key_count: 4,
            smallest_key: InternalKey::new("a", 9),
            largest_key: InternalKey::new("zz", 1),
            min_timestamp: 1,
            max_timestamp: 9,
            raw_key_size: 30,
            raw_value_size: 300,
            data_block_count: 2,
            data_size: 400,
            index_size: 40,
            filter_size: 10,
            keyspace: 0,
            range_deletes: None,
        }
    }

    fn range_deletes() -> RangeDeletes {
        RangeDeletes {
            handle: crate::sstable::BlockHandle {
                offset: 400,
                size: 30,
            },
            fragment_count: 2,
            timestamp_count: 3,
        }
    }

    #[test]
    fn round_trips_and_rejects_truncation() {
        let bytes = sample().encode();
        assert_eq!(TableProperties::decode(&bytes).unwrap(), sample());
        for cut in 0..bytes.len() {
            assert!(TableProperties::decode(&bytes[..cut]).is_err(), "cut {cut}");
        }
    }

    #[test]
    fn a_keyspace_round_trips_after_the_bytes_of_the_default_keyspace() {
        let default = sample().encode();
        for keyspace in [1, 200, u32::MAX] {
            let props = TableProperties {
                keyspace,
                ..sample()
            };
            let bytes = props.encode();
            assert_eq!(
                bytes[..default.len()],
                default,
                "the fields before are unchanged"
            );
            assert_eq!(TableProperties::decode(&bytes).unwrap(), props);
            for cut in 0..bytes.len() {
                let got = TableProperties::decode(&bytes[..cut]);
                if cut == default.len() {
                    // Without its extension the block is a default-keyspace
                    // one: the footer's handle and the block's checksum fix
                    // its length, so a table cannot lose the extension alone.
                    assert_eq!(got.unwrap(), sample());
                } else {
                    let err = got.unwrap_err();
                    assert!(!err.is_unsupported(), "cut {cut}: {err}");
                }
            }
        }
    }

    #[test]
    fn an_unknown_extension_is_a_newer_format_at_its_offset() {
        let mut bytes = sample().encode();
        let at = bytes.len();
        bytes.extend_from_slice(&[0x03, 0x01, 0x00]);
        let err = TableProperties::decode(&bytes).unwrap_err();
        assert!(err.is_unsupported(), "{err}");
        assert_eq!(err.offset(), at);
    }

    #[test]
    fn the_largest_properties_fit_their_block_limit() {
        use crate::sstable::format::{MAX_PROPERTIES_BLOCK_LEN, MAX_RANGE_END_SIZE};
        let key = InternalKey::new(vec![0xff; MAX_RANGE_END_SIZE], u64::MAX);
        let largest = TableProperties {
            entry_count: u64::MAX,
            tombstone_count: u64::MAX,
            key_count: u64::MAX,
            smallest_key: key.clone(),
            largest_key: key,
            min_timestamp: u64::MAX,
            max_timestamp: u64::MAX,
            raw_key_size: u64::MAX,
            raw_value_size: u64::MAX,
            data_block_count: u64::MAX,
            data_size: u64::MAX,
            index_size: u64::MAX,
            filter_size: u64::MAX,
            keyspace: u32::MAX,
            range_deletes: Some(RangeDeletes {
                handle: crate::sstable::BlockHandle {
                    offset: u64::MAX - 5 - u64::from(u32::MAX),
                    size: u64::from(u32::MAX),
                },
                fragment_count: u32::MAX,
                timestamp_count: u64::MAX,
            }),
        };
        assert!(largest.encode().len() as u64 <= MAX_PROPERTIES_BLOCK_LEN);
    }

    #[test]
    fn inconsistent_counts_are_rejected() {
        let mut p = sample();
        p.tombstone_count = 11;
        assert!(TableProperties::decode(&p.encode()).is_err());
    }

    #[test]
    fn a_table_of_only_range_tombstones_has_no_entry_key_or_block() {
        let only = TableProperties {
            entry_count: 0,
            tombstone_count: 0,
            key_count: 0,
            data_block_count: 0,
            data_size: 0,
            raw_key_size: 0,
            raw_value_size: 0,
            range_deletes: Some(range_deletes()),
            ..sample()
        };
        assert_eq!(TableProperties::decode(&only.encode()).unwrap(), only);
        // Without range tombstones a table holds at least one entry.
        let empty = TableProperties {
            range_deletes: None,
            ..only.clone()
        };
        let err = TableProperties::decode(&empty.encode()).unwrap_err();
        assert!(err.reason().contains("inconsistent"), "{err}");
        // No entry but a key or a block, or the other way round.
        for bad in [
            TableProperties {
                key_count: 1,
                ..only.clone()
            },
            TableProperties {
                data_block_count: 1,
                ..only.clone()
            },
            TableProperties {
                data_size: 1,
                ..only.clone()
            },
            TableProperties {
                raw_value_size: 1,
                ..only.clone()
            },
            TableProperties {
                key_count: 0,
                range_deletes: Some(range_deletes()),
                ..sample()
            },
        ] {
            assert!(TableProperties::decode(&bad.encode()).is_err(), "{bad:?}");
        }
        // With points too, the usual rules.
        let both = TableProperties {
            range_deletes: Some(range_deletes()),
            ..sample()
        };
        assert_eq!(TableProperties::decode(&both.encode()).unwrap(), both);
    }
}
