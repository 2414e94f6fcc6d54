//! A block cache shared by table readers: `quick_cache`'s sharded cache,
//! bounded in bytes.
//!
//! Keys are `(file id, block offset)`, where the file id is unique in the
//! process and assigned when a reader opens (see [`next_file_id`]), so a
//! reopened or renumbered file never finds another file's blocks. Values are
//! decoded blocks, charged by [`Block::charge`].
//!
//! The cache is [`quick_cache::sync::Cache`], fjall's block cache too. Its
//! policy (a CLOCK-Pro variant, close to S3-FIFO) resists scans: once the
//! cache is full a new block enters a small "cold" ring and leaves it
//! unless read again soon, while blocks read again stay in the "hot" part
//! that holds most of the bytes. A scan reading many blocks once passes
//! through without evicting the blocks readers keep coming back to, where an
//! LRU gives them up to the scan. A lookup takes its shard's lock shared,
//! so readers of one shard do not queue behind each other.
//!
//! Hits, misses and blocks read are counted per thread, not per cache: each
//! thread adds to one of [`STRIPES`] counter sets on its own cache line, so
//! concurrent readers do not write one shared line on every block read.

use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use quick_cache::sync::{Cache, DefaultLifecycle};
use quick_cache::{OptionsBuilder, Weighter};

use super::block::Block;

/// The fewest independently locked shards the cache has; a machine with
/// more than 4 cores gets 4 per core, as `quick_cache` chooses by default.
/// A small cache gets fewer: `quick_cache` keeps about 32 blocks a shard.
pub const SHARDS: usize = 16;

/// Counter sets a cache keeps; threads are spread over them in the order
/// they first count.
const STRIPES: usize = 16;

/// The block charge the cache expects on average (a 4 KiB block and its
/// bookkeeping), to size its shards and its memory of recently evicted
/// keys.
const EXPECTED_CHARGE: usize = 4096 + std::mem::size_of::<Block>();

/// A process-unique id for a newly opened table file.
pub fn next_file_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The key of a cached block: the reader's file id and the block's offset.
pub type CacheKey = (u64, u64);

/// A fast hasher for [`CacheKey`]s (two integers chosen by the process, not
/// by an attacker, so no DoS-resistant hashing is needed): a multiply-rotate
/// mix per written integer, whose high bits are folded into the low ones at
/// the end, since `quick_cache` picks a shard with the middle bits and its
/// hash tables a bucket with the low ones.
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
        self.0 ^ (self.0 >> 32)
    }
}

/// Charges each block its [`Block::charge`].
#[derive(Debug, Clone, Copy)]
struct ChargeWeighter;

impl Weighter<CacheKey, Arc<Block>> for ChargeWeighter {
    fn weight(&self, _key: &CacheKey, block: &Arc<Block>) -> u64 {
        block.charge() as u64
    }
}

type Blocks = Cache<
    CacheKey,
    Arc<Block>,
    ChargeWeighter,
    BuildHasherDefault<KeyHasher>,
    DefaultLifecycle<CacheKey, Arc<Block>>,
>;

/// One set of counters, alone on its cache line(s).
///
/// `Relaxed` is enough for every counter: each is a sum read for reporting,
/// and no other memory access is ordered by it.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Stripe {
    hits: AtomicU64,
    misses: AtomicU64,
    blocks_read: AtomicU64,
}

/// The counter set of the calling thread: threads take the stripes in turn,
/// so up to [`STRIPES`] threads each count on a line of their own.
fn stripe_index() -> usize {
    // Relaxed: the count only spreads threads over the stripes; any
    // stripe counts correctly.
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: usize = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
    }
    // A thread whose locals are being torn down shares the first.
    INDEX.try_with(|i| *i).unwrap_or(0)
}

/// Decoded blocks shared between table readers, bounded by bytes.
pub struct BlockCache {
    blocks: Blocks,
    capacity: usize,
    stripes: Box<[Stripe]>,
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
    /// between its shards (a block larger than a shard's share is not
    /// cached, and a capacity of 0 caches nothing).
    pub fn new(capacity_bytes: usize) -> BlockCache {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let shards = cores.saturating_mul(4).max(SHARDS).next_power_of_two();
        // `quick_cache` gives each shard the capacity divided rounding up,
        // and may halve the shard count: a multiple of the count divides
        // evenly, so the shards together never exceed `capacity_bytes`.
        let weight_capacity = capacity_bytes - capacity_bytes % shards;
        let options = OptionsBuilder::new()
            .shards(shards)
            .weight_capacity(weight_capacity as u64)
            .estimated_items_capacity(capacity_bytes / EXPECTED_CHARGE)
            .build()
            .expect("weight and items capacity are set");
        BlockCache {
            blocks: Cache::with_options(
                options,
                ChargeWeighter,
                BuildHasherDefault::default(),
                DefaultLifecycle::default(),
            ),
            capacity: capacity_bytes,
            stripes: (0..STRIPES).map(|_| Stripe::default()).collect(),
        }
    }

    /// The sum over the stripes of the counter `counter` picks.
    fn sum(&self, counter: impl Fn(&Stripe) -> &AtomicU64) -> u64 {
        self.stripes
            .iter()
            .map(|s| counter(s).load(Ordering::Relaxed))
            .sum()
    }

    /// The cached block for `key`, counting a hit or a miss.
    pub fn get(&self, key: CacheKey) -> Option<Arc<Block>> {
        self.get_counted(key, false)
    }

    /// [`get`](Self::get), also counting the block in
    /// [`blocks_read`](Self::blocks_read) when `counted` (a user read's
    /// block, found here or about to be read from its file).
    pub(crate) fn get_counted(&self, key: CacheKey, counted: bool) -> Option<Arc<Block>> {
        let found = self.blocks.get(&key);
        let stripe = &self.stripes[stripe_index()];
        let outcome = if found.is_some() {
            &stripe.hits
        } else {
            &stripe.misses
        };
        outcome.fetch_add(1, Ordering::Relaxed);
        if counted {
            stripe.blocks_read.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Caches `block` under `key`, replacing any block cached under it and
    /// evicting blocks as the cache's policy chooses to make room.
    pub fn insert(&self, key: CacheKey, block: Arc<Block>) {
        self.blocks.insert(key, block);
    }

    /// Lookups that found their block.
    pub fn hits(&self) -> u64 {
        self.sum(|s| &s.hits)
    }

    /// Lookups that did not.
    pub fn misses(&self) -> u64 {
        self.sum(|s| &s.misses)
    }

    /// Data blocks that user reads (a `get`, a scan: reads given
    /// `ReadOptions`) took through the readers sharing this cache, from it or
    /// from their files; flushes, compactions and checks do not count. The
    /// engine reports it as `stats().blocks_read`: every table reader of a
    /// database shares its one cache.
    pub fn blocks_read(&self) -> u64 {
        self.sum(|s| &s.blocks_read)
    }

    /// Bytes of blocks held now (their [`Block::charge`]s).
    pub fn usage(&self) -> usize {
        usize::try_from(self.blocks.weight()).unwrap_or(usize::MAX)
    }

    /// The most bytes of blocks the cache holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests;
