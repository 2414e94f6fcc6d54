use super::*;
use std::path::PathBuf;

/// A one-entry block whose buffer holds `capacity` bytes.
fn block(capacity: usize) -> Arc<Block> {
    let mut data = Vec::with_capacity(capacity);
    // shared 0, unshared 1, value 0, "k", timestamp 0, Put; restart [0], count 1.
    data.extend_from_slice(&[0, 1, 0, b'k', 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    data.extend_from_slice(&0u32.to_le_bytes());
    data.extend_from_slice(&1u32.to_le_bytes());
    Arc::new(Block::new(data, Arc::new(PathBuf::from("c.sst")), 0).unwrap())
}

/// Reads `key` as a table reader does: on a miss, the block is read and
/// cached.
fn read(cache: &BlockCache, key: CacheKey, block: &Arc<Block>) {
    if cache.get(key).is_none() {
        cache.insert(key, Arc::clone(block));
    }
}

#[test]
fn hits_misses_and_eviction_within_capacity() {
    let one = block(4096);
    let cache = BlockCache::new(one.charge() * 64);
    for i in 0..1000u64 {
        cache.insert((1, i * 4096), Arc::clone(&one));
        assert!(cache.usage() <= cache.capacity());
        // The block just cached is there.
        assert!(cache.get((1, i * 4096)).is_some());
    }
    assert!(cache.usage() > cache.capacity() / 2, "{cache:?}");
    assert_eq!((cache.hits(), cache.misses()), (1000, 0));
    let cached = (0..1000u64)
        .filter(|i| cache.get((1, i * 4096)).is_some())
        .count();
    assert!((1..=64).contains(&cached), "{cached} blocks cached");
    assert_eq!(cache.hits() + cache.misses(), 2000);
    assert_eq!(cache.hits(), 1000 + cached as u64);
    // Other files never alias.
    assert!(cache.get((2, 999 * 4096)).is_none());
    // Re-inserting a key replaces it without counting it twice.
    let usage = cache.usage();
    cache.insert((1, 999 * 4096), Arc::clone(&one));
    assert_eq!(cache.usage(), usage);
    assert_eq!(cache.blocks_read(), 0);
}

#[test]
fn a_block_larger_than_its_shard_or_a_cache_of_no_bytes_caches_nothing() {
    let small = block(4096);
    let cache = BlockCache::new(small.charge() * 64);
    let big = block(cache.capacity() + 1);
    cache.insert((1, 0), big);
    assert!(cache.get((1, 0)).is_none());
    assert_eq!(cache.usage(), 0);

    let off = BlockCache::new(0);
    off.insert((1, 0), small);
    assert!(off.get((1, 0)).is_none());
    assert_eq!((off.usage(), off.capacity()), (0, 0));
    assert_eq!(off.misses(), 1);
}

/// The reason for `quick_cache`: blocks that readers come back to survive a
/// scan that reads many times the cache's size once each. An LRU keeps
/// only the scan's last blocks.
#[test]
fn blocks_read_again_survive_a_scan_of_cold_blocks() {
    let one = block(4096);
    let blocks = 1024u64;
    let cache = BlockCache::new(one.charge() * blocks as usize);
    // A full cache of blocks read once, as after a while of serving.
    for i in 0..2 * blocks {
        read(&cache, (1, i), &one);
    }
    // The blocks readers keep coming back to: read a few times.
    let hot: Vec<CacheKey> = (0..32).map(|i| (2, i)).collect();
    for _ in 0..3 {
        for &key in &hot {
            read(&cache, key, &one);
        }
    }
    // A scan of ten times the cache, each block read once.
    for i in 0..10 * blocks {
        read(&cache, (3, i), &one);
        assert!(cache.usage() <= cache.capacity());
    }
    let kept = hot.iter().filter(|&&k| cache.get(k).is_some()).count();
    assert_eq!(kept, hot.len(), "{kept} of {} read blocks kept", hot.len());
}

#[test]
fn counters_from_many_threads_add_up() {
    let one = block(4096);
    let cache = Arc::new(BlockCache::new(one.charge() * 64));
    cache.insert((1, 0), Arc::clone(&one));
    let threads: Vec<_> = (0..STRIPES as u64 + 3)
        .map(|t| {
            let cache = Arc::clone(&cache);
            std::thread::spawn(move || {
                for _ in 0..100 {
                    cache.get_counted((1, 0), true);
                    cache.get_counted((9, t), false);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let n = STRIPES as u64 + 3;
    assert_eq!(
        (cache.hits(), cache.misses(), cache.blocks_read()),
        (100 * n, 100 * n, 100 * n)
    );
}

#[test]
fn a_cache_of_any_capacity_opens_without_reserving_it() {
    // quick_cache sizes its tables from the estimated item count: the
    // largest capacities must neither panic nor allocate up front.
    for capacity in [1, 4095, usize::MAX / 2, usize::MAX] {
        let cache = BlockCache::new(capacity);
        let one = block(4096);
        cache.insert((1, 0), Arc::clone(&one));
        assert!(cache.usage() <= cache.capacity());
        assert_eq!(cache.capacity(), capacity);
    }
}
