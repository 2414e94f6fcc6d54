//! The key layout of the Raft store in FerrisDB (on-disk: never change).
//!
//! - keyspace [`LOG_KEYSPACE`]: key = the entry's index as 8 bytes
//!   big-endian, value = the JSON entry. Big-endian makes key order index
//!   order, so the last entry is the last key, truncate is a range delete
//!   from an index to the end and purge one from the start to an index.
//! - keyspace [`META_KEYSPACE`]: the keys below, each a JSON value.
//! - keyspace [`SNAPSHOT_KEYSPACE`]: key = the snapshot's number and the
//!   chunk's number, 8 bytes big-endian each ([`snapshot_chunk_key`]),
//!   value = the chunk, a slice of the snapshot's bytes. Chunks keep every
//!   value and batch small whatever the snapshot's size, and the numbers make
//!   a snapshot's chunks one range, older snapshots the range before it.
//! - keyspace `raft_sm_<generation>` ([`sm_keyspace`]): the state machine's
//!   data, a key-value map. An installed snapshot fills a fresh generation,
//!   then [`SM_GENERATION`] switches to it in the batch that records its
//!   applied state, so a crash mid-install leaves the old generation whole.

/// The keyspace of the log entries.
pub const LOG_KEYSPACE: &str = "raft_log";
/// The keyspace of the store's metadata.
pub const META_KEYSPACE: &str = "raft_meta";
/// The keyspace of the current snapshot's bytes, in chunks.
pub const SNAPSHOT_KEYSPACE: &str = "raft_snapshot";
/// The prefix of the state machine's data keyspaces. The store owns every
/// keyspace whose name starts with `raft_`: `StateMachine::open` drops a
/// `raft_sm_<generation>` that is not the current generation.
pub const SM_KEYSPACE_PREFIX: &str = "raft_sm_";

/// The last saved `Vote`.
pub const VOTE: &[u8] = b"vote";
/// The last saved committed `LogId`.
pub const COMMITTED: &[u8] = b"committed";
/// The `LogId` of the last purged entry: the log holds nothing at or below
/// its index.
pub const LAST_PURGED: &[u8] = b"last_purged";
/// The `LogId` of the last entry applied to the state machine.
pub const LAST_APPLIED: &[u8] = b"last_applied";
/// The `StoredMembership` of the last applied membership entry.
pub const LAST_MEMBERSHIP: &[u8] = b"last_membership";
/// The generation (u64) whose `raft_sm_<generation>` keyspace holds the data.
pub const SM_GENERATION: &[u8] = b"sm_generation";
/// The record of the current snapshot, built or installed: its meta, its
/// number and length; its bytes are in [`SNAPSHOT_KEYSPACE`].
pub const CURRENT_SNAPSHOT: &[u8] = b"current_snapshot";

/// The key of the log entry at `index`.
pub fn log_key(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

/// The index a log key encodes, `None` for a key that is not 8 bytes.
pub fn log_index(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// The key of chunk `chunk` of the snapshot numbered `number`.
pub fn snapshot_chunk_key(number: u64, chunk: u64) -> [u8; 16] {
    let mut key = [0; 16];
    key[..8].copy_from_slice(&number.to_be_bytes());
    key[8..].copy_from_slice(&chunk.to_be_bytes());
    key
}

/// The name of the keyspace of state machine generation `generation`.
pub fn sm_keyspace(generation: u64) -> String {
    format!("{SM_KEYSPACE_PREFIX}{generation}")
}

/// The generation a state machine keyspace's name encodes, `None` for
/// another name: only the name [`sm_keyspace`] gives (decimal digits, no
/// sign, no leading zero).
pub fn sm_generation(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(SM_KEYSPACE_PREFIX)?;
    let generation: u64 = digits.parse().ok()?;
    (generation.to_string() == digits).then_some(generation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_keys_sort_as_their_indexes() {
        let indexes = [0, 1, 255, 256, 65_535, 1 << 32, u64::MAX - 1, u64::MAX];
        for pair in indexes.windows(2) {
            assert!(log_key(pair[0]) < log_key(pair[1]), "{pair:?}");
        }
        for index in indexes {
            assert_eq!(log_index(&log_key(index)), Some(index));
        }
        assert_eq!(log_index(b"short"), None);
    }

    #[test]
    fn snapshot_chunks_sort_by_snapshot_then_chunk() {
        assert!(snapshot_chunk_key(1, u64::MAX) < snapshot_chunk_key(2, 0));
        assert!(snapshot_chunk_key(2, 255) < snapshot_chunk_key(2, 256));
        assert_eq!(&snapshot_chunk_key(3, 4)[..8], &3u64.to_be_bytes());
    }

    #[test]
    fn sm_keyspace_names_round_trip() {
        assert_eq!(sm_keyspace(7), "raft_sm_7");
        assert_eq!(sm_generation(&sm_keyspace(7)), Some(7));
        assert_eq!(sm_generation(&sm_keyspace(u64::MAX)), Some(u64::MAX));
        for other in [
            "raft_log",
            "raft_sm_x",
            "raft_sm_+1",
            "raft_sm_07",
            "raft_sm_",
            "sm_7",
        ] {
            assert_eq!(sm_generation(other), None, "{other}");
        }
    }
}
