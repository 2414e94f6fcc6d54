//! The versions: which tables are live, by level, and how that changes.
//!
//! LevelDB's `VersionSet`, in one module:
//!
//! - `table.rs`: a live table (its manifest record and open reader), whose
//!   file is deleted once no version lists it and nobody reads it;
//! - `table_cache.rs`: at most `max_open_files` table files open, closing
//!   the least recently used;
//! - `version.rs`: a [`Version`], the live tables by level at one moment,
//!   and point reads over them;
//! - `cursors.rs`: the cursor over a level's tables (or one table), for
//!   merges;
//! - `super_version.rs`: a [`SuperVersion`], what a read needs (MemTables
//!   and a version), and the builders of the next one;
//! - `reads.rs`: the point lookup and the scan of a super version at a
//!   timestamp, range tombstones honoured;
//! - `edit.rs`: a [`VersionEdit`], one change a flush, compaction or
//!   recovery makes;
//! - `keyspace.rs`: a keyspace's [`KeyspaceVersions`] (its id, name and
//!   settings, and its current super version);
//! - `keyspace_set.rs`: the [`KeyspaceSet`], the live keyspaces by id and
//!   by name, replaced whole when one is made or dropped;
//! - `keyspace_lifecycle.rs`: creating a keyspace, changing its options and
//!   dropping it, each one durable manifest write;
//! - `version_set.rs`: the [`VersionSet`], the one owner of the keyspaces,
//!   the manifest and the file numbers, and
//!   [`VersionSet::log_and_apply`], through which every change goes;
//! - `output.rs`: writing sorted entries out as new tables.
//!
//! Nothing here names the engine: flushes, compactions and recovery change
//! the tree through this module.

mod cursors;
mod edit;
pub(crate) mod keyspace;
mod keyspace_lifecycle;
mod keyspace_set;
pub(crate) mod output;
mod reads;
mod super_version;
mod table;
mod table_cache;
mod version;
mod version_set;

pub(crate) use cursors::LevelCursor;
pub(crate) use edit::VersionEdit;
pub(crate) use keyspace::{KeyspaceSettings, KeyspaceVersions};
pub(crate) use keyspace_set::KeyspaceSet;
pub(crate) use output::TableOutput;
pub(crate) use super_version::{Frozen, SuperVersion};
pub(crate) use table::Table;
pub(crate) use table_cache::{check_record, TableCache};
pub(crate) use version::{any_covers, older_tables, ranges_meet, Version};
pub(crate) use version_set::VersionSet;
