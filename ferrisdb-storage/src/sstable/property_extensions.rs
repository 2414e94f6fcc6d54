//! The optional tagged fields at the end of a table's properties block.
//!
//! ```text
//! extensions := extension*                  // after filter_size, to the end of the block
//! extension  := tag: varint32               // strictly ascending, each tag once
//!               len: varint32
//!               value: [u8; len]
//!   tag 1 keyspace: value = varint32 keyspace id, never 0
//!   tag 2 range deletes: value = offset: varint64, size: varint64,
//!                                fragments: varint32 (>= 1),
//!                                timestamps: varint64 (>= fragments)
//! ```
//!
//! An absent extension has its default value, so a table that needs none (a
//! table of the default keyspace) has the bytes of a table written before
//! extensions existed. A tag this FerrisDB does not know is a later
//! FerrisDB's field that may change what the table means: the table is
//! refused as [`Error::UnsupportedFormat`](ferrisdb_core::Error::UnsupportedFormat),
//! not read without it. Everything else that does not follow the grammar is
//! damage. The specification is `docs/format/sstable.md`.

use ferrisdb_core::coding::{put_varint64, varint64_len, DecodeError, Decoder};

use super::footer::BlockHandle;
use super::format::{
    DEFAULT_KEYSPACE, MAX_RANGE_DEL_BLOCK_LEN, PROPERTY_TAG_KEYSPACE, PROPERTY_TAG_RANGE_DELETES,
};

/// The values of the extensions of one properties block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PropertyExtensions {
    /// The id of the table's keyspace ([`DEFAULT_KEYSPACE`] when absent).
    pub(crate) keyspace: u32,
    /// The table's range-delete block (`None` when absent: the table has no
    /// range tombstones).
    pub(crate) range_deletes: Option<RangeDeletes>,
}

/// Where a table's range-delete block is and what it holds: the value of
/// the properties' range-deletes extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeDeletes {
    /// The block: between the filter and the index, at most
    /// `MAX_RANGE_DEL_BLOCK_LEN` bytes of contents.
    pub handle: BlockHandle,
    /// Fragments in the block (at least 1).
    pub fragment_count: u32,
    /// Timestamps over all fragments: each is one range tombstone over the
    /// fragment (at least one per fragment).
    pub timestamp_count: u64,
}

impl PropertyExtensions {
    /// Appends the extensions whose value is not the default, in tag order.
    pub(crate) fn encode_into(&self, buf: &mut Vec<u8>) {
        if self.keyspace != DEFAULT_KEYSPACE {
            let id = u64::from(self.keyspace);
            put_varint64(buf, u64::from(PROPERTY_TAG_KEYSPACE));
            put_varint64(buf, varint64_len(id) as u64);
            put_varint64(buf, id);
        }
        if let Some(r) = &self.range_deletes {
            let mut value = Vec::new();
            r.handle.encode_varint_into(&mut value);
            put_varint64(&mut value, u64::from(r.fragment_count));
            put_varint64(&mut value, r.timestamp_count);
            put_varint64(buf, u64::from(PROPERTY_TAG_RANGE_DELETES));
            put_varint64(buf, value.len() as u64);
            buf.extend_from_slice(&value);
        }
    }

    /// Decodes the extensions from `d` to the end of its input. Offsets in
    /// errors are those of `d`'s input.
    pub(crate) fn decode_from(d: &mut Decoder<'_>) -> Result<PropertyExtensions, DecodeError> {
        let mut out = PropertyExtensions {
            keyspace: DEFAULT_KEYSPACE,
            range_deletes: None,
        };
        let mut last_tag: Option<u32> = None;
        while !d.is_empty() {
            let at = d.position();
            let tag = d.varint32("property extension tag")?;
            if let Some(last) = last_tag.filter(|&last| tag <= last) {
                return Err(DecodeError::new(
                    at,
                    format!(
                        "property extension tag {tag} follows tag {last}: tags must strictly \
                         ascend, each once"
                    ),
                ));
            }
            last_tag = Some(tag);
            let len = d.varint32("property extension length")?;
            let start = d.position();
            // A length past the end of the block is refused by `bytes`; one
            // beyond usize (never on 32- or 64-bit targets) is too.
            let value = d.bytes(
                usize::try_from(len).unwrap_or(usize::MAX),
                "property extension value",
            )?;
            match tag {
                PROPERTY_TAG_KEYSPACE => out.keyspace = decode_keyspace(value, start)?,
                PROPERTY_TAG_RANGE_DELETES => {
                    out.range_deletes = Some(decode_range_deletes(value, start)?);
                }
                _ => {
                    return Err(DecodeError::unsupported(
                        at,
                        format!("a table property of tag {tag} (an extension of {len} bytes)"),
                    ))
                }
            }
        }
        Ok(out)
    }
}

/// The keyspace id of the extension `value`, which starts at `start`: a
/// varint32 filling `value` exactly, never the default keyspace (whose tables
/// have no extension).
fn decode_keyspace(value: &[u8], start: usize) -> Result<u32, DecodeError> {
    // Both offsets are within the block, so the sums cannot overflow; the
    // saturation only keeps that out of the reader's trust.
    let at = |offset: usize| start.saturating_add(offset);
    let mut v = Decoder::new(value);
    let id = v
        .varint32("keyspace id")
        .map_err(|e| DecodeError::new(at(e.offset()), e.reason()))?;
    if !v.is_empty() {
        return Err(DecodeError::new(
            at(v.position()),
            format!(
                "keyspace extension claims {} bytes but its id ends after {}",
                value.len(),
                v.position()
            ),
        ));
    }
    if id == DEFAULT_KEYSPACE {
        return Err(DecodeError::new(
            start,
            "keyspace extension holds id 0, the default keyspace, whose tables have none",
        ));
    }
    Ok(id)
}

/// The range-deletes extension's `value`, which starts at `start`: a
/// handle no larger than a range-delete block can be, at least one
/// fragment, at least one timestamp per fragment, filling `value` exactly.
/// Where the block lies is checked against the other blocks when the table
/// is opened.
fn decode_range_deletes(value: &[u8], start: usize) -> Result<RangeDeletes, DecodeError> {
    // As in `decode_keyspace`: offsets within the block cannot overflow.
    let at = |offset: usize| start.saturating_add(offset);
    let within = |e: DecodeError| DecodeError::new(at(e.offset()), e.reason());
    let mut v = Decoder::new(value);
    let offset = v.varint64("range-delete block offset").map_err(within)?;
    let size_at = v.position();
    let size = v.varint64("range-delete block size").map_err(within)?;
    let count_at = v.position();
    let fragment_count = v.varint32("range fragment count").map_err(within)?;
    let timestamps_at = v.position();
    let timestamp_count = v.varint64("range tombstone count").map_err(within)?;
    if !v.is_empty() {
        return Err(DecodeError::new(
            at(v.position()),
            format!(
                "range-deletes extension claims {} bytes but its fields end after {}",
                value.len(),
                v.position()
            ),
        ));
    }
    let handle = BlockHandle { offset, size };
    if size > MAX_RANGE_DEL_BLOCK_LEN || handle.end().is_none() {
        return Err(DecodeError::new(
            at(size_at),
            format!(
                "range-delete block at {offset} of {size} bytes is larger than any table's \
                 ({MAX_RANGE_DEL_BLOCK_LEN} bytes at most) or past the largest offset"
            ),
        ));
    }
    if fragment_count == 0 {
        return Err(DecodeError::new(
            at(count_at),
            "range-deletes extension claims 0 fragments; a table without range tombstones \
             has no extension",
        ));
    }
    if timestamp_count < u64::from(fragment_count) {
        return Err(DecodeError::new(
            at(timestamps_at),
            format!(
                "range-deletes extension claims {timestamp_count} tombstones over \
                 {fragment_count} fragments; every fragment has one at least"
            ),
        ));
    }
    Ok(RangeDeletes {
        handle,
        fragment_count,
        timestamp_count,
    })
}

#[cfg(test)]
mod tests;
