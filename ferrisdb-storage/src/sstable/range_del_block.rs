//! The range-delete block: a table's range tombstones, as the fragments of
//! one [`FragmentedTombstones`].
//!
//! ```text
//! range_del_block := fragment_count: varint32       // >= 1
//!                    fragment * fragment_count
//! fragment := start_len: varint32, start: bytes     // <= MAX_RANGE_END_SIZE
//!             end_len: varint32, end: bytes         // <= MAX_RANGE_END_SIZE; start < end
//!             ts_count: varint32                    // >= 1
//!             timestamp: fixed64 * ts_count         // strictly descending, <= MAX_TOMBSTONE_TIMESTAMP
//! ```
//!
//! The fragments are in canonical form
//! ([`FragmentedTombstones::from_fragments`]): in key order without
//! overlap, and two that touch never have the same timestamps. The block is
//! written once per table, uncompressed, between the filter and the index,
//! and found through the properties' range-deletes extension; the reader
//! decodes it once, when the table is opened, and keeps the fragments.
//!
//! Every fragment has an end: a table never holds an unbounded tombstone
//! (the flush gives it one), so the writer refuses one. The decoder is a
//! trust boundary: every length is checked before it is used, nothing is
//! allocated past what the block holds, and the block must be consumed
//! exactly. The specification is `docs/format/sstable.md`.

use ferrisdb_core::coding::{put_fixed64, put_varint64, DecodeError, Decoder};
use ferrisdb_core::{InternalKey, Timestamp};

use super::format::{
    MAX_RANGE_DEL_BLOCK_LEN, MAX_RANGE_END_SIZE, MAX_TOMBSTONE_TIMESTAMP, RANGE_END_TS,
    RANGE_START_TS, TIMESTAMP_LEN,
};
use crate::range_del::fragments::{Fragment, FragmentedTombstones};

/// The fewest bytes a fragment takes: three one-byte lengths, a one-byte
/// end and one timestamp. Bounds the fragments a block of a given length
/// can claim, before anything is allocated for them.
const MIN_FRAGMENT_LEN: usize = 3 + 1 + TIMESTAMP_LEN;

/// Checks that `tombstones` can be stored in a table: every fragment has an
/// end, its start and end are at most [`MAX_RANGE_END_SIZE`] bytes, and its
/// timestamps at most [`MAX_TOMBSTONE_TIMESTAMP`].
///
/// # Errors
///
/// A sentence naming the first fragment that cannot be stored.
pub(crate) fn check_storable(tombstones: &FragmentedTombstones) -> Result<(), String> {
    for (i, f) in tombstones.fragments().iter().enumerate() {
        let Some(end) = &f.end else {
            return Err(format!(
                "range fragment {i} has no upper bound; a table holds only bounded range \
                 tombstones (the flush gives an unbounded one an end)"
            ));
        };
        if f.start.len() > MAX_RANGE_END_SIZE || end.len() > MAX_RANGE_END_SIZE {
            return Err(format!(
                "range fragment {i} has a start of {} bytes and an end of {} bytes; a table \
                 holds at most MAX_RANGE_END_SIZE ({MAX_RANGE_END_SIZE}) bytes each",
                f.start.len(),
                end.len()
            ));
        }
        if f.timestamps
            .first()
            .is_some_and(|&ts| ts > MAX_TOMBSTONE_TIMESTAMP)
        {
            return Err(format!(
                "range fragment {i} has a timestamp above MAX_TOMBSTONE_TIMESTAMP \
                 ({MAX_TOMBSTONE_TIMESTAMP})"
            ));
        }
    }
    Ok(())
}

/// The block's contents for `tombstones`, which [`check_storable`] accepted
/// and which are not empty.
///
/// # Errors
///
/// A sentence saying the block would be larger than
/// [`MAX_RANGE_DEL_BLOCK_LEN`], or that a fragment cannot be stored.
pub(crate) fn encode(tombstones: &FragmentedTombstones) -> Result<Vec<u8>, String> {
    check_storable(tombstones)?;
    let fragments = tombstones.fragments();
    let mut buf = Vec::new();
    put_varint64(&mut buf, fragments.len() as u64);
    for f in fragments {
        let end = f.end.as_deref().unwrap_or_default();
        for bytes in [f.start.as_slice(), end] {
            put_varint64(&mut buf, bytes.len() as u64);
            buf.extend_from_slice(bytes);
        }
        put_varint64(&mut buf, f.timestamps.len() as u64);
        for &ts in &f.timestamps {
            put_fixed64(&mut buf, ts);
        }
        if buf.len() as u64 > MAX_RANGE_DEL_BLOCK_LEN {
            return Err(format!(
                "the range-delete block of {} fragments would be larger than \
                 MAX_RANGE_DEL_BLOCK_LEN ({MAX_RANGE_DEL_BLOCK_LEN}) bytes: write smaller \
                 tables (target_file_size)",
                fragments.len()
            ));
        }
    }
    Ok(buf)
}

/// Decodes a range-delete block's contents into its fragments, checking
/// every rule of the format. Offsets in errors are within `contents`.
///
/// # Errors
///
/// A [`DecodeError`] at the offset of the first thing that breaks a rule:
/// a length running past the block or over [`MAX_RANGE_END_SIZE`], a
/// fragment count of 0, a timestamp above [`MAX_TOMBSTONE_TIMESTAMP`],
/// fragments out of canonical form, or bytes left over.
pub fn decode(contents: &[u8]) -> Result<FragmentedTombstones, DecodeError> {
    let mut d = Decoder::new(contents);
    let count = d.varint32("range fragment count")?;
    if count == 0 {
        return Err(DecodeError::new(0, "range-delete block holds no fragment"));
    }
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    if count > d.remaining() / MIN_FRAGMENT_LEN {
        return Err(DecodeError::new(
            0,
            format!(
                "range-delete block claims {count} fragments but holds {} more bytes, at most \
                 {} fragments",
                d.remaining(),
                d.remaining() / MIN_FRAGMENT_LEN
            ),
        ));
    }
    let mut fragments = Vec::with_capacity(count);
    let mut offsets = Vec::with_capacity(count);
    for _ in 0..count {
        offsets.push(d.position());
        fragments.push(decode_fragment(&mut d)?);
    }
    if !d.is_empty() {
        return Err(d.error(format!(
            "{} bytes after the last range fragment",
            d.remaining()
        )));
    }
    FragmentedTombstones::from_fragments(fragments)
        .map_err(|reason| DecodeError::new(first_out_of_form(contents, &offsets), reason))
}

/// The offset of the first fragment out of canonical form, given where each
/// fragment starts in `contents` (which decoded): each rule compares a
/// fragment with itself and the one before it, so it is the first whose
/// pair fails. Only a damaged block gets here, so the fragments are decoded
/// again rather than kept.
fn first_out_of_form(contents: &[u8], offsets: &[usize]) -> usize {
    let fragment_at = |at: usize| decode_fragment(&mut Decoder::new(&contents[at..])).ok();
    (0..offsets.len())
        .find(|&i| {
            let pair: Option<Vec<Fragment>> = offsets[i.saturating_sub(1)..=i]
                .iter()
                .map(|&at| fragment_at(at))
                .collect();
            pair.is_none_or(|pair| FragmentedTombstones::from_fragments(pair).is_err())
        })
        .map_or(0, |i| offsets[i])
}

/// Decodes one fragment from the front of `d`, checking its lengths and
/// timestamps (its order is checked with its neighbours' afterwards).
fn decode_fragment(d: &mut Decoder<'_>) -> Result<Fragment, DecodeError> {
    let start = bound(d, "range fragment start")?;
    let end = bound(d, "range fragment end")?;
    let at = d.position();
    let ts_count = d.varint32("range fragment timestamp count")?;
    let ts_count = usize::try_from(ts_count).unwrap_or(usize::MAX);
    match ts_count.checked_mul(TIMESTAMP_LEN) {
        Some(len) if len <= d.remaining() => {}
        _ => {
            return Err(DecodeError::new(
                at,
                format!(
                    "range fragment claims {ts_count} timestamps but only {} bytes remain",
                    d.remaining()
                ),
            ))
        }
    }
    let mut timestamps = Vec::with_capacity(ts_count);
    for _ in 0..ts_count {
        let at = d.position();
        let ts = d.fixed64("range fragment timestamp")?;
        if ts > MAX_TOMBSTONE_TIMESTAMP {
            return Err(DecodeError::new(
                at,
                format!(
                    "range tombstone timestamp {ts} is above the largest \
                     {MAX_TOMBSTONE_TIMESTAMP}"
                ),
            ));
        }
        timestamps.push(ts);
    }
    Ok(Fragment {
        start: start.to_vec(),
        end: Some(end.to_vec()),
        timestamps,
    })
}

/// A length-prefixed start or end of at most [`MAX_RANGE_END_SIZE`] bytes.
fn bound<'a>(d: &mut Decoder<'a>, what: &str) -> Result<&'a [u8], DecodeError> {
    let at = d.position();
    let len = d.varint32(what)?;
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    if len > MAX_RANGE_END_SIZE {
        return Err(DecodeError::new(
            at,
            format!(
                "{what} of {len} bytes is longer than MAX_RANGE_END_SIZE ({MAX_RANGE_END_SIZE})"
            ),
        ));
    }
    d.bytes(len, what)
}

/// A table's key and timestamp bounds, as its properties record them: of
/// its points, of its range tombstones, or of both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableBounds {
    /// The smallest key; a tombstone's start `s` as `(s, RANGE_START_TS)`.
    pub(crate) smallest: InternalKey,
    /// The largest key; a tombstone's end `e` as `(e, RANGE_END_TS)`, the
    /// keys below `e`.
    pub(crate) largest: InternalKey,
    /// The smallest timestamp.
    pub(crate) min_timestamp: Timestamp,
    /// The largest timestamp.
    pub(crate) max_timestamp: Timestamp,
}

impl TableBounds {
    /// The bounds of `tombstones`; `None` when there are none or the last is
    /// unbounded (which no table holds).
    pub(crate) fn of_tombstones(tombstones: &FragmentedTombstones) -> Option<TableBounds> {
        let (start, end) = tombstones.bounds()?;
        let timestamps = tombstones.fragments().iter().flat_map(|f| {
            // Strictly descending: the first is the largest, the last the
            // smallest.
            f.timestamps.first().into_iter().chain(f.timestamps.last())
        });
        let (min_timestamp, max_timestamp) = timestamps
            .fold((Timestamp::MAX, Timestamp::MIN), |(lo, hi), &ts| {
                (lo.min(ts), hi.max(ts))
            });
        Some(TableBounds {
            smallest: InternalKey::new(start, RANGE_START_TS),
            largest: InternalKey::new(end?, RANGE_END_TS),
            min_timestamp,
            max_timestamp,
        })
    }

    /// The bounds of a table holding what both `self` and `other` bound.
    pub(crate) fn union(self, other: TableBounds) -> TableBounds {
        TableBounds {
            smallest: self.smallest.min(other.smallest),
            largest: self.largest.max(other.largest),
            min_timestamp: self.min_timestamp.min(other.min_timestamp),
            max_timestamp: self.max_timestamp.max(other.max_timestamp),
        }
    }
}

#[cfg(test)]
mod tests;
