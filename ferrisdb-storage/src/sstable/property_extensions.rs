//! The optional tagged fields at the end of a table's properties block.
//!
//! ```text
//! extensions := extension*                  // after filter_size, to the end of the block
//! extension  := tag: varint32               // strictly ascending, each tag once
//!               len: varint32
//!               value: [u8; len]
//!   tag 1 keyspace: value = varint32 keyspace id, never 0
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

use super::format::{DEFAULT_KEYSPACE, PROPERTY_TAG_KEYSPACE};

/// The values of the extensions of one properties block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PropertyExtensions {
    /// The id of the table's keyspace ([`DEFAULT_KEYSPACE`] when absent).
    pub(crate) keyspace: u32,
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
    }

    /// Decodes the extensions from `d` to the end of its input. Offsets in
    /// errors are those of `d`'s input.
    pub(crate) fn decode_from(d: &mut Decoder<'_>) -> Result<PropertyExtensions, DecodeError> {
        let mut out = PropertyExtensions {
            keyspace: DEFAULT_KEYSPACE,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<PropertyExtensions, DecodeError> {
        let mut d = Decoder::new(bytes);
        let out = PropertyExtensions::decode_from(&mut d)?;
        assert!(d.is_empty(), "decoding stops only at the end");
        Ok(out)
    }

    fn encoded(keyspace: u32) -> Vec<u8> {
        let mut buf = Vec::new();
        PropertyExtensions { keyspace }.encode_into(&mut buf);
        buf
    }

    /// The error of `bytes`, which must be damage, at `offset`.
    fn corruption_at(bytes: &[u8], offset: usize, reason: &str) {
        let err = decode(bytes).unwrap_err();
        assert!(!err.is_unsupported(), "{err} is damage, not a newer format");
        assert_eq!(err.offset(), offset, "{err}");
        assert!(err.reason().contains(reason), "{err}");
    }

    #[test]
    fn the_default_keyspace_writes_nothing_and_reads_from_nothing() {
        assert!(encoded(0).is_empty());
        assert_eq!(decode(&[]).unwrap(), PropertyExtensions { keyspace: 0 });
    }

    #[test]
    fn keyspaces_round_trip_in_the_bytes_of_the_spec() {
        assert_eq!(encoded(1), [0x01, 0x01, 0x01]);
        assert_eq!(encoded(300), [0x01, 0x02, 0xac, 0x02]);
        assert_eq!(
            encoded(u32::MAX),
            [0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f]
        );
        for keyspace in [1, 127, 128, 300, 1 << 21, u32::MAX] {
            let bytes = encoded(keyspace);
            assert_eq!(decode(&bytes).unwrap().keyspace, keyspace);
            for cut in 1..bytes.len() {
                let err = decode(&bytes[..cut]).unwrap_err();
                assert!(!err.is_unsupported(), "cut {cut}: {err}");
            }
        }
    }

    #[test]
    fn the_longest_extensions_fit_their_bound() {
        use crate::sstable::format::MAX_PROPERTY_EXTENSIONS_LEN;
        assert_eq!(encoded(u32::MAX).len(), MAX_PROPERTY_EXTENSIONS_LEN);
    }

    #[test]
    fn an_unknown_tag_is_a_newer_format_naming_its_offset() {
        for bytes in [&[0x02, 0x00][..], &[0x00, 0x01, 0x07], &[0x80, 0x01, 0x00]] {
            let err = decode(bytes).unwrap_err();
            assert!(err.is_unsupported(), "{err}");
            assert_eq!(err.offset(), 0);
            assert!(err.reason().contains("a table property of tag"), "{err}");
        }
        // After a keyspace, at the unknown tag's own offset.
        let err = decode(&[0x01, 0x01, 0x05, 0x09, 0x01, 0x00]).unwrap_err();
        assert!(err.is_unsupported() && err.offset() == 3, "{err}");
        assert!(err.reason().contains("tag 9"), "{err}");
    }

    #[test]
    fn a_present_zero_keyspace_is_damage() {
        corruption_at(&[0x01, 0x01, 0x00], 2, "id 0");
        // A zero in a longer encoding is zero too.
        corruption_at(&[0x01, 0x02, 0x80, 0x00], 2, "id 0");
    }

    #[test]
    fn a_repeated_or_descending_tag_is_damage() {
        corruption_at(
            &[0x01, 0x01, 0x05, 0x01, 0x01, 0x06],
            3,
            "tag 1 follows tag 1",
        );
        // Descending, though the second tag is unknown: the order is checked
        // before the tag is looked at.
        corruption_at(&[0x01, 0x01, 0x05, 0x00, 0x00], 3, "tag 0 follows tag 1");
    }

    #[test]
    fn a_length_not_filled_exactly_by_its_value_is_damage() {
        // Longer than the id: one byte left over.
        corruption_at(
            &[0x01, 0x02, 0x05, 0x00],
            3,
            "claims 2 bytes but its id ends after 1",
        );
        // Shorter than the id: the varint runs off the end of its value.
        corruption_at(&[0x01, 0x01, 0xac, 0x02], 2, "truncated varint keyspace id");
        // Past the end of the block.
        corruption_at(&[0x01, 0x03, 0x05], 2, "truncated property extension value");
        corruption_at(
            &[0x01, 0xff, 0xff, 0xff, 0xff, 0x0f],
            6,
            "needs 4294967295 bytes",
        );
        // Lengths and tags wider than 32 bits.
        corruption_at(
            &[0x01, 0x80, 0x80, 0x80, 0x80, 0x10],
            1,
            "does not fit in 32 bits",
        );
        corruption_at(
            &[0x80, 0x80, 0x80, 0x80, 0x10, 0x00],
            0,
            "does not fit in 32 bits",
        );
        corruption_at(
            &[0x01, 0x05, 0x80, 0x80, 0x80, 0x80, 0x10],
            2,
            "does not fit in 32 bits",
        );
    }
}
