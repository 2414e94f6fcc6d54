//! A bloom filter over the user keys of one MemTable, so that a get for a key
//! the MemTable does not hold skips the skip-list search.
//!
//! Right after a burst of writes, the active MemTable holds hundreds of
//! thousands of entries, and every get searches it first: some twenty hops
//! through randomly placed nodes, a cache miss each. A profile of `readrandom`
//! run after `overwrite` spent more than a third of its time there, mostly for
//! keys the MemTable did not have. With the filter, such a get costs one hash
//! and one cache line. (RocksDB has the same idea behind its
//! `memtable_whole_key_filtering` option.)
//!
//! The filter is *register-blocked* (Putze, Sanders and Singler, "Cache-,
//! hash- and space-efficient bloom filters", 2007): each key's [`PROBES`] bits
//! fall in one 64-bit word, so an insert is one `fetch_or` and a lookup one
//! load. It is deliberately small, one byte per 512 bytes of MemTable
//! capacity (128 KiB for 64 MiB): about 2.4 bits per entry of a 16-byte key
//! and a 100-byte value, so a full MemTable's filter passes about 30% of
//! absent keys, and each of those only costs the search the filter would have
//! saved. A filter four times larger (1–2% false positives) made `readrandom`
//! a little faster still, but its random writes crowded the skip list's nodes
//! out of the CPU cache, and every write workload lost 5–10%; at this size
//! the writes measured the same as without a filter. It lives only in memory,
//! so its layout can change freely.
//!
//! # Thread safety
//!
//! Writers set bits with `fetch_or`, readers load them; all `Relaxed`. A
//! writer sets a key's bits *before* it links the entry into the skip list,
//! and the engine publishes the entry to readers only after that (its
//! `visible` timestamp, stored with `Release` and loaded with `Acquire`), so a
//! reader that may see the entry also sees its bits. A reader that races with
//! the insert and misses the bits also misses the entry, which is a correct
//! answer for a read ordered before the write.

use std::sync::atomic::{AtomicU64, Ordering};

use ferrisdb_core::hash::key_hash;

/// Bits set per key, all within one word: 2 is the best count for about 2.4
/// bits per key (`ln 2 × bits per key`, rounded up).
pub const PROBES: u32 = 2;
/// Bytes of MemTable capacity per byte of filter.
pub const CAPACITY_PER_FILTER_BYTE: usize = 512;

/// The largest filter, for MemTables of 2 GiB and up (and the unbounded ones
/// tests make with `usize::MAX`): past this, a bigger filter would not fit a
/// CPU cache anyway.
pub const MAX_FILTER_BYTES: usize = 4 << 20;

/// A concurrent blocked bloom filter over user keys.
#[derive(Debug)]
pub(crate) struct KeyFilter {
    words: Box<[AtomicU64]>,
}

impl KeyFilter {
    /// A filter sized for a MemTable of `capacity` bytes.
    pub(crate) fn for_capacity(capacity: usize) -> Self {
        let bytes = (capacity / CAPACITY_PER_FILTER_BYTE).min(MAX_FILTER_BYTES);
        let words = (bytes / 8).max(1);
        KeyFilter {
            words: (0..words).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Records `key`.
    pub(crate) fn insert(&self, key: &[u8]) {
        let (word, mask) = self.locate(key_hash(key));
        // Relaxed: see the module docs; the entry itself is published later,
        // by the skip list's CAS and the engine's `visible`.
        word.fetch_or(mask, Ordering::Relaxed);
    }

    /// Whether the key whose [`key_hash`] is `hash` may have been inserted:
    /// `false` means certainly not. The read hashes its key once for this
    /// filter and the tables' bloom filters.
    pub(crate) fn may_contain(&self, hash: u64) -> bool {
        let (word, mask) = self.locate(hash);
        // Relaxed: see the module docs.
        word.load(Ordering::Relaxed) & mask == mask
    }

    /// The word of the key whose hash is `hash`, and its bits in it.
    fn locate(&self, hash: u64) -> (&AtomicU64, u64) {
        // The low half picks the word (multiply-shift, no division)...
        let index = ((hash & 0xffff_ffff) * self.words.len() as u64) >> 32;
        // ...and a remix of the whole hash gives the bit positions in it.
        let mut positions = hash.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut mask = 0u64;
        for _ in 0..PROBES {
            mask |= 1 << (positions & 63);
            positions >>= 6;
        }
        (&self.words[index as usize], mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u64) -> Vec<u8> {
        format!("{i:016}").into_bytes()
    }

    #[test]
    fn every_inserted_key_is_found() {
        let filter = KeyFilter::for_capacity(1 << 20);
        let count = if cfg!(miri) { 300 } else { 5_000 };
        for i in (0..count).map(|i| i * 7) {
            filter.insert(&key(i));
        }
        for i in (0..count).map(|i| i * 7) {
            assert!(filter.may_contain(key_hash(&key(i))), "lost key {i}");
        }
    }

    #[test]
    fn false_positives_stay_near_the_design_rate() {
        // A full 1 MiB MemTable of 116-byte entries plus overhead holds about
        // 6,700 entries; the filter has 2 KiB, about 2.4 bits each. A bloom
        // filter with 2 probes is then expected to pass about 30% of absent
        // keys (a half-full one about 10%).
        let capacity = if cfg!(miri) { 64 << 10 } else { 1 << 20 };
        let filter = KeyFilter::for_capacity(capacity);
        let entries = capacity / 156;
        for i in 0..entries as u64 {
            filter.insert(&key(i));
        }
        let trials = if cfg!(miri) { 2_000u64 } else { 100_000 };
        let hits = (0..trials)
            .filter(|t| filter.may_contain(key_hash(&key(1_000_000_000 + t))))
            .count();
        let rate = hits as f64 / trials as f64;
        assert!(rate < 0.36, "false positive rate {rate}");
        assert!(rate > 0.0, "a filter that never says yes is not hashing");
    }

    #[test]
    fn a_tiny_memtable_still_gets_one_word() {
        let filter = KeyFilter::for_capacity(100);
        assert!(!filter.may_contain(key_hash(b"k")));
        filter.insert(b"k");
        assert!(filter.may_contain(key_hash(b"k")));
    }

    /// Regression: `MemTable::new(usize::MAX)` (an unbounded MemTable, as the
    /// concurrency tests make) sized its filter from the capacity and aborted
    /// the process allocating 32 PiB.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "initialises 4 MiB of atomics one by one: minutes under Miri"
    )]
    fn regression_unbounded_memtable_gets_a_bounded_filter() {
        let filter = KeyFilter::for_capacity(usize::MAX);
        assert_eq!(filter.words.len() * 8, MAX_FILTER_BYTES);
        filter.insert(b"k");
        assert!(filter.may_contain(key_hash(b"k")));
    }

    #[test]
    fn concurrent_inserts_lose_no_bits() {
        const PER_THREAD: u64 = if cfg!(miri) { 100 } else { 2_000 };
        let filter = std::sync::Arc::new(KeyFilter::for_capacity(64 << 10));
        let handles: Vec<_> = (0..4u64)
            .map(|t| {
                let filter = std::sync::Arc::clone(&filter);
                std::thread::spawn(move || {
                    for i in 0..PER_THREAD {
                        filter.insert(&key(t * 1_000_000 + i));
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        for t in 0..4u64 {
            for i in 0..PER_THREAD {
                assert!(filter.may_contain(key_hash(&key(t * 1_000_000 + i))));
            }
        }
    }
}
