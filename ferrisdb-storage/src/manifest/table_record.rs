//! A live table as the manifest records it, and the encoding of a list of
//! them, shared by the body's main list (the default keyspace's tables) and
//! each keyspace of the keyspaces record.

use std::collections::HashSet;

use ferrisdb_core::coding::{put_fixed64, put_varint64, DecodeError, Decoder};
use ferrisdb_core::range_tombstone::RANGE_END_TS;

use super::format::{MIN_TABLE_RECORD_LEN, NUM_LEVELS};
use crate::{InternalKey, Timestamp};

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

impl TableRecord {
    /// Whether the table's range ends before its largest user key: its
    /// largest bound is a range tombstone's end, `(e, RANGE_END_TS)`, which
    /// means "keys below `e`".
    #[inline]
    pub fn ends_exclusive(&self) -> bool {
        self.largest.timestamp == RANGE_END_TS
    }

    /// Whether `user_key` lies in the table's user-key range (its point
    /// keys and its range tombstones).
    #[inline]
    pub fn covers_user_key(&self, user_key: &[u8]) -> bool {
        self.smallest.user_key.as_slice() <= user_key && !self.ends_before(user_key)
    }

    /// Whether every user key of the table's range is below `user_key`.
    #[inline]
    pub fn ends_before(&self, user_key: &[u8]) -> bool {
        match self.largest.user_key.as_slice().cmp(user_key) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Equal => self.ends_exclusive(),
            std::cmp::Ordering::Greater => false,
        }
    }

    /// Whether the table's range meets `[start, end]`: `end` included when
    /// `end_included`, excluded otherwise, `None` unbounded.
    pub fn meets(&self, start: &[u8], end: Option<&[u8]>, end_included: bool) -> bool {
        let starts_in_time = match end {
            None => true,
            Some(end) if end_included => self.smallest.user_key.as_slice() <= end,
            Some(end) => self.smallest.user_key.as_slice() < end,
        };
        starts_in_time && !self.ends_before(start)
    }
}

/// Appends `tables` as a table count and the records, in list order.
pub(super) fn encode_table_list(out: &mut Vec<u8>, tables: &[TableRecord]) {
    put_varint64(out, tables.len() as u64);
    for table in tables {
        put_varint64(out, u64::from(table.level));
        put_varint64(out, table.file_number);
        put_varint64(out, table.file_size);
        put_varint64(out, table.entry_count);
        put_varint64(out, table.tombstone_count);
        table.smallest.encode_into(out);
        table.largest.encode_into(out);
        put_fixed64(out, table.min_timestamp);
        put_fixed64(out, table.max_timestamp);
    }
}

/// What a table record is checked against: the manifest's next file number
/// and last timestamp, and the table numbers every list read so far holds.
pub(super) struct TableChecks {
    /// Tables are numbered below it.
    pub next_file_number: u64,
    /// No table holds a newer timestamp.
    pub last_timestamp: Timestamp,
    /// The file numbers of the tables listed so far, in any list: a table
    /// belongs to one keyspace, once.
    pub listed: HashSet<u64>,
}

impl TableChecks {
    /// Checks for a manifest whose next file number and last timestamp are
    /// these, before any table is read.
    pub fn new(next_file_number: u64, last_timestamp: Timestamp) -> Self {
        TableChecks {
            next_file_number,
            last_timestamp,
            listed: HashSet::new(),
        }
    }

    /// Reads a table count and that many records, checking each.
    pub fn decode_list(
        &mut self,
        d: &mut Decoder<'_>,
    ) -> std::result::Result<Vec<TableRecord>, DecodeError> {
        let at = d.position();
        let count = d.varint64("table count")?;
        // Checking the count against the bytes left first keeps a corrupt
        // count from reserving a huge vector.
        if count > (d.remaining() / MIN_TABLE_RECORD_LEN) as u64 {
            return Err(DecodeError::new(
                at,
                format!(
                "table count {count} cannot fit in {} bytes ({MIN_TABLE_RECORD_LEN} bytes or more \
                 each)",
                d.remaining()
            ),
            ));
        }
        let mut tables = Vec::with_capacity(count as usize);
        for _ in 0..count {
            tables.push(self.decode_record(d)?);
        }
        Ok(tables)
    }

    /// Reads one table record and checks it against the manifest.
    fn decode_record(
        &mut self,
        d: &mut Decoder<'_>,
    ) -> std::result::Result<TableRecord, DecodeError> {
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
        if file_number >= self.next_file_number {
            return Err(d.error(format!(
                "table {file_number} is not below the next file number {}",
                self.next_file_number
            )));
        }
        // New writes take timestamps above `last_timestamp`: a table
        // holding newer ones would hide them.
        if max_timestamp > self.last_timestamp {
            return Err(d.error(format!(
                "table {file_number} holds timestamps up to {max_timestamp}, above the last \
                 timestamp {}",
                self.last_timestamp
            )));
        }
        // One file read through two records would be counted twice in level
        // sizes and fed twice into compactions; in two keyspaces, its keys
        // would belong to both.
        if !self.listed.insert(file_number) {
            return Err(DecodeError::new(
                at,
                format!("table {file_number} is listed twice"),
            ));
        }
        Ok(TableRecord {
            level,
            file_number,
            file_size,
            entry_count,
            tombstone_count,
            smallest,
            largest,
            min_timestamp,
            max_timestamp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrisdb_core::range_tombstone::RANGE_START_TS;

    fn record(smallest: (&str, Timestamp), largest: (&str, Timestamp)) -> TableRecord {
        TableRecord {
            level: 1,
            file_number: 1,
            file_size: 1,
            entry_count: 0,
            tombstone_count: 0,
            smallest: InternalKey::new(smallest.0, smallest.1),
            largest: InternalKey::new(largest.0, largest.1),
            min_timestamp: 1,
            max_timestamp: 1,
        }
    }

    #[test]
    fn a_range_end_bound_excludes_its_key() {
        let ends_at_m = record(("c", RANGE_START_TS), ("m", RANGE_END_TS));
        assert!(ends_at_m.ends_exclusive());
        assert!(ends_at_m.covers_user_key(b"c"));
        assert!(ends_at_m.covers_user_key(b"l\xff"));
        assert!(!ends_at_m.covers_user_key(b"m"));
        assert!(ends_at_m.ends_before(b"m"));
        assert!(!ends_at_m.ends_before(b"l"));
        assert!(!ends_at_m.meets(b"m", None, false));
        assert!(ends_at_m.meets(b"a", Some(b"c"), true));
        assert!(!ends_at_m.meets(b"a", Some(b"c"), false));
        // The next table of the level may begin at "m": it sorts after.
        let next = record(("m", RANGE_START_TS), ("q", 4));
        assert!(ends_at_m.largest < next.smallest);
        assert!(!next.ends_exclusive());
        assert!(next.covers_user_key(b"q"));
        assert!(!next.ends_before(b"q"));
    }
}
