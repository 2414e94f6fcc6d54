//! The commands of the replicated key-value map and their answers, and the
//! one check of a command against the database's limits, which the client
//! side and `apply` share.
//!
//! A command travels as a log entry (one FerrisDB value on every node) and
//! lands as a put or a delete in the map; both are held to the database's
//! `max_key_size` and `max_value_size`. A leader that appended an entry no
//! node can store would stop, and a committed command no node can apply
//! would stop every node, at every restart: so [`Request::check`] runs
//! before a command is proposed, and `apply` refuses a command over the
//! limits in its [`Response`] instead of failing, the same way on every
//! node (every node must use the same limits).

use ferrisdb_storage::{Error, StorageEngine};
use openraft::{CommittedLeaderId, EntryPayload, LogId};
use serde::{Deserialize, Serialize};

use crate::codec::encode_entry;
use crate::keys::log_key;
use crate::TypeConfig;

/// A command of the replicated key-value map: set `key` to `value`, or
/// delete it when `value` is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The key the command writes.
    pub key: Vec<u8>,
    /// The new value, `None` to delete the key.
    pub value: Option<Vec<u8>>,
}

/// The answer to a [`Request`], and to every blank or membership entry
/// (openraft wants one response per applied entry).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The value the key held before the command, if any.
    pub previous: Option<Vec<u8>>,
    /// Why the state machine refused the command, leaving the map as it
    /// was: its key or value is over the database's limits (see
    /// [`Request::check`]). `None` for a command applied.
    pub refused: Option<String>,
}

impl Request {
    /// Checks that the command fits `db`'s limits both as a log entry and
    /// as a write to the map, so that proposing it cannot stop the leader
    /// and applying it succeeds. Run it before `Raft::client_write`.
    ///
    /// # Errors
    ///
    /// [`Error::KeyTooLarge`] or [`Error::ValueTooLarge`] with the length
    /// and the limit (for the log entry, the length of the encoded entry);
    /// [`Error::Closed`] once `db` is closed.
    pub fn check(&self, db: &StorageEngine) -> Result<(), Error> {
        self.check_in_map(db)?;
        // The longest encoding the entry can have: the largest log id.
        let entry = openraft::Entry::<TypeConfig> {
            log_id: LogId::new(CommittedLeaderId::new(u64::MAX, u64::MAX), u64::MAX),
            payload: EntryPayload::Normal(self.clone()),
        };
        let encoded = encode_entry(&entry).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        db.check_entry_size(&log_key(u64::MAX), &encoded)
    }

    /// Checks the command's key and value against `db`'s limits for a
    /// write to the map.
    pub(crate) fn check_in_map(&self, db: &StorageEngine) -> Result<(), Error> {
        db.check_entry_size(&self.key, self.value.as_deref().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrisdb_storage::StorageConfig;

    #[test]
    fn check_refuses_what_the_log_or_the_map_would_refuse() {
        let dir = tempfile::tempdir().unwrap();
        let db = StorageEngine::open(StorageConfig {
            max_key_size: 16,
            max_value_size: 200,
            ..StorageConfig::new(dir.path())
        })
        .unwrap();
        let request = |key_len, value_len: Option<usize>| Request {
            key: vec![b'k'; key_len],
            value: value_len.map(|len| vec![0xff; len]),
        };
        request(16, Some(60)).check(&db).unwrap();
        request(16, None).check(&db).unwrap();
        let err = request(17, None).check(&db).unwrap_err();
        assert!(matches!(err, Error::KeyTooLarge { len: 17, .. }), "{err}");
        // Fits the map, not the log: the entry adds the key and its framing.
        let err = request(16, Some(190)).check(&db).unwrap_err();
        assert!(
            matches!(err, Error::ValueTooLarge { limit: 200, .. }),
            "{err}"
        );
        request(16, Some(190)).check_in_map(&db).unwrap();
    }
}
