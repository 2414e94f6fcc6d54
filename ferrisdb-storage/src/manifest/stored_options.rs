//! A keyspace's options as its manifest record stores them: plain numbers,
//! in fields of a tag and a value (`docs/format/manifest.md`, "The keyspaces
//! record").
//!
//! The manifest stores them and checks their shape; whether the values are
//! ones the engine accepts is the configuration's rule, checked where the
//! options become the keyspace's settings.

use ferrisdb_core::coding::{put_varint64, DecodeError, Decoder};
use ferrisdb_core::CompressionType;

use super::format::{
    COMPACTION_LEVELED, COMPACTION_SIZE_TIERED, COMPRESSION_LZ4, COMPRESSION_NONE,
    COMPRESSION_ZSTD, MEMTABLE_FILTER_OFF, MEMTABLE_FILTER_ON, MIN_OPTION_FIELD_LEN,
    OPTION_BLOCK_SIZE, OPTION_BLOOM_BITS_PER_KEY, OPTION_COMPACTION_STYLE, OPTION_COMPRESSION,
    OPTION_LEVEL0_FILE_NUM_COMPACTION_TRIGGER, OPTION_MAX_BYTES_FOR_LEVEL_BASE,
    OPTION_MAX_BYTES_FOR_LEVEL_MULTIPLIER, OPTION_MAX_SIZE_AMPLIFICATION_PERCENT,
    OPTION_MEMTABLE_FILTER, OPTION_MEMTABLE_SIZE, OPTION_MIN_MERGE_WIDTH, OPTION_ZSTD_LEVEL,
};

/// The options of a keyspace other than the default one, as its manifest
/// record stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOptions {
    /// The MemTable size in bytes.
    pub memtable_size: u64,
    /// The target size of a table's data blocks in bytes.
    pub block_size: u64,
    /// The bloom filter's bits per key; 0 for none.
    pub bloom_bits_per_key: u64,
    /// The compression of table blocks.
    pub compression: CompressionType,
    /// The compaction style and its options.
    pub compaction: StoredCompaction,
    /// Whether each MemTable keeps a bloom filter of its keys.
    pub memtable_filter: bool,
}

/// A keyspace's compaction style and its options, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredCompaction {
    /// Leveled compaction.
    Leveled {
        /// Level-0 tables that trigger a compaction into level 1.
        level0_file_num_compaction_trigger: u64,
        /// The target size of level 1 in bytes.
        max_bytes_for_level_base: u64,
        /// How many times the bytes of the level above each level holds.
        max_bytes_for_level_multiplier: u64,
    },
    /// Size-tiered compaction.
    SizeTiered {
        /// Runs of similar size merged together.
        min_merge_width: u64,
        /// The space amplification, in percent, that triggers a full merge.
        max_size_amplification_percent: u64,
    },
}

/// The zigzag encoding of an `i32`: small magnitudes, either sign, take few
/// bytes.
fn zigzag(value: i32) -> u64 {
    u64::from(((value << 1) ^ (value >> 31)) as u32)
}

/// The `i32` a zigzag value encodes, if it is one.
fn unzigzag(value: u64) -> Option<i32> {
    let value = u32::try_from(value).ok()?;
    Some((value >> 1) as i32 ^ -((value & 1) as i32))
}

impl StoredOptions {
    /// The fields, in ascending tag order.
    fn fields(&self) -> Vec<(u8, u64)> {
        let mut fields = vec![
            (OPTION_MEMTABLE_SIZE, self.memtable_size),
            (OPTION_BLOCK_SIZE, self.block_size),
            (OPTION_BLOOM_BITS_PER_KEY, self.bloom_bits_per_key),
        ];
        match self.compression {
            CompressionType::None => fields.push((OPTION_COMPRESSION, COMPRESSION_NONE)),
            CompressionType::Lz4 => fields.push((OPTION_COMPRESSION, COMPRESSION_LZ4)),
            CompressionType::Zstd { level } => {
                fields.push((OPTION_COMPRESSION, COMPRESSION_ZSTD));
                fields.push((OPTION_ZSTD_LEVEL, zigzag(level)));
            }
        }
        let style = match self.compaction {
            StoredCompaction::Leveled { .. } => COMPACTION_LEVELED,
            StoredCompaction::SizeTiered { .. } => COMPACTION_SIZE_TIERED,
        };
        let filter = match self.memtable_filter {
            false => MEMTABLE_FILTER_OFF,
            true => MEMTABLE_FILTER_ON,
        };
        fields.extend([
            (OPTION_COMPACTION_STYLE, style),
            (OPTION_MEMTABLE_FILTER, filter),
        ]);
        // The style's own options, whose tags follow the shared ones.
        match self.compaction {
            StoredCompaction::Leveled {
                level0_file_num_compaction_trigger,
                max_bytes_for_level_base,
                max_bytes_for_level_multiplier,
            } => fields.extend([
                (
                    OPTION_LEVEL0_FILE_NUM_COMPACTION_TRIGGER,
                    level0_file_num_compaction_trigger,
                ),
                (OPTION_MAX_BYTES_FOR_LEVEL_BASE, max_bytes_for_level_base),
                (
                    OPTION_MAX_BYTES_FOR_LEVEL_MULTIPLIER,
                    max_bytes_for_level_multiplier,
                ),
            ]),
            StoredCompaction::SizeTiered {
                min_merge_width,
                max_size_amplification_percent,
            } => fields.extend([
                (OPTION_MIN_MERGE_WIDTH, min_merge_width),
                (
                    OPTION_MAX_SIZE_AMPLIFICATION_PERCENT,
                    max_size_amplification_percent,
                ),
            ]),
        }
        fields
    }

    /// Appends the options: a field count, then each field's tag and value,
    /// tags ascending.
    pub(super) fn encode_into(&self, out: &mut Vec<u8>) {
        let fields = self.fields();
        put_varint64(out, fields.len() as u64);
        for (tag, value) in fields {
            out.push(tag);
            put_varint64(out, value);
        }
    }

    /// Decodes options encoded by [`encode_into`](Self::encode_into), the
    /// whole of `bytes`; offsets in errors are within `bytes`.
    ///
    /// A tag this code does not know, a compression or a compaction style
    /// code it does not know, is a later FerrisDB's option:
    /// [`DecodeError::unsupported`]. Tags out of order, a field missing or
    /// one that does not go with the compression or style, a MemTable
    /// filter code other than 0 and 1, and trailing bytes are damage.
    pub(super) fn decode(bytes: &[u8]) -> std::result::Result<StoredOptions, DecodeError> {
        let mut d = Decoder::new(bytes);
        let count = d.varint32("option field count")?;
        if count as usize > d.remaining() / MIN_OPTION_FIELD_LEN {
            return Err(DecodeError::new(
                0,
                format!(
                "option field count {count} cannot fit in {} bytes ({MIN_OPTION_FIELD_LEN} bytes \
                 or more each)",
                d.remaining()
            ),
            ));
        }
        // Indexed by tag: a u8, so every tag has a slot.
        let mut fields: [Option<Field>; 256] = [None; 256];
        let mut last: Option<u8> = None;
        for _ in 0..count {
            let at = d.position();
            let tag = d.u8("option tag")?;
            if let Some(last) = last.filter(|&last| tag <= last) {
                return Err(DecodeError::new(
                    at,
                    format!("option tag {tag} follows tag {last}: tags are strictly ascending"),
                ));
            }
            last = Some(tag);
            if !KNOWN_TAGS.contains(&tag) {
                return Err(DecodeError::unsupported(
                    at,
                    format!("a keyspace option of tag {tag}, a later FerrisDB's option"),
                ));
            }
            let at = d.position();
            let value = d.varint64("option value")?;
            fields[usize::from(tag)] = Some(Field { at, value });
        }
        if !d.is_empty() {
            return Err(d.error(format!(
                "{} unexpected bytes after the options' last field",
                d.remaining()
            )));
        }
        let end = d.position();
        let mut fields = Fields { fields, end };
        let options = StoredOptions {
            memtable_size: fields.take(OPTION_MEMTABLE_SIZE, "memtable size")?,
            block_size: fields.take(OPTION_BLOCK_SIZE, "block size")?,
            bloom_bits_per_key: fields.take(OPTION_BLOOM_BITS_PER_KEY, "bloom bits per key")?,
            compression: fields.compression()?,
            compaction: fields.compaction()?,
            memtable_filter: fields.memtable_filter()?,
        };
        fields.none_left()?;
        Ok(options)
    }
}

/// The option tags this code reads.
const KNOWN_TAGS: [u8; 12] = [
    OPTION_MEMTABLE_SIZE,
    OPTION_BLOCK_SIZE,
    OPTION_BLOOM_BITS_PER_KEY,
    OPTION_COMPRESSION,
    OPTION_ZSTD_LEVEL,
    OPTION_COMPACTION_STYLE,
    OPTION_MEMTABLE_FILTER,
    OPTION_LEVEL0_FILE_NUM_COMPACTION_TRIGGER,
    OPTION_MAX_BYTES_FOR_LEVEL_BASE,
    OPTION_MAX_BYTES_FOR_LEVEL_MULTIPLIER,
    OPTION_MIN_MERGE_WIDTH,
    OPTION_MAX_SIZE_AMPLIFICATION_PERCENT,
];

/// A field read: its value, and where the value starts, where a value out
/// of its range is reported.
#[derive(Debug, Clone, Copy)]
struct Field {
    at: usize,
    value: u64,
}

/// The fields read, by tag, taken one by one as the options are built; what
/// is left over does not belong.
struct Fields {
    fields: [Option<Field>; 256],
    /// The end of the options: where a missing or stray field is reported.
    end: usize,
}

impl Fields {
    /// The field `tag`, which must be there.
    fn take_field(&mut self, tag: u8, what: &str) -> std::result::Result<Field, DecodeError> {
        self.fields[usize::from(tag)].take().ok_or_else(|| {
            DecodeError::new(
                self.end,
                format!("the keyspace options lack their {what} (tag {tag})"),
            )
        })
    }

    /// The value of the field `tag`, which must be there.
    fn take(&mut self, tag: u8, what: &str) -> std::result::Result<u64, DecodeError> {
        Ok(self.take_field(tag, what)?.value)
    }

    fn compression(&mut self) -> std::result::Result<CompressionType, DecodeError> {
        match self.take(OPTION_COMPRESSION, "compression")? {
            COMPRESSION_NONE => Ok(CompressionType::None),
            COMPRESSION_LZ4 => Ok(CompressionType::Lz4),
            COMPRESSION_ZSTD => {
                let Field { at, value } = self.take_field(OPTION_ZSTD_LEVEL, "zstd level")?;
                let level = unzigzag(value).ok_or_else(|| {
                    DecodeError::new(
                        at,
                        format!("zstd level {value} is no zigzag-encoded 32-bit level"),
                    )
                })?;
                Ok(CompressionType::Zstd { level })
            }
            code => Err(DecodeError::unsupported(
                self.end,
                format!("a keyspace compressed with compression code {code}"),
            )),
        }
    }

    fn compaction(&mut self) -> std::result::Result<StoredCompaction, DecodeError> {
        match self.take(OPTION_COMPACTION_STYLE, "compaction style")? {
            COMPACTION_LEVELED => Ok(StoredCompaction::Leveled {
                level0_file_num_compaction_trigger: self.take(
                    OPTION_LEVEL0_FILE_NUM_COMPACTION_TRIGGER,
                    "level0_file_num_compaction_trigger",
                )?,
                max_bytes_for_level_base: self
                    .take(OPTION_MAX_BYTES_FOR_LEVEL_BASE, "max_bytes_for_level_base")?,
                max_bytes_for_level_multiplier: self.take(
                    OPTION_MAX_BYTES_FOR_LEVEL_MULTIPLIER,
                    "max_bytes_for_level_multiplier",
                )?,
            }),
            COMPACTION_SIZE_TIERED => Ok(StoredCompaction::SizeTiered {
                min_merge_width: self.take(OPTION_MIN_MERGE_WIDTH, "min_merge_width")?,
                max_size_amplification_percent: self.take(
                    OPTION_MAX_SIZE_AMPLIFICATION_PERCENT,
                    "max_size_amplification_percent",
                )?,
            }),
            code => Err(DecodeError::unsupported(
                self.end,
                format!("a keyspace compacted with compaction style code {code}"),
            )),
        }
    }

    /// The MemTable filter flag, 0 or 1. A flag has no third value a later
    /// FerrisDB could mean, so any other is damage, not a newer option.
    fn memtable_filter(&mut self) -> std::result::Result<bool, DecodeError> {
        let Field { at, value } = self.take_field(OPTION_MEMTABLE_FILTER, "memtable filter")?;
        match value {
            MEMTABLE_FILTER_OFF => Ok(false),
            MEMTABLE_FILTER_ON => Ok(true),
            _ => Err(DecodeError::new(
                at,
                format!("the memtable filter flag {value} is neither 0 (off) nor 1 (on)"),
            )),
        }
    }

    /// Checks that every field read went into the options: a zstd level
    /// without zstd, or a field of the other compaction style, is damage.
    fn none_left(&self) -> std::result::Result<(), DecodeError> {
        match self.fields.iter().position(Option::is_some) {
            None => Ok(()),
            Some(tag) => Err(DecodeError::new(
                self.end,
                format!(
                    "the keyspace options hold tag {tag}, which does not go with their \
                     compression or compaction style"
                ),
            )),
        }
    }
}
