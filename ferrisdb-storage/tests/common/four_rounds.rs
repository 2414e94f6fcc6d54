//! The database of four rounds that the fixtures `db-e827e06`,
//! `db-b95a38c` and `db-b436042` hold, written by the same sessions at each
//! commit (see their tests' docs): what it holds, and how its files are laid
//! out.

use ferrisdb_storage::internals::manifest::{ClosedLog, ManifestState};

use super::old_database::{first_block_compression, fixture, key, value, Model};

/// What the four rounds wrote, in order, applied to a map.
pub fn model() -> Model {
    let mut map = Model::new();
    for i in 0..300 {
        map.insert(key(i), value(1, i));
    }
    for i in 100..250 {
        map.insert(key(i), value(2, i));
    }
    for i in (0..300).step_by(7) {
        map.remove(&key(i));
    }
    for i in 200..280 {
        map.insert(key(i), value(3, i));
    }
    for i in (1..300).step_by(11) {
        map.remove(&key(i));
    }
    for i in 270..320 {
        map.insert(key(i), value(4, i));
    }
    map.remove(&key(2));
    map.remove(&key(275));
    map.insert(key(14), value(4, 14));
    map
}

/// Checks that the fixture `name` is laid out as the four rounds leave it,
/// under a manifest of `manifest_version` and a log of `log_version`: a
/// table per level, each with its own compression (level 0 none, level 1
/// zstd, level 2 LZ4), tombstones in the newer two, and log 11, sealed by a
/// clean close that the manifest records with its length.
pub fn assert_layout(name: &str, manifest_version: u32, log_version: u32) {
    let dir = fixture(name);
    let path = dir.join("MANIFEST");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        &bytes[8..12],
        &manifest_version.to_le_bytes(),
        "manifest version"
    );
    let state = ManifestState::decode(&bytes, &path).unwrap();

    let tables: Vec<(u32, u64, bool)> = state
        .tables
        .iter()
        .map(|t| (t.level, t.file_number, t.tombstone_count > 0))
        .collect();
    assert_eq!(tables, [(0, 12, true), (1, 9, true), (2, 4, false)]);
    for (number, compression) in [(12, 0), (9, 2), (4, 1)] {
        let table = dir.join(format!("{number:06}.sst"));
        assert_eq!(first_block_compression(&table), compression, "{number}");
    }

    let log = std::fs::read(dir.join("000011.wal")).unwrap();
    assert_eq!(&log[8..12], &log_version.to_le_bytes(), "log version");
    assert_eq!(state.log_number, 11);
    assert_eq!(
        state.closed_log,
        Some(ClosedLog {
            number: 11,
            length: log.len() as u64
        })
    );
}
