//! Every keyspace name the rule refuses is refused by `keyspace` and
//! `keyspace_with` with `Error::InvalidArgument` giving the reason, and
//! creates nothing; names at the limits are accepted.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, KeyspaceOptions, StorageConfig, StorageEngine};

#[test]
fn every_invalid_name_is_refused_with_its_reason() {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    let too_long = "k".repeat(256);
    let refused: [(&str, &str); 7] = [
        ("", "is empty"),
        (&too_long, "of 256 bytes is longer than 255 bytes"),
        ("a/b", "a path separator"),
        ("a\\b", "a path separator"),
        ("tab\there", "a control character"),
        ("nl\n", "a control character"),
        ("\u{7f}", "a control character"),
    ];
    for (name, reason) in refused {
        for err in [
            db.keyspace(name).unwrap_err(),
            db.keyspace_with(name, KeyspaceOptions::default())
                .unwrap_err(),
        ] {
            let Error::InvalidArgument(message) = &err else {
                panic!("{name:?}: {err}")
            };
            assert!(message.contains(reason), "{name:?}: {message}");
        }
    }
    assert_eq!(db.keyspaces(), ["default"], "nothing was created");

    // The limits themselves are fine, as is any other character.
    let longest = "k".repeat(255);
    for name in [longest.as_str(), "a", "users.v2", "ключи", "with space"] {
        db.keyspace(name).unwrap().put("k", name).unwrap();
        assert_eq!(db.keyspace(name).unwrap().get("k").unwrap().unwrap(), name);
    }
    assert_eq!(db.keyspaces().len(), 6);
}
