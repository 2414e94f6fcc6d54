//! MemTable throughput against `crossbeam-skiplist`'s `SkipMap`.
//!
//! Both structures hold the same data: one million entries with 16-byte keys
//! and 100-byte values, keyed by (user key, timestamp) in `InternalKey` order,
//! each value tagged with its `Operation`. Every insert starts from owned
//! `Vec`s on both sides (the MemTable's `put` takes them by value; `SkipMap`
//! keeps them), and every get returns an owned copy of the value on both sides,
//! with the lookup key built before the clock starts.
//!
//! Run with `cargo bench -p ferrisdb-benches --bench memtable`. Set
//! `FERRISDB_BENCH_ENTRIES` to use fewer entries for a quick look.

use std::hint::black_box;
use std::ops::Bound;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crossbeam_skiplist::SkipMap;
use ferrisdb_core::InternalKey;
use ferrisdb_storage::internals::memtable::MemTable;
use ferrisdb_storage::Operation;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

const VALUE: [u8; 100] = [0x5a; 100];
const WRITE_TS: u64 = 1;
const READ_TS: u64 = 10;

type PeerMap = SkipMap<InternalKey, (Operation, Vec<u8>)>;

fn entries() -> usize {
    std::env::var("FERRISDB_BENCH_ENTRIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000)
}

/// 16-byte big-endian keys in ascending order.
fn sequential_keys(n: usize) -> Vec<[u8; 16]> {
    (0..n as u128).map(u128::to_be_bytes).collect()
}

/// The same keys in a random order.
fn shuffled(keys: &[[u8; 16]], seed: u64) -> Vec<[u8; 16]> {
    let mut keys = keys.to_vec();
    keys.shuffle(&mut StdRng::seed_from_u64(seed));
    keys
}

fn fill_memtable(keys: &[[u8; 16]]) -> MemTable {
    let table = MemTable::new(usize::MAX);
    for key in keys {
        table.put(key.to_vec(), VALUE.to_vec(), WRITE_TS).unwrap();
    }
    table
}

fn fill_skipmap(keys: &[[u8; 16]]) -> PeerMap {
    let map = SkipMap::new();
    for key in keys {
        map.insert(
            InternalKey::new(key.to_vec(), WRITE_TS),
            (Operation::Put, VALUE.to_vec()),
        );
    }
    map
}

/// The newest version at or below the read timestamp, as the MemTable's get.
fn skipmap_get(map: &PeerMap, target: &InternalKey) -> Option<(Vec<u8>, Operation)> {
    let entry = map.lower_bound(Bound::Included(target))?;
    (entry.key().user_key == target.user_key).then(|| {
        let (op, value) = entry.value();
        (value.clone(), *op)
    })
}

fn bench_inserts(c: &mut Criterion) {
    let n = entries();
    let sequential = sequential_keys(n);
    let random = shuffled(&sequential, 1);
    for (name, keys) in [
        ("insert_sequential", &sequential),
        ("insert_random", &random),
    ] {
        let mut group = c.benchmark_group(format!("memtable/{name}"));
        group.throughput(Throughput::Elements(n as u64));
        group.sample_size(10);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(10));
        group.bench_function("ferrisdb", |b| {
            b.iter_with_large_drop(|| fill_memtable(keys))
        });
        group.bench_function("crossbeam_skipmap", |b| {
            b.iter_with_large_drop(|| fill_skipmap(keys))
        });
        group.finish();
    }
}

fn bench_gets(c: &mut Criterion) {
    let n = entries();
    let keys = shuffled(&sequential_keys(n), 2);
    let lookups: Vec<InternalKey> = shuffled(&keys, 3)
        .iter()
        .map(|key| InternalKey::new(key.to_vec(), READ_TS))
        .collect();

    let mut group = c.benchmark_group("memtable/get_random");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    {
        let table = fill_memtable(&keys);
        let mut next = lookups.iter().cycle();
        group.bench_function("ferrisdb", |b| {
            b.iter(|| {
                let target = next.next().unwrap();
                black_box(table.get(&target.user_key, target.timestamp)).unwrap()
            })
        });
    }
    {
        let map = fill_skipmap(&keys);
        let mut next = lookups.iter().cycle();
        group.bench_function("crossbeam_skipmap", |b| {
            b.iter(|| black_box(skipmap_get(&map, next.next().unwrap())).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_inserts, bench_gets);
criterion_main!(benches);
