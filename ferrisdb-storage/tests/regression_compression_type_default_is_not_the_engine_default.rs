//! Bug (API, fixed): LZ4 became the default compression (`StorageConfig::default()`
//! has `compression: CompressionType::Lz4`, README and docs/performance.md
//! say "LZ4 by default"), but `CompressionType`'s own `Default` said
//! `None` (`ferrisdb-core/src/options.rs`, `#[default] None`). So code that
//! builds its settings from the type's default, e.g.
//! `compression: CompressionType::default()` or a config struct of its own
//! with `#[derive(Default)]`, silently turns compression off. `SyncMode`'s
//! `Default` (`Normal`) does match the engine's.
//!
//! The fix makes `Lz4` the `#[default]` variant, said in its docs.

use ferrisdb_storage::{CompressionType, StorageConfig, SyncMode};

#[test]
fn the_type_defaults_agree_with_the_engine_defaults() {
    let engine = StorageConfig::default();
    assert_eq!(SyncMode::default(), engine.wal_sync_mode);
    assert_eq!(
        CompressionType::default(),
        engine.compression,
        "CompressionType::default() is not the engine's default compression"
    );
}
