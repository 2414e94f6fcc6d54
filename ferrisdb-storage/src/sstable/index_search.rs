//! Finding the data block that may hold a key: a binary search over the
//! index's last keys, laid out so that most probes touch one cache line.
//!
//! A get in a table of 64 MiB binary-searches some 16,000 last keys: about 14
//! probes, each a likely cache miss, and twice that when every probe must
//! follow a pointer to the key's bytes. Two observations make most probes
//! cheap:
//!
//! - Keys in one table often share a long prefix (`db_bench`'s keys are
//!   zero-padded numbers: a million of them share their first ten bytes).
//!   The longest prefix common to all last keys is stored once, and the
//!   target is compared with it once.
//! - The next 8 bytes, zero-padded and read as a big-endian `u64` (the
//!   key's *window*), order two keys whenever they differ: if one window is
//!   smaller, so is its key (a shorter key pads with zeros, and a prefix sorts
//!   first). Only equal windows need the rest of the key and the timestamp.
//!
//! So a probe reads one 24-byte entry, and the key bytes only on a tie.

use std::cmp::Ordering;

use ferrisdb_core::{compare_user_keys, InternalKey, Timestamp};

/// One block's last key, as searched.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The 8 bytes after the shared prefix, zero-padded, big-endian.
    window: u64,
    timestamp: Timestamp,
    /// Where the key's bytes after the shared prefix are in `suffixes`.
    start: u32,
    len: u32,
}

/// The index's last keys, ready for [`find`](IndexSearch::find).
#[derive(Debug, Default)]
pub(crate) struct IndexSearch {
    shared: Vec<u8>,
    entries: Vec<Entry>,
    suffixes: Vec<u8>,
}

impl IndexSearch {
    /// Lays out `last_keys`, the blocks' last keys in order, or returns `None`
    /// if their bytes exceed 4 GiB (no real index comes close).
    pub(crate) fn new<'a>(
        last_keys: impl Iterator<Item = &'a InternalKey> + Clone,
    ) -> Option<Self> {
        let shared = common_prefix(last_keys.clone().map(|k| k.user_key.as_slice()));
        let mut search = IndexSearch {
            entries: Vec::with_capacity(last_keys.size_hint().0),
            shared: shared.to_vec(),
            suffixes: Vec::new(),
        };
        for key in last_keys {
            let suffix = &key.user_key[shared.len()..];
            search.entries.push(Entry {
                window: window(suffix),
                timestamp: key.timestamp,
                start: u32::try_from(search.suffixes.len()).ok()?,
                len: u32::try_from(suffix.len()).ok()?,
            });
            search.suffixes.extend_from_slice(suffix);
        }
        u32::try_from(search.suffixes.len()).ok()?;
        Some(search)
    }

    /// The first block whose last key is at or after `(user_key,
    /// timestamp)` in [`InternalKey`] order, or `None` if every block's last
    /// key is before it.
    pub(crate) fn find(&self, user_key: &[u8], timestamp: Timestamp) -> Option<usize> {
        let n = self.shared.len();
        let head = &user_key[..n.min(user_key.len())];
        let i = match compare_user_keys(head, &self.shared[..head.len()]) {
            // Every last key starts with `shared`: the target sorts before
            // them all, or after them all.
            Ordering::Less => 0,
            Ordering::Greater => self.entries.len(),
            // A proper prefix of `shared` sorts before every last key.
            Ordering::Equal if user_key.len() < n => 0,
            Ordering::Equal => {
                let rest = &user_key[n..];
                let target = window(rest);
                // `partition_point` by hand: with a closure, the compiler
                // has called the comparison out of line in some builds,
                // which costs every point read ~14 calls.
                let (mut low, mut high) = (0, self.entries.len());
                while low < high {
                    let mid = low + (high - low) / 2;
                    if self.is_before(&self.entries[mid], rest, target, timestamp) {
                        low = mid + 1;
                    } else {
                        high = mid;
                    }
                }
                low
            }
        };
        (i < self.entries.len()).then_some(i)
    }

    /// Whether `entry`'s last key sorts before `(shared + rest, timestamp)`,
    /// `target` being the window of `rest`.
    #[inline(always)]
    fn is_before(&self, entry: &Entry, rest: &[u8], target: u64, timestamp: Timestamp) -> bool {
        match entry.window.cmp(&target) {
            Ordering::Equal => {
                let start = entry.start as usize;
                let suffix = &self.suffixes[start..start + entry.len as usize];
                InternalKey::compare_parts(suffix, entry.timestamp, rest, timestamp).is_lt()
            }
            order => order.is_lt(),
        }
    }

    /// Bytes it holds on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.shared.capacity()
            + self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.suffixes.capacity()
    }
}

/// The longest prefix of all `keys` (empty if there are none).
fn common_prefix<'a>(mut keys: impl Iterator<Item = &'a [u8]>) -> &'a [u8] {
    let Some(mut prefix) = keys.next() else {
        return &[];
    };
    for key in keys {
        let same = prefix.iter().zip(key).take_while(|(a, b)| a == b).count();
        prefix = &prefix[..same];
    }
    prefix
}

/// The first 8 bytes of `bytes`, zero-padded, as a big-endian integer.
fn window(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    let len = bytes.len().min(8);
    word[..len].copy_from_slice(&bytes[..len]);
    u64::from_be_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: a plain binary search over the full keys.
    fn reference(keys: &[InternalKey], user_key: &[u8], ts: Timestamp) -> Option<usize> {
        let i = keys.partition_point(|k| {
            InternalKey::compare_parts(&k.user_key, k.timestamp, user_key, ts).is_lt()
        });
        (i < keys.len()).then_some(i)
    }

    fn check(keys: &[InternalKey], probes: &[(&[u8], Timestamp)]) {
        let search = IndexSearch::new(keys.iter()).unwrap();
        for &(key, ts) in probes {
            assert_eq!(
                search.find(key, ts),
                reference(keys, key, ts),
                "probe {key:?}@{ts} in {keys:?}"
            );
        }
    }

    #[test]
    fn agrees_with_a_plain_search_on_db_bench_keys() {
        let keys: Vec<InternalKey> = (0..500u64)
            .map(|i| InternalKey::new(format!("{:016}", i * 37).into_bytes(), 1000 - i))
            .collect();
        let probes: Vec<(Vec<u8>, Timestamp)> = (0..20_000u64)
            .map(|i| {
                (
                    format!("{:016}", i).into_bytes(),
                    [0, 500, 990, u64::MAX][i as usize % 4],
                )
            })
            .chain([
                (Vec::new(), 0),
                (b"0".to_vec(), 5),
                (b"00000000000".to_vec(), 5),
                (b"1".to_vec(), 5),
                (b"000000000001850".to_vec(), 5),
                (b"00000000000185000".to_vec(), 5),
            ])
            .collect();
        let probes: Vec<(&[u8], Timestamp)> = probes.iter().map(|(k, t)| (&k[..], *t)).collect();
        check(&keys, &probes);
    }

    #[test]
    fn agrees_on_prefixes_zero_bytes_and_versions_of_one_key() {
        // Keys that are prefixes of each other, end in zero bytes (padding
        // must not confuse them), and repeat with different timestamps.
        let keys: Vec<InternalKey> = [
            (&b"k"[..], 9),
            (b"k\0", 4),
            (b"k\0\0", 7),
            (b"k\0\0\0\0\0\0\0\0", 3),
            (b"k\0\0\0\0\0\0\0\0\x01", 8),
            (b"k\x01", 9),
            (b"k\x01", 2),
            (b"kabcdefgh", 6),
            (b"kabcdefgh\xff", 6),
            (b"kabcdefgi", 1),
            (b"k\xff\xff\xff\xff\xff\xff\xff\xff\xff", 1),
        ]
        .iter()
        .map(|&(k, t)| InternalKey::new(k.to_vec(), t))
        .collect();
        let mut probes: Vec<(&[u8], Timestamp)> = Vec::new();
        for key in &keys {
            for ts in [0, 1, 2, 3, 5, 9, 10, u64::MAX] {
                probes.push((&key.user_key, ts));
                probes.push((&key.user_key[..key.user_key.len() - 1], ts));
            }
        }
        probes.extend([(&b""[..], 0), (b"j", 0), (b"l", 0), (b"k\0\0\0", 0)]);
        check(&keys, &probes);
    }

    #[test]
    fn one_key_and_no_keys() {
        check(
            &[InternalKey::new(b"only".to_vec(), 3)],
            &[(b"only", 3), (b"onl", 0), (b"z", 0)],
        );
        let empty = IndexSearch::new([].iter()).unwrap();
        assert_eq!(empty.find(b"x", 0), None);
    }
}
