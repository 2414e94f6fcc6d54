//! A compatible feature this FerrisDB does not know is no reason to refuse a
//! database: it opens, reads and writes it, and every manifest it writes (at
//! open, flush, compaction, close and checkpoint) keeps the feature's flag
//! and records as they were, so the newer FerrisDB that declared them finds
//! them again.

use std::path::Path;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::manifest::{self, Features};
use ferrisdb_storage::{FeatureClass, RecoveryMode, StorageEngine};

mod common;

use common::{dir, fault_config};

fn features(fs: &FaultFileSystem, dir: &Path) -> Features {
    manifest::load(fs, dir).unwrap().unwrap().features
}

#[test]
fn an_unknown_compatible_feature_survives_every_manifest_this_ferrisdb_writes() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    db.put("a", "1").unwrap();
    db.close().unwrap();

    // What a newer FerrisDB declared.
    let mut state = manifest::load(&fs, &dir()).unwrap().unwrap();
    state.features.add_record(
        FeatureClass::Compatible,
        6,
        b"from a newer FerrisDB".to_vec(),
    );
    state.features.declare(FeatureClass::Compatible, 40);
    manifest::store(&fs, &dir(), &state).unwrap();
    let declared = state.features;

    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    assert_eq!(features(&fs, &dir()), declared, "open rewrote the manifest");
    assert_eq!(db.get("a").unwrap().unwrap(), "1");
    db.put("b", "2").unwrap();
    db.flush().unwrap();
    db.delete("a").unwrap();
    db.compact().unwrap();
    assert_eq!(
        features(&fs, &dir()),
        declared,
        "after a flush and a compaction"
    );
    db.checkpoint("/checkpoint").unwrap();
    assert_eq!(
        features(&fs, Path::new("/checkpoint")),
        declared,
        "in a checkpoint"
    );
    db.close().unwrap();
    assert_eq!(features(&fs, &dir()), declared, "after a close");

    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    assert_eq!(db.get("a").unwrap(), None);
    assert_eq!(db.get("b").unwrap().unwrap(), "2");
    db.close().unwrap();
}
