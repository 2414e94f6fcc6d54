//! A block cache shared by table readers: sharded LRU bounded in bytes.
//!
//! Keys are `(file id, block offset)`, where the file id is unique in the
//! process and assigned when a reader opens (see
//! [`next_file_id`]), so a reopened or renumbered file never
//! finds another file's blocks. Values are decoded blocks, charged by
//! [`Block::charge`]. Each of the [`SHARDS`] shards is an LRU list
//! threaded through a `Vec` (indices, not pointers) plus a `HashMap` from key
//! to slot, behind its own mutex. A shard counts its own hits, misses and
//! blocks read under that mutex, which a lookup takes anyway: counters
//! shared by every reader would be one more cache line that every block
//! read, on every core, writes.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::block::Block;

/// Number of independently locked shards.
pub const SHARDS: usize = 16;

const NIL: usize = usize::MAX;

/// A process-unique id for a newly opened table file.
pub fn next_file_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The key of a cached block: the reader's file id and the block's offset.
pub type CacheKey = (u64, u64);

/// A fast hasher for [`CacheKey`]s (two integers chosen by the process, not
/// by an attacker, so no DoS-resistant hashing is needed): a multiply-rotate
/// mix per written integer.
#[derive(Debug, Default, Clone, Copy)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517C_C1B7_2722_0A95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type KeyMap = HashMap<CacheKey, usize, BuildHasherDefault<KeyHasher>>;

#[derive(Debug)]
struct Node {
    key: CacheKey,
    block: Option<Arc<Block>>,
    charge: usize,
    prev: usize,
    next: usize,
}

/// One shard: most recently used at `head`, evicted from `tail`.
#[derive(Debug)]
struct LruShard {
    map: KeyMap,
    nodes: Vec<Node>,
    free: Vec<usize>,
    head: usize,
    tail: usize,
    usage: usize,
    capacity: usize,
    hits: u64,
    misses: u64,
    blocks_read: u64,
}

impl LruShard {
    fn new(capacity: usize) -> Self {
        LruShard {
            map: KeyMap::default(),
            nodes: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
            usage: 0,
            capacity,
            hits: 0,
            misses: 0,
            blocks_read: 0,
        }
    }

    fn unlink(&mut self, i: usize) {
        let (prev, next) = (self.nodes[i].prev, self.nodes[i].next);
        if prev == NIL {
            self.head = next;
        } else {
            self.nodes[prev].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.nodes[next].prev = prev;
        }
    }

    fn push_front(&mut self, i: usize) {
        self.nodes[i].prev = NIL;
        self.nodes[i].next = self.head;
        if self.head != NIL {
            self.nodes[self.head].prev = i;
        }
        self.head = i;
        if self.tail == NIL {
            self.tail = i;
        }
    }

    fn get(&mut self, key: &CacheKey) -> Option<Arc<Block>> {
        let i = *self.map.get(key)?;
        self.unlink(i);
        self.push_front(i);
        self.nodes[i].block.clone()
    }

    fn remove_slot(&mut self, i: usize) {
        self.unlink(i);
        let node = &mut self.nodes[i];
        node.block = None;
        self.usage -= node.charge;
        self.map.remove(&node.key);
        self.free.push(i);
    }

    fn insert(&mut self, key: CacheKey, block: Arc<Block>, charge: usize) {
        if let Some(&i) = self.map.get(&key) {
            self.remove_slot(i);
        }
        if charge > self.capacity {
            return;
        }
        while self.usage + charge > self.capacity && self.tail != NIL {
            self.remove_slot(self.tail);
        }
        let node = Node {
            key,
            block: Some(block),
            charge,
            prev: NIL,
            next: NIL,
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.nodes[i] = node;
                i
            }
            None => {
                self.nodes.push(node);
                self.nodes.len() - 1
            }
        };
        self.map.insert(key, i);
        self.usage += charge;
        self.push_front(i);
    }
}

/// Decoded blocks shared between table readers, bounded by bytes.
pub struct BlockCache {
    shards: Vec<Mutex<LruShard>>,
    capacity: usize,
}

impl fmt::Debug for BlockCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockCache")
            .field("capacity", &self.capacity)
            .field("usage", &self.usage())
            .field("hits", &self.hits())
            .field("misses", &self.misses())
            .finish()
    }
}

impl BlockCache {
    /// A cache holding at most `capacity_bytes` of blocks, split evenly
    /// between its shards (a block larger than a shard is not cached).
    pub fn new(capacity_bytes: usize) -> BlockCache {
        let per_shard = capacity_bytes / SHARDS;
        BlockCache {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(LruShard::new(per_shard)))
                .collect(),
            capacity: capacity_bytes,
        }
    }

    fn shard(&self, key: &CacheKey) -> MutexGuard<'_, LruShard> {
        // Mix both halves so consecutive offsets spread over shards.
        let h = (key.0.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (key.1 / 64))
            .wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        let index = (h >> 60) as usize % SHARDS;
        lock_shard(&self.shards[index])
    }

    /// The sum over the shards of what `count` reads from each.
    fn sum<T: std::iter::Sum<T>>(&self, count: impl Fn(&LruShard) -> T) -> T {
        self.shards.iter().map(|s| count(&lock_shard(s))).sum()
    }

    /// The cached block for `key`, counting a hit or a miss.
    pub fn get(&self, key: CacheKey) -> Option<Arc<Block>> {
        self.get_counted(key, false)
    }

    /// [`get`](Self::get), also counting the block in
    /// [`blocks_read`](Self::blocks_read) when `counted` (a user read's
    /// block, found here or about to be read from its file).
    pub(crate) fn get_counted(&self, key: CacheKey, counted: bool) -> Option<Arc<Block>> {
        let mut shard = self.shard(&key);
        let found = shard.get(&key);
        if found.is_some() {
            shard.hits += 1;
        } else {
            shard.misses += 1;
        }
        shard.blocks_read += u64::from(counted);
        found
    }

    /// Caches `block` under `key`, evicting least recently used blocks.
    pub fn insert(&self, key: CacheKey, block: Arc<Block>) {
        let charge = block.charge();
        self.shard(&key).insert(key, block, charge);
    }

    /// Lookups that found their block.
    pub fn hits(&self) -> u64 {
        self.sum(|s| s.hits)
    }

    /// Lookups that did not.
    pub fn misses(&self) -> u64 {
        self.sum(|s| s.misses)
    }

    /// Data blocks that user reads (a `get`, a scan: reads given
    /// `ReadOptions`) took through the readers sharing this cache, from it or
    /// from their files; flushes, compactions and checks do not count. The
    /// engine reports it as `stats().blocks_read`: every table reader of a
    /// database shares its one cache.
    pub fn blocks_read(&self) -> u64 {
        self.sum(|s| s.blocks_read)
    }

    /// Bytes of blocks held now.
    pub fn usage(&self) -> usize {
        self.sum(|s| s.usage)
    }

    /// The most bytes of blocks the cache holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// Locks a shard. A panic while holding the lock leaves the shard
/// consistent (every mutation completes before it could panic), so poison
/// is ignored.
fn lock_shard(shard: &Mutex<LruShard>) -> MutexGuard<'_, LruShard> {
    shard.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn hits_misses_and_lru_eviction_within_capacity() {
        let one = block(1000).charge();
        // Room for about 3 blocks per shard.
        let cache = BlockCache::new(one * 3 * SHARDS + SHARDS);
        for i in 0..200u64 {
            cache.insert((1, i * 4096), block(1000));
            assert!(cache.usage() <= cache.capacity());
        }
        assert!(cache.usage() > 0);
        // The most recent block is there; the first was evicted.
        assert!(cache.get((1, 199 * 4096)).is_some());
        assert!(cache.get((1, 0)).is_none());
        assert_eq!((cache.hits(), cache.misses()), (1, 1));
        // Other files never alias.
        assert!(cache.get((2, 199 * 4096)).is_none());
    }

    #[test]
    fn recently_used_blocks_survive_eviction() {
        let one = block(1000).charge();
        let mut shard = LruShard::new(one * 3);
        for i in 0..3 {
            shard.insert((1, i), block(1000), one);
        }
        assert!(shard.get(&(1, 0)).is_some());
        shard.insert((1, 3), block(1000), one);
        assert!(shard.get(&(1, 0)).is_some(), "touched block kept");
        assert!(shard.get(&(1, 1)).is_none(), "least recently used evicted");
        assert_eq!(shard.usage, one * 3);
        // Re-inserting a key replaces it without double counting.
        shard.insert((1, 3), block(1000), one);
        assert_eq!(shard.usage, one * 3);
        // A block bigger than the shard is not cached.
        shard.insert((1, 9), block(1000), one * 4);
        assert!(shard.get(&(1, 9)).is_none());
    }
}
