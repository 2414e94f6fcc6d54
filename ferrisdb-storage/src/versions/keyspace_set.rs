//! The set of a database's live keyspaces, by id and by name.
//!
//! A [`KeyspaceSet`] is immutable: creating or dropping a keyspace builds a
//! new set from the old one ([`with_created`](KeyspaceSet::with_created),
//! [`with_dropped`](KeyspaceSet::with_dropped)), which the
//! [`VersionSet`](super::VersionSet) installs whole under its manifest lock.
//! A reader clones the `Arc` of the set it needs (a snapshot keeps the one
//! of its instant) and looks keyspaces up without a lock.
//!
//! Ids are given out in order and never reused; the manifest's counter
//! gives them out and is the one record of which ids were ever made
//! ([`VersionSet::was_dropped`](super::VersionSet::was_dropped)).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::KeyspaceVersions;
use crate::{KeyspaceId, DEFAULT_KEYSPACE_ID};

/// The live keyspaces of a database.
#[derive(Debug, Clone)]
pub(crate) struct KeyspaceSet {
    by_id: BTreeMap<KeyspaceId, Arc<KeyspaceVersions>>,
    by_name: HashMap<String, KeyspaceId>,
}

impl KeyspaceSet {
    /// The set of a database that holds only `default`.
    pub(crate) fn new(default: Arc<KeyspaceVersions>) -> Self {
        debug_assert_eq!(default.id(), DEFAULT_KEYSPACE_ID);
        KeyspaceSet {
            by_name: HashMap::from([(default.name().to_owned(), default.id())]),
            by_id: BTreeMap::from([(default.id(), default)]),
        }
    }

    /// The set of a database opened with `default` and the other live
    /// keyspaces its manifest lists (`others`).
    ///
    /// REQUIRES: the ids of `others` are distinct and not `default`'s, and
    /// their names distinct and not `default`'s (the manifest's decoder
    /// checks both).
    pub(crate) fn restored(
        default: Arc<KeyspaceVersions>,
        others: impl IntoIterator<Item = Arc<KeyspaceVersions>>,
    ) -> Self {
        let mut set = KeyspaceSet::new(default);
        for keyspace in others {
            debug_assert!(keyspace.id() > DEFAULT_KEYSPACE_ID);
            debug_assert!(set.get(keyspace.id()).is_none());
            debug_assert!(set.named(keyspace.name()).is_none());
            set.by_name
                .insert(keyspace.name().to_owned(), keyspace.id());
            set.by_id.insert(keyspace.id(), keyspace);
        }
        set
    }

    /// This set with `keyspace` added.
    ///
    /// REQUIRES: `keyspace` has an id never given out before (the manifest's
    /// counter gives it) and a name no live keyspace has.
    pub(crate) fn with_created(&self, keyspace: Arc<KeyspaceVersions>) -> Self {
        debug_assert!(self.by_id.keys().all(|&id| id < keyspace.id()));
        debug_assert!(self.named(keyspace.name()).is_none());
        let mut next = self.clone();
        next.by_name
            .insert(keyspace.name().to_owned(), keyspace.id());
        next.by_id.insert(keyspace.id(), keyspace);
        next
    }

    /// This set without keyspace `id`; its id is not given out again.
    pub(crate) fn with_dropped(&self, id: KeyspaceId) -> Self {
        let mut next = self.clone();
        if let Some(dropped) = next.by_id.remove(&id) {
            next.by_name.remove(dropped.name());
        }
        next
    }

    /// The live keyspace `id`.
    pub(crate) fn get(&self, id: KeyspaceId) -> Option<&Arc<KeyspaceVersions>> {
        self.by_id.get(&id)
    }

    /// The live keyspace named `name`.
    pub(crate) fn named(&self, name: &str) -> Option<&Arc<KeyspaceVersions>> {
        self.by_name.get(name).and_then(|id| self.by_id.get(id))
    }

    /// The names of the live keyspaces, sorted.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.by_name.keys().cloned().collect();
        names.sort_unstable();
        names
    }

    /// How many keyspaces are live (at least 1: `default`).
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// The live keyspaces, by id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<KeyspaceVersions>> + Clone {
        self.by_id.values()
    }

    /// For each live keyspace, the oldest log holding writes of it that no
    /// table holds yet (its current super version's
    /// [`log_needed`](super::SuperVersion::log_needed)).
    pub(crate) fn log_numbers(&self) -> impl Iterator<Item = (KeyspaceId, u64)> + '_ {
        self.iter().map(|ks| (ks.id(), ks.current().log_needed()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::KeyspaceSet;
    use crate::memtable::MemTable;
    use crate::versions::keyspace::test_support::keyspace;
    use crate::DEFAULT_KEYSPACE_ID;

    #[test]
    fn a_new_set_holds_only_default() {
        let set = KeyspaceSet::new(keyspace(DEFAULT_KEYSPACE_ID, "default", 4));
        assert_eq!(set.names(), ["default"]);
        assert_eq!(set.get(0).unwrap().name(), "default");
        assert!(Arc::ptr_eq(
            set.named("default").unwrap(),
            set.get(0).unwrap()
        ));
        assert!(set.get(1).is_none() && set.named("users").is_none());
        assert_eq!(set.log_numbers().collect::<Vec<_>>(), [(0, 4)]);
    }

    #[test]
    fn created_and_dropped_keyspaces_change_a_new_set_never_the_old_one() {
        let one = KeyspaceSet::new(keyspace(0, "default", 4));
        let two = one.with_created(keyspace(1, "users", 4));
        let three = two.with_created(keyspace(2, "log", 4));
        assert_eq!(three.names(), ["default", "log", "users"]);
        assert_eq!(three.named("log").unwrap().id(), 2);
        assert_eq!(one.names(), ["default"], "the old set is unchanged");

        let dropped = three.with_dropped(1);
        assert_eq!(dropped.names(), ["default", "log"]);
        assert!(dropped.named("users").is_none() && dropped.get(1).is_none());
        assert!(three.get(1).is_some(), "the old set keeps it");

        // The name is free again, under a new id.
        let again = dropped.with_created(keyspace(3, "users", 4));
        assert_eq!(again.named("users").unwrap().id(), 3);
        assert!(again.get(1).is_none());
    }

    #[test]
    fn a_restored_set_holds_the_listed_keyspaces() {
        let set = KeyspaceSet::restored(
            keyspace(0, "default", 4),
            [keyspace(1, "users", 4), keyspace(3, "log", 4)],
        );
        assert_eq!(set.names(), ["default", "log", "users"]);
        assert_eq!(set.named("log").unwrap().id(), 3);
        assert!(set.get(2).is_none() && set.get(4).is_none());
        let old = KeyspaceSet::restored(keyspace(0, "default", 4), []);
        assert_eq!(old.names(), ["default"]);
    }

    #[test]
    fn log_numbers_are_each_keyspace_s_oldest_unflushed_log() {
        let set = KeyspaceSet::new(keyspace(0, "default", 7))
            .with_created(keyspace(1, "cold", 4))
            .with_created(keyspace(2, "hot", 7));
        // `hot` froze a MemTable of log 7 and writes to log 9.
        let next = Arc::new(MemTable::with_filter(4 << 10, true));
        set.get(2)
            .unwrap()
            .modify_current(|now| now.with_frozen_active(next, 9));
        let numbers: Vec<_> = set.log_numbers().collect();
        assert_eq!(numbers, [(0, 7), (1, 4), (2, 7)]);
        assert_eq!(numbers.iter().map(|&(_, n)| n).min(), Some(4));
    }
}
