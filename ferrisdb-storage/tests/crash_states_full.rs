//! Power loss under `SyncMode::Full` over the crash model's states
//! (`FaultFileSystem::crash_with`): unsynced pages of every file lost,
//! zeroed, torn or garbage in any combination, unsynced names surviving in
//! any combination; at sampled points of a seeded workload, and every third
//! time a second power loss during the recovery. Under `Full` what is
//! unsynced at a crash is the write in flight, tables and manifests being
//! written, and names not yet synced.
//!
//! Promise: the database opens in the default recovery mode and holds
//! exactly the state after `W1 ..= Wm` for some `m` at or after the last
//! acknowledged write: every acknowledged write survives, with no holes.
//! One workload of four writes three keyspaces, one deletes ranges and
//! prefixes too (alone and inside batches), so a range delete is also whole
//! or absent with its batch (`reliability::shape`).
//!
//! `FERRISDB_CRASH_STATE_POINTS` (default 400) sets the crash points, each
//! tried with 2 crash states; `FERRISDB_CRASH_SEED` (default 0) the seeds;
//! `FERRISDB_CRASH_REPLAY=w:k:s` replays one state (the failure prints it).

mod reliability;

use ferrisdb_storage::fs::CrashKind;
use ferrisdb_storage::SyncMode;
use reliability::*;

#[test]
fn full_mode_keeps_every_acknowledged_write_through_any_crash_state() {
    let figures = power_loss(Plan {
        test: "crash_states_full",
        mode: SyncMode::Full,
        points: env_or("FERRISDB_CRASH_STATE_POINTS", 400),
        states: 2,
        base_seed: env_or("FERRISDB_CRASH_SEED", 0),
    });
    eprintln!("{figures}");
    assert_eq!(figures.acknowledged_lost, 0);
    if replay().is_none() {
        // Batches across keyspaces, and writes with range deletes, were cut
        // by crashes.
        assert!(figures.cross_keyspace > 0);
        assert!(figures.range_deletes > 0);
        // The crash states were not all prefixes: unsynced names survived
        // without their data, and logs lost data.
        assert!(figures.kinds.get(&CrashKind::UnsyncedNameWithoutData) > Some(&0));
        assert!(figures.log_kinds.get(&CrashKind::CutShort) > Some(&0));
    }
}
