//! The limits a batch's entries are held to when it is written: the one
//! place a write checks key, value and range sizes and the entry count,
//! before anything is logged.

use ferrisdb_core::{compare_user_keys, Error, Result};

use super::entry::starts_past_every_key;
use super::{Entry, WriteBatch};

impl WriteBatch {
    /// Checks one entry's key and value against the size limits:
    /// [`Error::KeyTooLarge`] or [`Error::ValueTooLarge`] with the length and
    /// the limit. The engine applies it to every write, once, with
    /// `StorageConfig::max_key_size` and `max_value_size`.
    ///
    /// # Errors
    ///
    /// As above, when a limit is exceeded.
    pub fn check_entry_size(
        key: &[u8],
        value: &[u8],
        max_key_size: usize,
        max_value_size: usize,
    ) -> Result<()> {
        if key.len() > max_key_size {
            return Err(Error::KeyTooLarge {
                len: key.len(),
                limit: max_key_size,
            });
        }
        if value.len() > max_value_size {
            return Err(Error::ValueTooLarge {
                len: value.len(),
                limit: max_value_size,
            });
        }
        Ok(())
    }

    /// Checks one entry against the size limits, as the engine does on every
    /// write: a put or a delete as [`check_entry_size`](Self::check_entry_size)
    /// does; a range delete's bounds each as a key one byte longer, since the
    /// end of `..=k` and the start of `(Excluded(k), ..)` are the key after
    /// `k`, `k` followed by `0x00`. An empty range, which no public method adds, is refused too:
    /// replay would refuse it.
    pub(crate) fn check_entry(
        entry: &Entry<'_>,
        max_key_size: usize,
        max_value_size: usize,
    ) -> Result<()> {
        let (start, end) = match *entry {
            Entry::Point { key, value, .. } => {
                return Self::check_entry_size(key, value, max_key_size, max_value_size)
            }
            Entry::RangeDelete {
                start,
                end: Some(end),
                ..
            } if compare_user_keys(start, end).is_ge() => {
                return Err(Error::InvalidArgument(
                    "a range delete whose start is not below its end: an empty range deletes \
                     nothing, and is never logged"
                        .into(),
                ))
            }
            Entry::RangeDelete { start, end, .. } => (start, end.unwrap_or_default()),
        };
        // A bound may be one byte longer than a key: `..=k` ends, and
        // `(Excluded(k), ..)` starts, at `k + [0x00]`.
        let limit = max_key_size.saturating_add(1);
        for (len, limit) in [(start.len(), limit), (end.len(), limit)] {
            if len > limit {
                return Err(Error::KeyTooLarge { len, limit });
            }
        }
        // A table must end an unbounded range after its start within the
        // same length; the one start of the longest length with nothing after
        // it (all 0xff) holds no key anyway.
        if starts_past_every_key(start) {
            return Err(Error::KeyTooLarge {
                len: start.len(),
                limit: max_key_size,
            });
        }
        Ok(())
    }

    /// Checks that the batch's entry count fits its encoding (a `u32`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a batch of more than `u32::MAX`
    /// entries; split it.
    pub fn check_count(&self) -> Result<()> {
        if self.count > u64::from(u32::MAX) {
            return Err(Error::InvalidArgument(format!(
                "a batch of {} entries is over the limit of {} entries: split it into \
                 smaller batches",
                self.count,
                u32::MAX
            )));
        }
        Ok(())
    }
}
