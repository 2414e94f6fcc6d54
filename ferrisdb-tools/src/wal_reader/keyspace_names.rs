//! The keyspace column of `wal-reader`: each entry's keyspace id, named by
//! the MANIFEST of the directory the logs are in.
//!
//! Log entries carry only the id (`docs/format/wal.md`); the manifest maps
//! the ids of live keyspaces to names and keeps `next_keyspace_id`, so an
//! id below it that it no longer lists belongs to a dropped keyspace. Id 0
//! is `default` by the log format itself, so it is named even without a
//! manifest.

use std::fmt;
use std::path::Path;

use ferrisdb_core::{KeyspaceId, DEFAULT_KEYSPACE_ID};
use ferrisdb_storage::fs::FileSystem;
use ferrisdb_storage::internals::manifest::format::DEFAULT_KEYSPACE_NAME;
use ferrisdb_storage::internals::manifest::{load, KeyspacesState};

/// The keyspaces a directory's manifest declares, if it could be read.
#[derive(Debug, Default)]
pub(super) struct KeyspaceNames {
    keyspaces: Option<KeyspacesState>,
}

/// What the manifest says of one entry's keyspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KeyspaceLabel<'a> {
    /// The id the entry carries.
    pub(super) id: KeyspaceId,
    /// The keyspace's name, when known.
    pub(super) name: Option<&'a str>,
    /// Whether the manifest knows the id as dropped.
    pub(super) dropped: bool,
}

impl KeyspaceNames {
    /// The names of the manifest in `dir`. Without a manifest, ids go
    /// unnamed; a manifest that does not load (damaged, or of a newer
    /// FerrisDB) does too, and the returned warning says why.
    pub(super) fn load(fs: &dyn FileSystem, dir: &Path) -> (KeyspaceNames, Option<String>) {
        match load(fs, dir) {
            Ok(state) => (
                KeyspaceNames {
                    keyspaces: state.map(|s| s.keyspaces),
                },
                None,
            ),
            Err(e) => (
                KeyspaceNames::default(),
                Some(format!(
                    "keyspace names are unknown, showing ids: cannot read the manifest: {e}"
                )),
            ),
        }
    }

    /// The label of the keyspace `id`.
    pub(super) fn label(&self, id: KeyspaceId) -> KeyspaceLabel<'_> {
        let unnamed = KeyspaceLabel {
            id,
            name: None,
            dropped: false,
        };
        if id == DEFAULT_KEYSPACE_ID {
            return KeyspaceLabel {
                name: Some(DEFAULT_KEYSPACE_NAME),
                ..unnamed
            };
        }
        let Some(keyspaces) = &self.keyspaces else {
            return unnamed;
        };
        match keyspaces.get(id) {
            Some(record) => KeyspaceLabel {
                name: Some(&record.name),
                ..unnamed
            },
            None => KeyspaceLabel {
                dropped: keyspaces.is_dropped(id),
                ..unnamed
            },
        }
    }
}

impl fmt::Display for KeyspaceLabel<'_> {
    /// `users`, `3 (dropped)`, or the bare id when the name is unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(name) => f.write_str(name),
            None if self.dropped => write!(f, "{} (dropped)", self.id),
            None => write!(f, "{}", self.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrisdb_core::CompressionType;
    use ferrisdb_storage::internals::manifest::{StoredCompaction, StoredOptions};

    fn names(keyspaces: Option<KeyspacesState>) -> KeyspaceNames {
        KeyspaceNames { keyspaces }
    }

    fn options() -> StoredOptions {
        StoredOptions {
            memtable_size: 1 << 20,
            block_size: 4096,
            bloom_bits_per_key: 10,
            compression: CompressionType::None,
            compaction: StoredCompaction::SizeTiered {
                min_merge_width: 2,
                max_size_amplification_percent: 200,
            },
            memtable_filter: false,
        }
    }

    #[test]
    fn ids_are_named_dropped_or_bare() {
        let mut state = KeyspacesState::none(1);
        let users = state.create("users", options(), 1).unwrap();
        let log = state.create("log", options(), 1).unwrap();
        state.remove(log);
        let known = names(Some(state));
        assert_eq!(known.label(0).to_string(), "default");
        assert_eq!(known.label(users).to_string(), "users");
        assert_eq!(known.label(log).to_string(), format!("{log} (dropped)"));
        // Never given out: not dropped, just unknown.
        let later = log + 1;
        assert_eq!(known.label(later).to_string(), later.to_string());
        assert!(!known.label(later).dropped);

        let unknown = names(None);
        assert_eq!(unknown.label(0).to_string(), "default");
        assert_eq!(unknown.label(users).to_string(), users.to_string());
        assert_eq!(unknown.label(users).name, None);
    }
}
