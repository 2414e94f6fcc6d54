//! Whole-engine speed: `put` (WAL on, no sync) and `get` of present and
//! absent keys through `StorageEngine`, 16-byte keys and 100-byte values.
//!
//! `cargo bench -p ferrisdb-benches --bench engine`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode};
use ferrisdb_tools::bench::data::{fill_key, Rng, ValueSource};

const ENTRIES: u64 = 200_000;

fn engine(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let config = StorageConfig {
        wal_sync_mode: SyncMode::Normal,
        ..StorageConfig::new(dir.path())
    };
    let db = StorageEngine::open(config).unwrap();
    let mut rng = Rng::new(7);
    let mut values = ValueSource::new(100, &mut rng);
    let mut key = [0u8; 16];
    for i in 0..ENTRIES {
        fill_key(&mut key, i * 2);
        db.put(key, values.next_value()).unwrap();
    }
    db.flush().unwrap();

    let mut group = c.benchmark_group("engine");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(1));
    group.bench_function("put_random_16_100", |b| {
        b.iter(|| {
            fill_key(&mut key, rng.below(ENTRIES * 2));
            black_box(db.put(key, values.next_value()).unwrap())
        })
    });
    group.bench_function("get_present", |b| {
        b.iter(|| {
            fill_key(&mut key, rng.below(ENTRIES) * 2);
            black_box(db.get(key).unwrap())
        })
    });
    group.bench_function("get_absent", |b| {
        let mut missing = [0u8; 17];
        b.iter(|| {
            fill_key(&mut missing[..16], rng.below(ENTRIES) * 2);
            missing[16] = b'.';
            black_box(db.get(missing).unwrap())
        })
    });
    group.finish();
    db.close().unwrap();
}

criterion_group!(benches, engine);
criterion_main!(benches);
