//! A database written by commit b95a38c opens and reads the same today.
//!
//! `tests/fixtures/db-b95a38c` was written by commit b95a38c, the last
//! commit before the log's batches carried a keyspace id per entry
//! (database format version 4, WAL format version 3). It holds every
//! on-disk format of that time:
//! - `000004.sst`, level 2, LZ4 data blocks: round 1;
//! - `000009.sst`, level 1, zstd data blocks: round 2, overwrites and
//!   tombstones, merged from level 0;
//! - `000012.sst`, level 0, no compression: round 3, overwrites and
//!   tombstones;
//! - `000011.wal`, round 4, never flushed, sealed by a clean close: a
//!   version-2 log, whose batch records hold batches in their first
//!   encoding, and a seal;
//! - `MANIFEST`, format version 3 (feature flags, none set, and no feature
//!   records), naming the three tables and the closed log with its length.
//!
//! The writer was a test beside b95a38c's engine, with the default settings
//! but for these, session by session (each opened the directory again), the
//! sessions of `db-e827e06`'s writer in b95a38c's configuration:
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
//! order, with the same keys and values.

mod common;

use common::four_rounds::{assert_layout, model};
use common::old_database::assert_fixture_reads_as;

const FIXTURE: &str = "db-b95a38c";

/// The fixture is what the module docs say: a table per level, each with
/// its own compression, tombstones in the newer two, and a sealed log of
/// version 2, under a manifest of version 3.
#[test]
fn the_fixture_holds_three_levels_three_compressions_and_a_closed_log() {
    assert_layout(FIXTURE, 3, 2);
}

#[test]
fn a_database_written_at_b95a38c_reads_as_it_was_written() {
    // Its log replays through the first batch encoding; compacting rewrites
    // the old tables with today's default compression, and the database
    // still reads the same after a reopen.
    assert_fixture_reads_as(FIXTURE, &model(), 330);
}
