//! A database written by commit b436042 opens and reads the same today.
//!
//! `tests/fixtures/db-b436042` was written by commit b436042, the last
//! commit before keyspaces reached the files (a table's keyspace as an
//! extension of its properties, and the manifest's incompatible feature
//! `keyspaces` with its record). Its database format is version 4, and it
//! holds every on-disk format of that time:
//! - `000004.sst`, level 2, LZ4 data blocks: round 1;
//! - `000009.sst`, level 1, zstd data blocks: round 2, overwrites and
//!   tombstones, merged from level 0;
//! - `000012.sst`, level 0, no compression: round 3, overwrites and
//!   tombstones;
//! - `000011.wal`, round 4, never flushed, sealed by a clean close: a
//!   version-3 log (the version at byte 8), whose 53 records are of kind
//!   DATA, each a batch of one entry carrying keyspace 0, and a seal;
//! - `MANIFEST`, format version 4 (the version at byte 8), no features
//!   declared and no feature records, naming the three tables and the
//!   closed log with its length.
//!
//! The table format did not change between b95a38c and b436042, and the
//! same sessions wrote the same rounds, so the three tables are byte for
//! byte those of `db-b95a38c`; the log and the manifest are what differ.
//!
//! The writer was a test beside b436042's engine, with the default settings
//! but for these, session by session (each opened the directory again), the
//! sessions of `db-b95a38c`'s writer:
//! 1. `compression: Lz4`, `disable_auto_compactions`: round 1, then `flush`
//!    and `compact` (to level 1); reopened with automatic compactions and a
//!    `CompactionStyle::Leveled` of `max_bytes_for_level_base: 4096`, which
//!    moved the table to level 2 (`wait_for_compactions`);
//! 2. `compression: Zstd { level: 3 }`, a `CompactionStyle::Leveled` of
//!    `level0_file_num_compaction_trigger: 1`: round 2, `flush`, and the
//!    compaction of level 0 into level 1 (`wait_for_compactions`);
//! 3. `compression: None`, `disable_auto_compactions`: round 3, `flush`,
//!    round 4, `close`.
//!
//! The rounds wrote what `common::four_rounds::model` describes, in its
//! order, with the same keys and values, one `put` or `delete` per key.

mod common;

use common::four_rounds::{assert_layout, model};
use common::old_database::{assert_fixture_reads_as, fixture};
use ferrisdb_storage::internals::manifest::{Features, ManifestState};

const FIXTURE: &str = "db-b436042";

/// The fixture is what the module docs say: a table per level, each with
/// its own compression, tombstones in the newer two, and a sealed log of
/// version 3, under a manifest of version 4 that declares no feature.
#[test]
fn the_fixture_holds_three_levels_three_compressions_and_a_closed_log() {
    assert_layout(FIXTURE, 4, 3);
    let path = fixture(FIXTURE).join("MANIFEST");
    let state = ManifestState::decode(&std::fs::read(&path).unwrap(), &path).unwrap();
    assert_eq!(state.features, Features::default(), "no features");
}

#[test]
fn a_database_written_at_b436042_reads_as_it_was_written() {
    // Its log replays through today's batch encoding into the default
    // keyspace; compacting rewrites the old tables with today's default
    // compression, and the database still reads the same after a reopen.
    assert_fixture_reads_as(FIXTURE, &model(), 330);
}
