//! A database written by a newer FerrisDB, in a way this one would misread,
//! is refused with `Error::UnsupportedFormat` naming its manifest, before any
//! other file is read and without changing anything: a log this FerrisDB
//! cannot read is never reported as damage when the manifest says why.
//!
//! The newer FerrisDB is simulated: the manifest of a database written today
//! is given a newer format version, or an incompatible feature, and a log
//! record is changed into bytes this FerrisDB cannot read (as a new record
//! tag would be).

use std::collections::BTreeMap;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::manifest::{self, format};
use ferrisdb_storage::internals::wal::wal_files;
use ferrisdb_storage::{Error, FeatureClass, RecoveryMode, StorageEngine, Unsupported};

mod common;

use common::{dir, fault_config};

/// A database with a table and a log holding writes a close sealed.
fn written_database() -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    db.put("in a table", "1").unwrap();
    db.flush().unwrap();
    for i in 0..20 {
        db.put(format!("in the log {i}"), "2").unwrap();
    }
    db.close().unwrap();
    fs
}

/// Changes a byte in the middle of the database's log: for this FerrisDB,
/// an unreadable record.
fn change_a_log_record(fs: &FaultFileSystem) {
    let (_, log) = wal_files(fs, &dir()).unwrap().pop().unwrap();
    let mut bytes = fs.read_all(&log).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    let mut file = fs.create(&log).unwrap();
    file.append(&bytes).unwrap();
    file.sync().unwrap();
}

/// Every file of the database but its lock, which holds no data.
fn files(fs: &FaultFileSystem) -> BTreeMap<String, Vec<u8>> {
    fs.list(&dir())
        .unwrap()
        .into_iter()
        .filter(|name| name != "LOCK")
        .map(|name| {
            let bytes = fs.read_all(&dir().join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

/// Opens the database and returns what it says it needs, checking that the
/// error names the manifest and that nothing changed.
fn refused(fs: &FaultFileSystem) -> Unsupported {
    let before = files(fs);
    let err = match StorageEngine::open(fault_config(fs, RecoveryMode::default())) {
        Err(err) => err,
        Ok(_) => panic!("a database this FerrisDB cannot read opened"),
    };
    assert_eq!(files(fs), before, "the failed open changed the database");
    assert!(!err.is_corruption(), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("/db/MANIFEST") && msg.contains("newer FerrisDB"),
        "{msg}"
    );
    match err {
        Error::UnsupportedFormat { file, unsupported } => {
            assert_eq!(file, dir().join("MANIFEST"));
            unsupported
        }
        other => panic!("{other}"),
    }
}

#[test]
fn the_log_this_ferrisdb_cannot_read_is_damage_without_a_declaration() {
    // The premise of the other tests: the changed log is damage to a
    // database that declares nothing new.
    let fs = written_database();
    change_a_log_record(&fs);
    let err = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).err();
    assert!(err.as_ref().is_some_and(Error::is_corruption), "{err:?}");
}

#[test]
fn a_newer_format_version_is_refused_by_name() {
    let fs = written_database();
    change_a_log_record(&fs);
    let path = dir().join("MANIFEST");
    let mut bytes = fs.read_all(&path).unwrap();
    let newer = format::FORMAT_VERSION + 1;
    bytes[format::VERSION_OFFSET..format::BODY_LEN_OFFSET].copy_from_slice(&newer.to_le_bytes());
    let crc_at = bytes.len() - format::CHECKSUM_LEN;
    let crc = crc32fast::hash(&bytes[..crc_at]);
    bytes[crc_at..].copy_from_slice(&crc.to_le_bytes());
    let mut file = fs.create(&path).unwrap();
    file.append(&bytes).unwrap();
    file.sync().unwrap();
    drop(file);

    assert_eq!(
        refused(&fs),
        Unsupported::Version {
            found: newer,
            newest_supported: format::FORMAT_VERSION
        }
    );
}

#[test]
fn an_unknown_incompatible_feature_is_refused_by_name() {
    let fs = written_database();
    change_a_log_record(&fs);
    let mut state = manifest::load(&fs, &dir()).unwrap().unwrap();
    state.features.declare(FeatureClass::Incompatible, 5);
    manifest::store(&fs, &dir(), &state).unwrap();

    assert_eq!(
        refused(&fs),
        Unsupported::Features {
            class: FeatureClass::Incompatible,
            unknown: 1 << 5,
            supported: format::INCOMPAT_SUPPORTED
        }
    );
}

#[test]
fn an_unknown_read_only_compatible_feature_is_refused_by_name() {
    let fs = written_database();
    let mut state = manifest::load(&fs, &dir()).unwrap().unwrap();
    state
        .features
        .add_record(FeatureClass::ReadOnlyCompatible, 0, b"data".to_vec());
    manifest::store(&fs, &dir(), &state).unwrap();

    assert!(matches!(
        refused(&fs),
        Unsupported::Features {
            class: FeatureClass::ReadOnlyCompatible,
            unknown: 1,
            ..
        }
    ));
}
