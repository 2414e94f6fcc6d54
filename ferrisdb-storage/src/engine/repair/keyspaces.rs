//! The keyspaces of the repaired database: the manifest's, when it could
//! be read, with their names and options; otherwise every keyspace id a
//! table or a log names, with the database's default options, the default
//! keyspace as `default` and every other as `recovered-<id>` (a keyspace's
//! name and options live only in the manifest), and `unknown-<file>` for
//! the entries of a table that no longer says whose they are. A manifest
//! older than the directory's files (`stale.rs`) gives its keyspaces, and
//! those made after it was written are found as without one.

use std::collections::BTreeMap;

use crate::config::keyspace_options_from_stored;
use crate::filename::MANIFEST_FILE_NAME;
use crate::manifest::{KeyspaceRecord, ManifestState, StoredOptions};
use crate::sstable::TableOptions;
use crate::{KeyspaceId, KeyspaceOptions, Result, StorageConfig, DEFAULT_KEYSPACE_ID};

/// One keyspace repair writes.
#[derive(Debug, Clone)]
pub(super) struct RepairKeyspace {
    pub(super) id: KeyspaceId,
    pub(super) name: String,
    /// Its stored options: `None` for the default keyspace, whose options
    /// the config gives at each open.
    pub(super) stored: Option<StoredOptions>,
    /// What its tables are written with.
    pub(super) table: TableOptions,
    /// With a manifest, the oldest log holding its writes that its tables
    /// do not: those of earlier logs are taken from its tables only.
    pub(super) log_number: u64,
}

/// Every keyspace of the repaired database, by id.
#[derive(Debug)]
pub(super) struct RepairKeyspaces {
    config: StorageConfig,
    default_table: TableOptions,
    pub(super) by_id: BTreeMap<KeyspaceId, RepairKeyspace>,
    /// The ids a table or log names that are added, from this one on:
    /// none (`None`) when the manifest is current, since it lists every
    /// keyspace; its next keyspace id when it is stale, since an id below
    /// that it does not list was dropped (ids are never reused), and one
    /// above was made after it was written; every id without a manifest.
    found_from: Option<KeyspaceId>,
}

impl RepairKeyspaces {
    /// The keyspaces `state` lists (the default one always), or only the
    /// default one without a manifest, written with `default_table` for
    /// the default keyspace; `stale` when `state` is older than the
    /// directory's files.
    ///
    /// # Errors
    ///
    /// As `open`: a keyspace whose stored options cannot be read, or that
    /// `config`'s level-0 triggers no longer allow.
    pub(super) fn new(
        config: &StorageConfig,
        default_table: TableOptions,
        state: Option<&ManifestState>,
        stale: bool,
    ) -> Result<Self> {
        let found_from = match state {
            Some(state) if stale => Some(state.keyspaces.next_keyspace_id),
            Some(_) => None,
            None => Some(DEFAULT_KEYSPACE_ID),
        };
        let mut keyspaces = RepairKeyspaces {
            config: config.clone(),
            default_table,
            by_id: BTreeMap::new(),
            found_from,
        };
        let default_log = state.map_or(0, |s| s.keyspaces.default_log_number);
        keyspaces.by_id.insert(
            DEFAULT_KEYSPACE_ID,
            RepairKeyspace {
                id: DEFAULT_KEYSPACE_ID,
                name: "default".into(),
                stored: None,
                table: TableOptions {
                    keyspace: DEFAULT_KEYSPACE_ID,
                    ..default_table
                },
                log_number: default_log,
            },
        );
        for record in state.map_or(&[][..], |s| &s.keyspaces.records[..]) {
            let keyspace = keyspaces.keyspace_of(record)?;
            keyspaces.by_id.insert(record.id, keyspace);
        }
        Ok(keyspaces)
    }

    fn keyspace_of(&self, record: &KeyspaceRecord) -> Result<RepairKeyspace> {
        let manifest = self.config.data_dir.join(MANIFEST_FILE_NAME);
        let options = keyspace_options_from_stored(&record.options, &record.name, &manifest)?;
        let table = options.layer_options(&self.config)?.table;
        Ok(RepairKeyspace {
            id: record.id,
            name: record.name.clone(),
            stored: Some(record.options.clone()),
            table: TableOptions {
                keyspace: record.id,
                ..table
            },
            log_number: record.log_number,
        })
    }

    /// Adds keyspace `id`, found in a table or a log, unless the manifest
    /// said it does not exist (a keyspace it does not list was dropped).
    pub(super) fn found(&mut self, id: KeyspaceId) {
        if self.found_from.is_some_and(|from| from <= id) {
            self.add(id);
        }
    }

    /// Adds keyspace `id`, `recovered-<id>`, with the database's default
    /// options, unless it is one already.
    fn add(&mut self, id: KeyspaceId) {
        if self.by_id.contains_key(&id) {
            return;
        }
        let options = KeyspaceOptions::from(&self.config);
        self.by_id.insert(
            id,
            RepairKeyspace {
                id,
                name: format!("recovered-{id}"),
                stored: Some(StoredOptions::from(&options)),
                table: TableOptions {
                    keyspace: id,
                    ..self.default_table
                },
                log_number: 0,
            },
        );
    }

    /// A new keyspace, `unknown-<file>`, for the readable entries of the
    /// table `file` when nothing says whose they are (no manifest lists it,
    /// and its properties are lost): its entries are kept, and mixed into no
    /// keyspace they may not be of. Its id is one no table or log names,
    /// nor a stale manifest gave a keyspace it then dropped.
    pub(super) fn unknown(&mut self, file: &str) -> KeyspaceId {
        let listed = self.by_id.keys().next_back().copied().unwrap_or(0);
        let highest = listed.max(self.found_from.unwrap_or(0).saturating_sub(1));
        // Ids run out only when a damaged file names the largest: then the
        // smallest free one.
        let id = (highest.saturating_add(1)..=KeyspaceId::MAX)
            .chain(1..highest)
            .find(|id| !self.by_id.contains_key(id))
            .unwrap_or(highest);
        self.add(id);
        if let Some(keyspace) = self.by_id.get_mut(&id) {
            keyspace.name = format!("unknown-{file}");
        }
        id
    }

    /// Whether the keyspace `id` is one of them.
    pub(super) fn contains(&self, id: KeyspaceId) -> bool {
        self.by_id.contains_key(&id)
    }

    /// The name of keyspace `id`, if it is one of them.
    pub(super) fn name(&self, id: KeyspaceId) -> Option<String> {
        self.by_id.get(&id).map(|k| k.name.clone())
    }
}
