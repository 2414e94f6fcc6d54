//! Regression: the `equal` profile gave FerrisDB a flush thread beside its
//! compaction threads, one background thread more than the peers. It counts
//! the threads of this process, so it lives alone in its own test binary:
//! no other test starts threads meanwhile.

use std::path::Path;
use std::time::{Duration, Instant};

use ferrisdb_benches::compare::{FerrisDbOpener, FjallOpener, OpenOptions, Opener, Profile, EQUAL};

/// Threads of this process now (they exist once `spawn` has returned,
/// whereas their names are set later by the threads themselves).
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// Threads an open database of `opener` in the equal profile adds.
fn threads_of(opener: &dyn Opener, dir: &Path) -> usize {
    let options = OpenOptions {
        profile: Profile::Equal,
        sync: false,
        lz4: false,
    };
    let before = threads();
    let db = opener.open(dir, &options).unwrap();
    let added = threads() - before;
    db.close().unwrap();
    // An engine's threads may end a little after `close` returns (fjall's
    // workers are not joined): wait for them, or the next engine's count
    // would be short by each one that ends during its open.
    let deadline = Instant::now() + Duration::from_secs(10);
    while threads() > before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    added
}

/// `EQUAL.background_threads` is "threads for flushes and compactions",
/// the same for every engine. fjall gets `worker_threads(2)`: two workers
/// that run flushes and compactions alike. FerrisDB gets
/// `background_threads = 2`, which in FerrisDB counts compaction threads
/// only: `StorageEngine::open` also starts a dedicated `ferrisdb-flush`
/// thread, so FerrisDB runs 3 background threads to fjall's 2, and its
/// flushes never queue behind a compaction.
#[cfg(target_os = "linux")]
#[test]
fn every_engine_gets_the_same_background_threads_in_the_equal_profile() {
    let dir = tempfile::tempdir().unwrap();
    let fjall = threads_of(&FjallOpener, &dir.path().join("fjall"));
    let ferrisdb = threads_of(&FerrisDbOpener, &dir.path().join("ferrisdb"));
    assert_eq!(fjall, EQUAL.background_threads, "fjall's threads");
    assert_eq!(
        ferrisdb, EQUAL.background_threads,
        "FerrisDB's threads (fjall has {fjall})"
    );
}
