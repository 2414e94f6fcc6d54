//! SSTable speed: building a table of 1,000,000 entries (16-byte keys,
//! 100-byte values), random gets of present and absent keys with a warm block
//! cache, and a full scan.
//!
//! `cargo bench -p ferrisdb-benches --bench sstable`

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::sstable::{
    table_file_name, BlockCache, TableBuilder, TableOptions, TableReader,
};
use ferrisdb_storage::sstable::Cursor;
use ferrisdb_storage::{CompressionType, Operation};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const ENTRIES: u64 = 1_000_000;
const VALUE_LEN: usize = 100;

/// The 16-byte key of entry `i`; present keys are even, absent ones odd.
fn key(i: u64) -> [u8; 16] {
    let mut k = *b"key:000000000000";
    let digits = format!("{i:012}");
    k[4..].copy_from_slice(digits.as_bytes());
    k
}

fn build(path: &Path, values: &[u8]) -> u64 {
    let fs = os_file_system();
    // Uncompressed: the numbers measure the table format and its reader.
    let options = TableOptions {
        compression: CompressionType::None,
        ..TableOptions::default()
    };
    let mut w = TableBuilder::create(fs, path, options).unwrap();
    for i in 0..ENTRIES {
        let start = (i as usize * 7) % (values.len() - VALUE_LEN);
        w.add_parts(
            &key(i * 2),
            1,
            Operation::Put,
            &values[start..start + VALUE_LEN],
        )
        .unwrap();
    }
    w.finish().unwrap().file_size
}

fn sstable(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(42);
    let values: Vec<u8> = (0..64 * 1024).map(|_| rng.random()).collect();

    let mut group = c.benchmark_group("sstable");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(ENTRIES));
    let mut n = 100;
    group.bench_function("build_1m", |b| {
        b.iter_batched(
            || {
                n += 1;
                dir.path().join(table_file_name(n))
            },
            |path| {
                black_box(build(&path, &values));
                std::fs::remove_file(path).unwrap();
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    let path = dir.path().join(table_file_name(1));
    build(&path, &values);
    let fs = os_file_system();
    let cache = Arc::new(BlockCache::new(512 << 20));
    let table = TableReader::open(&fs, &path, Some(cache.clone())).unwrap();
    // Warm the cache with a scan.
    let mut it = table.iter();
    it.seek_to_first().unwrap();
    while it.valid() {
        it.next().unwrap();
    }

    let mut group = c.benchmark_group("sstable");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    group.bench_function("get_present_warm", |b| {
        b.iter(|| {
            let i = rng.random_range(0..ENTRIES) * 2;
            let found = table.get(&key(i), u64::MAX).unwrap();
            debug_assert!(found.is_some());
            black_box(found)
        })
    });
    group.bench_function("get_absent_warm", |b| {
        b.iter(|| {
            let i = rng.random_range(0..ENTRIES) * 2 + 1;
            black_box(table.get(&key(i), u64::MAX).unwrap())
        })
    });
    group.throughput(Throughput::Elements(ENTRIES));
    group.sample_size(10);
    group.bench_function("scan_1m_warm", |b| {
        b.iter(|| {
            let mut it = table.iter();
            it.seek_to_first().unwrap();
            let mut bytes = 0usize;
            while it.valid() {
                bytes += it.user_key().len() + it.value().len();
                it.next().unwrap();
            }
            black_box(bytes)
        })
    });
    group.finish();
    println!(
        "block cache: {} hits, {} misses, {} of {} bytes used",
        cache.hits(),
        cache.misses(),
        cache.usage(),
        cache.capacity()
    );
}

criterion_group!(benches, sstable);
criterion_main!(benches);
