//! The hash of user keys: XXH64 (from the `xxhash-rust` crate) with seed
//! [`KEY_HASH_SEED`].
//!
//! A point read computes it once and hands it to every filter it asks, the
//! MemTables' and the tables', so a read that passes through six filters
//! still hashes its key once. The tables' bloom filters store bits chosen by
//! this hash, so it is on disk: never change the function or the seed.

/// The seed of [`key_hash`].
pub const KEY_HASH_SEED: u64 = 0; // on-disk: never change

/// The hash of `user_key`: XXH64 with [`KEY_HASH_SEED`].
#[inline]
pub fn key_hash(user_key: &[u8]) -> u64 {
    xxhash_rust::xxh64::xxh64(user_key, KEY_HASH_SEED)
}

#[cfg(test)]
mod tests {
    use xxhash_rust::xxh64::xxh64;

    use super::*;

    #[test]
    fn xxh64_matches_reference_vectors() {
        // From the reference implementation (python-xxhash, seed 0): the
        // filters on disk depend on these bytes, whatever crate computes them.
        assert_eq!(xxh64(b"", 0), 0xef46_db37_51d8_e999);
        assert_eq!(xxh64(b"a", 0), 0xd24e_c4f1_a98c_6e5b);
        assert_eq!(xxh64(b"abc", 0), 0x44bc_2cf5_ad77_0999);
        assert_eq!(
            xxh64(b"ferrisdb-bloom-0123456789", 0),
            0x7421_e615_e9b7_84cb
        );
        let hundred: Vec<u8> = (0..100).collect();
        assert_eq!(xxh64(&hundred, 0), 0x6ac1_e580_3216_6597);
        assert_eq!(key_hash(b"abc"), 0x44bc_2cf5_ad77_0999);
    }
}
