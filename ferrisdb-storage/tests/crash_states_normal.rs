//! Power loss under `SyncMode::Normal`, the default, over the crash model's
//! states (`FaultFileSystem::crash_with`): unsynced pages of every file lost,
//! zeroed, torn or garbage in any combination (a later page kept while an
//! earlier one is lost included), unsynced names surviving in any
//! combination; at sampled points of a seeded workload that calls
//! `sync_wal` now and then, and every third time a second power loss during
//! the recovery.
//!
//! Promise: the database opens in the default recovery mode and holds
//! exactly the state after `W1 ..= Wm` for some `m`, a prefix of the
//! writes with no holes, and `m` covers every write acknowledged before the
//! last completed `sync_wal` (or `flush`, or `close`). One workload of four
//! writes three keyspaces, one deletes ranges and prefixes too (alone and
//! inside batches), so a range delete is also whole or absent with its
//! batch (`reliability::shape`).
//!
//! `FERRISDB_CRASH_STATE_POINTS` (default 400) sets the crash points, each
//! tried with 2 crash states; `FERRISDB_CRASH_SEED` (default 0) the seeds;
//! `FERRISDB_CRASH_REPLAY=w:k:s` replays one state (the failure prints it).

mod reliability;

use ferrisdb_storage::fs::CrashKind;
use ferrisdb_storage::SyncMode;
use reliability::*;

#[test]
fn normal_mode_recovers_a_prefix_holding_every_synced_write() {
    let figures = power_loss(Plan {
        test: "crash_states_normal",
        mode: SyncMode::Normal,
        points: env_or("FERRISDB_CRASH_STATE_POINTS", 400),
        states: 2,
        base_seed: env_or("FERRISDB_CRASH_SEED", 0),
    });
    eprintln!("{figures}");
    if replay().is_none() {
        // Batches across keyspaces, and writes with range deletes, were cut
        // by crashes.
        assert!(figures.cross_keyspace > 0);
        assert!(figures.range_deletes > 0);
        // The states the promise is about happened: logs that kept a later
        // page after losing an earlier one, recoveries that had to cut a log
        // before valid records, and acknowledged writes that were not
        // synced and are gone.
        assert!(figures.log_kinds.get(&CrashKind::KeptAfterLost) > Some(&0));
        assert!(figures.cut_before_valid_records > 0);
        assert!(figures.acknowledged_lost > 0);
    }
}
