//! A keyspace's [`KeyspaceOptions`] to and from what its manifest record
//! stores of them, [`StoredOptions`]: the one place of the conversion, both
//! ways.
//!
//! The manifest stores plain numbers and checks their shape; whether they
//! are settings the engine accepts is this module's rule, the one of
//! [`KeyspaceOptions::validate`]. The manifest never names the config, so
//! the conversion lives here, above it.

use std::path::Path;

use super::compaction_style::CompactionStyle;
use super::keyspace_options::KeyspaceOptions;
use super::leveled_options::LeveledOptions;
use super::size_tiered_options::SizeTieredOptions;
use crate::manifest::{StoredCompaction, StoredOptions};
use crate::{Error, Result};

// A `usize` widens to a `u64` without loss on every target, so storing needs
// no check; reading a stored `u64` back into a `usize` does.
const _: () = assert!(usize::BITS <= u64::BITS);

impl From<&KeyspaceOptions> for StoredOptions {
    /// What a keyspace's manifest record stores of its options: every
    /// field, as a plain number.
    fn from(options: &KeyspaceOptions) -> Self {
        let compaction = match options.compaction_style {
            CompactionStyle::Leveled(leveled) => StoredCompaction::Leveled {
                level0_file_num_compaction_trigger: leveled.level0_file_num_compaction_trigger
                    as u64,
                max_bytes_for_level_base: leveled.max_bytes_for_level_base,
                max_bytes_for_level_multiplier: leveled.max_bytes_for_level_multiplier,
            },
            CompactionStyle::SizeTiered(tiered) => StoredCompaction::SizeTiered {
                min_merge_width: tiered.min_merge_width as u64,
                max_size_amplification_percent: tiered.max_size_amplification_percent,
            },
        };
        StoredOptions {
            memtable_size: options.memtable_size as u64,
            block_size: options.block_size as u64,
            bloom_bits_per_key: options.bloom_filter_bits_per_key as u64,
            compression: options.compression,
            compaction,
            memtable_filter: options.memtable_filter,
        }
    }
}

/// The options of the keyspace named `keyspace` as its record in the
/// manifest `manifest` stores them (`stored`), checked as
/// [`KeyspaceOptions::validate`] checks options given to the engine: the
/// inverse of `StoredOptions::from(&KeyspaceOptions)`.
///
/// They are not checked against the database's level-0 triggers, which
/// bound the compaction style too: those are settings of the database's
/// config, which may change between opens, so that check is the opener's,
/// against the config it opens with.
///
/// # Errors
///
/// [`Error::Corruption`] naming `manifest`, at offset 0, with the keyspace
/// and the setting in its reason, for a stored value that
/// [`KeyspaceOptions::validate`] refuses (a `memtable_size` of 0, a zstd
/// level out of range, ...), in the words `validate` has for it, or one a
/// `usize` of this machine cannot hold.
///
/// - Corruption, not [`Error::InvalidArgument`]: the value comes from the
///   file, not from the caller, who cannot correct it. The engine stores
///   only options that passed `validate`, and the manifest's checksum
///   matched, so such a value is damage written before the checksum was
///   computed, or a bug; restoring the manifest is the remedy.
/// - Not [`Error::UnsupportedFormat`]: a later FerrisDB whose options take
///   values this one refuses declares a feature for them
///   (`docs/format/README.md`, "Declaring a feature"), as it would for a new
///   option tag, so an undeclared one is not a newer format.
/// - Offset 0: the options reach this check decoded, without their place in
///   the file, so the reason names the keyspace instead.
/// - A value a `usize` cannot hold is possible only where a `usize` is
///   narrower than 64 bits, and such a value (a MemTable over 4 GiB) could
///   not be used there anyway; it is refused, never truncated.
pub fn keyspace_options_from_stored(
    stored: &StoredOptions,
    keyspace: &str,
    manifest: &Path,
) -> Result<KeyspaceOptions> {
    let refused = |reason: String| {
        Error::corruption(
            manifest,
            0,
            format!("the options stored for keyspace {keyspace:?} are refused: {reason}"),
        )
    };
    let options = from_stored(stored).map_err(refused)?;
    options.validate().map_err(|e| match e {
        Error::InvalidArgument(reason) => refused(reason),
        other => refused(other.to_string()),
    })?;
    Ok(options)
}

/// `stored` as [`KeyspaceOptions`], every value narrowed with a check, none
/// checked against its range yet.
fn from_stored(stored: &StoredOptions) -> std::result::Result<KeyspaceOptions, String> {
    let compaction_style = match stored.compaction {
        StoredCompaction::Leveled {
            level0_file_num_compaction_trigger,
            max_bytes_for_level_base,
            max_bytes_for_level_multiplier,
        } => CompactionStyle::Leveled(LeveledOptions {
            level0_file_num_compaction_trigger: narrow(
                level0_file_num_compaction_trigger,
                "level0_file_num_compaction_trigger",
            )?,
            max_bytes_for_level_base,
            max_bytes_for_level_multiplier,
        }),
        StoredCompaction::SizeTiered {
            min_merge_width,
            max_size_amplification_percent,
        } => CompactionStyle::SizeTiered(SizeTieredOptions {
            min_merge_width: narrow(min_merge_width, "min_merge_width")?,
            max_size_amplification_percent,
        }),
    };
    Ok(KeyspaceOptions {
        compaction_style,
        compression: stored.compression,
        bloom_filter_bits_per_key: narrow(stored.bloom_bits_per_key, "bloom_filter_bits_per_key")?,
        block_size: narrow(stored.block_size, "block_size")?,
        memtable_size: narrow(stored.memtable_size, "memtable_size")?,
        memtable_filter: stored.memtable_filter,
    })
}

/// The stored `value` of the setting `what` as a `T` (a `usize`, here), or
/// why it is not one.
fn narrow<T: TryFrom<u64>>(value: u64, what: &str) -> std::result::Result<T, String> {
    T::try_from(value).map_err(|_| {
        format!(
            "{what} {value} is more than this machine's {}-bit integer for it holds",
            8 * std::mem::size_of::<T>()
        )
    })
}

#[cfg(test)]
mod tests;
