//! The commands of the replicated key-value map, their answers, and the
//! limits a command is held to.
//!
//! A command travels as a log entry (one FerrisDB value on every node) and
//! lands as a put or a delete in the map. A leader whose `append` fails
//! stops, and a committed command that `apply` cannot store would stop every
//! node at every restart; and a command must get the same answer on every
//! node, at every time it is applied (a lagging follower, a restart that
//! applies again). So the limits are fixed here, not read from a node's
//! configuration: [`Request::check`] refuses a command over them before it
//! is proposed, `apply` answers one that got through with
//! [`Response::refused`], and [`check_database`] makes `open` refuse a
//! database whose own limits are below them, so that no write within them
//! can fail on size.

use ferrisdb_storage::{Error, StorageEngine, WriteBatch};
use serde::{Deserialize, Serialize};

/// The longest key a command may set or delete (FerrisDB's default
/// `max_key_size`). Never change: a node with another limit would answer a
/// committed command differently.
pub const MAX_KEY_LEN: usize = 64 << 10;
/// The longest a log entry may be encoded (FerrisDB's default
/// `max_value_size`). Never change, as [`MAX_KEY_LEN`].
pub const MAX_ENTRY_LEN: usize = 16 << 20;
/// The most bytes an entry takes besides its command's key and value: the
/// log id's three varints, the payload's variant, the two lengths and the
/// option's tag, each at its longest.
pub const ENTRY_FRAMING_LEN: usize = 64;
/// The longest value a command may set: what an entry of the longest key
/// leaves of [`MAX_ENTRY_LEN`].
pub const MAX_VALUE_LEN: usize = MAX_ENTRY_LEN - MAX_KEY_LEN - ENTRY_FRAMING_LEN;
/// The shortest `max_key_size` a database needs for the store's own keys
/// (up to 16 bytes; a range delete's bound is one byte longer).
const STORE_KEY_LEN: usize = 17;

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
    /// was: its key or value is over [`MAX_KEY_LEN`] or [`MAX_VALUE_LEN`].
    /// `None` for a command applied.
    pub refused: Option<String>,
}

impl Request {
    /// Checks the command against [`MAX_KEY_LEN`] and [`MAX_VALUE_LEN`]:
    /// within them it fits the log and the map of every database the store
    /// opens. Run it before `Raft::client_write`; `apply` refuses by the
    /// same rule.
    ///
    /// # Errors
    ///
    /// [`Error::KeyTooLarge`] or [`Error::ValueTooLarge`] with the length
    /// and the limit.
    pub fn check(&self) -> Result<(), Error> {
        check_pair(&self.key, self.value.as_deref().unwrap_or_default())
    }
}

/// Checks a key and value of the map against [`MAX_KEY_LEN`] and
/// [`MAX_VALUE_LEN`]: commands, and the pairs of an installed snapshot.
pub(crate) fn check_pair(key: &[u8], value: &[u8]) -> Result<(), Error> {
    WriteBatch::check_entry_size(key, value, MAX_KEY_LEN, MAX_VALUE_LEN)
}

/// Checks that `db` takes every write the store makes of commands within
/// the limits: its `max_key_size` at least [`MAX_KEY_LEN`] and its
/// `max_value_size` at least [`MAX_ENTRY_LEN`].
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming the setting to raise;
/// [`Error::Closed`] once `db` is closed.
pub fn check_database(db: &StorageEngine) -> Result<(), Error> {
    let (key, value) = (db.max_key_size()?, db.max_value_size()?);
    if key < MAX_KEY_LEN.max(STORE_KEY_LEN) || value < MAX_ENTRY_LEN {
        return Err(Error::InvalidArgument(format!(
            "ferrisdb-raft needs max_key_size >= {MAX_KEY_LEN} and max_value_size >= \
             {MAX_ENTRY_LEN}, and this database has {key} and {value}: raise them (the limits \
             of a replicated command are fixed, so that every node answers it the same way)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encode_entry;
    use crate::TypeConfig;
    use openraft::{CommittedLeaderId, EntryPayload, LogId};

    #[test]
    fn the_longest_command_with_the_largest_log_id_fits_an_entry() {
        let entry = openraft::Entry::<TypeConfig> {
            log_id: LogId::new(CommittedLeaderId::new(u64::MAX, u64::MAX), u64::MAX),
            payload: EntryPayload::Normal(Request {
                key: vec![0xff; MAX_KEY_LEN],
                value: Some(vec![0xff; MAX_VALUE_LEN]),
            }),
        };
        let framing = encode_entry(&entry).unwrap().len() - MAX_KEY_LEN - MAX_VALUE_LEN;
        assert!(framing <= ENTRY_FRAMING_LEN, "{framing} bytes of framing");
    }

    #[test]
    fn check_refuses_a_command_over_the_limits() {
        let request = |key_len, value_len: Option<usize>| Request {
            key: vec![b'k'; key_len],
            value: value_len.map(|len| vec![0; len]),
        };
        request(MAX_KEY_LEN, Some(MAX_VALUE_LEN)).check().unwrap();
        request(MAX_KEY_LEN, None).check().unwrap();
        let err = request(MAX_KEY_LEN + 1, None).check().unwrap_err();
        assert!(
            matches!(
                err,
                Error::KeyTooLarge {
                    limit: MAX_KEY_LEN,
                    ..
                }
            ),
            "{err}"
        );
        let err = request(1, Some(MAX_VALUE_LEN + 1)).check().unwrap_err();
        assert!(
            matches!(
                err,
                Error::ValueTooLarge {
                    limit: MAX_VALUE_LEN,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_database_with_smaller_limits_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let open = |key, value| ferrisdb_storage::StorageConfig {
            max_key_size: key,
            max_value_size: value,
            ..ferrisdb_storage::StorageConfig::new(dir.path())
        };
        let db = StorageEngine::open(open(MAX_KEY_LEN, MAX_ENTRY_LEN)).unwrap();
        check_database(&db).unwrap();
        db.close().unwrap();
        for (key, value, setting) in [
            (MAX_KEY_LEN - 1, MAX_ENTRY_LEN, "max_key_size"),
            (MAX_KEY_LEN, MAX_ENTRY_LEN - 1, "max_value_size"),
        ] {
            let db = StorageEngine::open(open(key, value)).unwrap();
            let err = check_database(&db).unwrap_err().to_string();
            assert!(err.contains(setting) && err.contains("raise"), "{err}");
            db.close().unwrap();
        }
    }
}
