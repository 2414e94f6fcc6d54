//! The keyspaces `open` restores from the manifest: each one's settings,
//! from the options its record stores, and its tables, opened and checked
//! (step 3 of `open`, `recovery.rs`).
//!
//! A manifest without the keyspaces record (every database written before
//! keyspaces) lists no keyspace besides `default`, so it opens into
//! `default` alone, as it always did.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use crate::config::keyspace_options_from_stored;
use crate::filename::{table_file_name, MANIFEST_FILE_NAME};
use crate::fs::FileSystem;
use crate::manifest::{KeyspaceRecord, ManifestState, TableRecord};
use crate::versions::{
    KeyspaceSet, KeyspaceSettings, KeyspaceVersions, Table, Version, VersionSet,
};
use crate::{Error, KeyspaceId, Result, StorageConfig};

/// The keyspaces besides `default` that `state` lists, each made with the
/// settings its record stores and an empty MemTable whose writes go to log
/// `active_log`, in the order listed (ascending id).
///
/// # Errors
///
/// [`Error::Corruption`] naming the manifest for stored options the engine
/// refuses (see [`keyspace_options_from_stored`]);
/// [`Error::InvalidArgument`] naming the keyspace for a compaction style the
/// level-0 triggers of `config` no longer allow (see [`settings_of`]).
pub(super) fn keyspaces_of(
    config: &StorageConfig,
    state: &ManifestState,
    active_log: u64,
) -> Result<Vec<Arc<KeyspaceVersions>>> {
    let manifest = config.data_dir.join(MANIFEST_FILE_NAME);
    state
        .keyspaces
        .records
        .iter()
        .map(|record| {
            let settings = settings_of(record, config, &manifest)?;
            let ks = KeyspaceVersions::new(record.id, &record.name, settings, active_log);
            Ok(Arc::new(ks))
        })
        .collect()
}

/// The settings of the keyspace `record` describes, in a database opened
/// with `config`.
///
/// A keyspace's compaction style was checked, when it was stored, against
/// the level-0 triggers of the config of that time: the triggers are the
/// database's settings, shared by every keyspace and given anew at each
/// open. A config whose triggers no longer fit the stored style (a leveled
/// `level0_file_num_compaction_trigger` above `level0_slowdown_writes_trigger`,
/// or a size-tiered `min_merge_width` above `level0_stop_writes_trigger`)
/// would stall the keyspace's writes, or stop them for good, so the open is
/// refused rather than the keyspace's stored options changed behind the
/// user's back. It is the config the caller gave that is at fault, hence
/// [`Error::InvalidArgument`], naming the keyspace and both settings: open
/// with triggers that fit, as the database had when the keyspace was made.
fn settings_of(
    record: &KeyspaceRecord,
    config: &StorageConfig,
    manifest: &Path,
) -> Result<KeyspaceSettings> {
    let options = keyspace_options_from_stored(&record.options, &record.name, manifest)?;
    let layers = options.layer_options(config).map_err(|error| match error {
        Error::InvalidArgument(reason) => Error::InvalidArgument(format!(
            "keyspace {:?} is stored with settings the database's config no longer allows: \
             {reason}; open with level-0 triggers that fit it, as the database had when the \
             keyspace was made",
            record.name
        )),
        other => other,
    })?;
    Ok(KeyspaceSettings {
        table: layers.table,
        memtable_size: options.memtable_size,
        memtable_filter: options.memtable_filter,
        strategy: layers.strategy,
    })
}

/// Opens every table the manifest lists, in every keyspace, by level, and
/// installs each keyspace's in its super version. Every table must be
/// listed once, exist, have the size the manifest records and open, and
/// each level below 0 of a keyspace must be sorted by key with disjoint
/// ranges.
///
/// REQUIRES: `versions` holds every keyspace `state` lists.
pub(super) fn open_tables(versions: &VersionSet, state: &ManifestState) -> Result<()> {
    let set = versions.keyspaces();
    install_tables(versions.fs.as_ref(), &versions.dir, &set, state, |record| {
        versions.open_table(record.clone())
    })
}

/// [`open_tables`] into the keyspaces of `set`, in the database at `dir`
/// on `fs`, each table opened by `open`: a read-only instance catching up
/// reuses the tables it has open (`read_only.rs`).
///
/// REQUIRES: `set` holds every keyspace `state` lists.
pub(super) fn install_tables(
    fs: &dyn FileSystem,
    dir: &Path,
    set: &KeyspaceSet,
    state: &ManifestState,
    mut open: impl FnMut(&TableRecord) -> Result<Arc<Table>>,
) -> Result<()> {
    let mut keyspaces: BTreeMap<KeyspaceId, Vec<Vec<Arc<Table>>>> = BTreeMap::new();
    let mut listed = BTreeSet::new();
    for (keyspace, record) in state.all_tables() {
        if !listed.insert(record.file_number) {
            return Err(damaged_manifest(
                dir,
                format!("it lists table {} twice", record.file_number),
            ));
        }
        let path = dir.join(table_file_name(record.file_number));
        if !fs.exists(&path)? {
            return Err(Error::corruption(
                &path,
                0,
                "the manifest lists this table but the file is missing; restore it from a backup",
            ));
        }
        // Opening checks the table is the one the record describes.
        let table = open(record)?;
        let holds = table.with_reader(|reader| Ok(reader.properties().keyspace))?;
        check_keyspace(state, keyspace, holds, &path)?;
        // The manifest's decoder bounds levels by NUM_LEVELS.
        let level = record.level as usize;
        let levels = keyspaces.entry(keyspace).or_default();
        if levels.len() <= level {
            levels.resize_with(level + 1, Vec::new);
        }
        levels[level].push(table);
    }
    for (id, levels) in keyspaces {
        check_levels(dir, &levels)?;
        let Some(ks) = set.get(id) else {
            // The decoder refuses a table listed under no keyspace.
            debug_assert!(false, "keyspace {id} lists tables but is not open");
            continue;
        };
        let version = Arc::new(Version { levels });
        ks.modify_current(|now| now.with_version(version, &[]));
    }
    Ok(())
}

/// Checks that the table at `path`, which its properties say `holds` the
/// entries of keyspace `holds`, holds those of the keyspace the manifest
/// lists it under, `listed_under`. The id in the table
/// is written by the flush or compaction that made it, and the list it is
/// in by the manifest store that installed it: a table under the wrong list
/// would serve one keyspace's keys as another's, so the open is refused.
pub(super) fn check_keyspace(
    state: &ManifestState,
    listed_under: KeyspaceId,
    holds: KeyspaceId,
    path: &Path,
) -> Result<()> {
    if holds == listed_under {
        return Ok(());
    }
    let name = |id: KeyspaceId| match state.keyspaces.get(id) {
        Some(record) => format!("{:?} (id {id})", record.name),
        None if id == crate::DEFAULT_KEYSPACE_ID => format!("\"default\" (id {id})"),
        None => format!("id {id}"),
    };
    Err(Error::corruption(
        path,
        0,
        format!(
            "the manifest lists this table under keyspace {}, but the table holds the entries \
             of keyspace {}: restore the MANIFEST and the table from a backup",
            name(listed_under),
            name(holds)
        ),
    ))
}

/// Checks the levels of one keyspace's tables.
///
/// The manifest lists tables in read order: level 0 newest first (a
/// size-tiered merge output is newer than the runs after it but may have a
/// higher file number than newer flushes, so the list order is the truth),
/// each deeper level one sorted run: by key, with disjoint user-key ranges
/// (an output is split only between two user keys). Every version keeps
/// that shape, and reads rely on it: a point read looks in the one table of
/// a deeper level whose range holds the key, and a scan reads the level as
/// one run.
pub(super) fn check_levels(dir: &Path, levels: &[Vec<Arc<Table>>]) -> Result<()> {
    for (level, tables) in levels.iter().enumerate().skip(1) {
        for pair in tables.windows(2) {
            let (a, b) = (&pair[0].record, &pair[1].record);
            if !a.ends_before(&b.smallest.user_key) {
                return Err(damaged_manifest(
                    dir,
                    format!(
                        "level {level} lists table {} (keys {} to {}) before table {} (keys {} \
                         to {}), but the tables of a level below 0 are sorted by key with \
                         disjoint ranges",
                        a.file_number, a.smallest, a.largest, b.file_number, b.smallest, b.largest
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A corruption error naming the manifest of `dir`, which lists what the
/// engine never writes (`reason`).
fn damaged_manifest(dir: &Path, reason: String) -> Error {
    Error::corruption(
        dir.join(MANIFEST_FILE_NAME),
        0,
        format!(
            "the manifest is damaged: {reason}; nothing was deleted; restore the MANIFEST from a \
             backup"
        ),
    )
}
