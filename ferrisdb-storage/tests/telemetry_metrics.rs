//! With the `metrics` feature, the engine reports its operations through the
//! `metrics` facade to whatever recorder the application installs; with the
//! `serde` feature, `EngineStats` serializes. CI runs this file with
//! `--features metrics,serde`; without them it holds no test.
#![cfg(all(feature = "metrics", feature = "serde"))]

use std::collections::HashMap;

use ferrisdb_storage::{StorageConfig, StorageEngine};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

#[test]
fn writes_gets_and_scans_are_counted_and_timed() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("the only recorder of this test binary");

    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    for i in 0..10 {
        db.put(format!("k{i}"), "v").unwrap();
    }
    assert!(db.get("k3").unwrap().is_some());
    assert!(db.get("absent").unwrap().is_none());
    assert_eq!(db.iter().unwrap().count(), 10);
    db.flush().unwrap();

    let mut counters: HashMap<String, u64> = HashMap::new();
    let mut histograms: HashMap<String, usize> = HashMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key();
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let name = if labels.is_empty() {
            key.name().to_string()
        } else {
            format!("{}{{{}}}", key.name(), labels.join(","))
        };
        match value {
            DebugValue::Counter(n) => {
                counters.insert(name, n);
            }
            DebugValue::Histogram(samples) => {
                histograms.insert(name, samples.len());
            }
            DebugValue::Gauge(_) => {}
        }
    }
    assert_eq!(
        counters.get("ferrisdb_writes_total"),
        Some(&10),
        "{counters:?}"
    );
    assert!(counters["ferrisdb_write_bytes_total"] >= 10 * 3);
    assert_eq!(counters.get("ferrisdb_gets_total{found=true}"), Some(&1));
    assert_eq!(counters.get("ferrisdb_gets_total{found=false}"), Some(&1));
    assert!(counters["ferrisdb_scans_total"] >= 1);
    assert_eq!(
        histograms.get("ferrisdb_write_seconds"),
        Some(&10),
        "{histograms:?}"
    );
    assert_eq!(histograms.get("ferrisdb_get_seconds"), Some(&2));
    assert_eq!(counters.get("ferrisdb_flushes_total"), Some(&1));

    let stats = serde_json::to_value(db.stats()).unwrap();
    assert_eq!(stats["flushes"], 1, "{stats}");
    assert!(stats["levels"].is_array(), "{stats}");
    // The memory figures, in bytes: the flushed table's index and filter,
    // the block a get from it caches, the configured cache.
    assert!(db.get("k3").unwrap().is_some());
    let stats = serde_json::to_value(db.stats()).unwrap();
    assert!(stats["table_reader_bytes"].as_u64() > Some(0), "{stats}");
    assert!(stats["block_cache_usage"].as_u64() > Some(0), "{stats}");
    assert_eq!(stats["block_cache_capacity"], 64 << 20, "{stats}");
}
