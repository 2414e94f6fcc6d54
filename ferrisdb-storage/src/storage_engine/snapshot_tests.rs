//! A snapshot read through the handle of a keyspace dropped before the
//! snapshot was taken (found by the review of issue 19's groundwork).
//!
//! The issue: "Using [a handle] after its keyspace was dropped is an error,
//! not a panic." A snapshot taken after the drop does not hold the keyspace
//! (its set is the one of its instant); `view_of` answered as for a keyspace
//! made after the snapshot, empty and `Ok`, so the caller could not tell
//! "dropped" from "empty". It now checks the handle.

use std::sync::Arc;

use crate::fs::FaultFileSystem;
use crate::{Error, StorageConfig, StorageEngine};

#[test]
fn a_snapshot_read_through_a_handle_dropped_before_it_is_refused() {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    let handle = db.keyspace("default").unwrap();
    handle.put("k", "v").unwrap();

    // What a drop does, simulated as the handle tests do: the keyspace is
    // marked dropped, and the set installed afterwards lacks it, so a
    // snapshot taken after the drop holds the set without it.
    handle.ks.mark_dropped();
    let mut snapshot = db.snapshot().unwrap();
    snapshot.keyspaces = Arc::new(snapshot.keyspaces.with_dropped(handle.ks.id()));

    // The handle's own reads refuse it ...
    assert!(matches!(
        handle.get("k"),
        Err(Error::KeyspaceDropped { .. })
    ));
    // ... and so must the snapshot's reads through it.
    let got = snapshot.get_in(&handle, "k");
    assert!(
        matches!(got, Err(Error::KeyspaceDropped { .. })),
        "get_in through a dropped keyspace's handle returned {got:?}"
    );
    let scan = snapshot.iter_in(&handle).map(|s| s.count());
    assert!(
        matches!(scan, Err(Error::KeyspaceDropped { .. })),
        "iter_in through a dropped keyspace's handle returned {scan:?}"
    );
}
