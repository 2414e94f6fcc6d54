//! The keyspaces of a database besides the default one, as the manifest's
//! keyspaces record holds them (incompatible feature 0, `keyspaces`;
//! `docs/format/manifest.md`, "The keyspaces record"), and the rule for
//! keyspace names.
//!
//! The manifest is a state rewritten whole, so there are no create or drop
//! records: `next_keyspace_id` sums up the history. An id below it that is
//! not listed belongs to a dropped keyspace, whose entries in old logs are
//! skipped; ids are never reused, so such entries never reach a keyspace
//! made later under the same name.

use std::collections::HashSet;

use ferrisdb_core::coding::{put_length_prefixed, put_varint64, DecodeError, Decoder};

use super::format::{
    DEFAULT_KEYSPACE_ID, DEFAULT_KEYSPACE_NAME, FIRST_KEYSPACE_ID, MAX_KEYSPACE_NAME_LEN,
    MIN_KEYSPACE_RECORD_LEN,
};
use super::stored_options::StoredOptions;
use super::table_record::{encode_table_list, TableChecks, TableRecord};
use crate::{Error, Result};

/// The id of a keyspace, on disk and in memory: 0 is the default keyspace.
pub type KeyspaceId = u32;

/// The keyspaces of a database besides the default one, and the log numbers
/// that say which writes of each are not in its tables yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyspacesState {
    /// The id the next keyspace made gets: ids from 1 below it were given
    /// out, and those not in `records` were dropped.
    pub next_keyspace_id: KeyspaceId,
    /// The oldest log holding writes of the default keyspace that are not
    /// in its tables. The manifest's `log_number` is the smallest of this
    /// and every keyspace's; without the keyspaces record it is that number.
    pub default_log_number: u64,
    /// The keyspaces besides the default one, by ascending id.
    pub records: Vec<KeyspaceRecord>,
}

/// A keyspace besides the default one, as the keyspaces record lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyspaceRecord {
    /// Its id, which its tables and log entries carry: never 0, never reused.
    pub id: KeyspaceId,
    /// Its name, valid by [`check_name`] and never `"default"`.
    pub name: String,
    /// The oldest log holding writes of it that are not in its tables.
    pub log_number: u64,
    /// Its options.
    pub options: StoredOptions,
    /// Its live tables, in read order, as the main list holds the default
    /// keyspace's.
    pub tables: Vec<TableRecord>,
}

/// Checks a keyspace name: the one place of the rule, for names given to
/// the engine and names read from a manifest. A name is 1 to
/// [`MAX_KEYSPACE_NAME_LEN`] bytes of UTF-8 without `/`, `\` or control
/// characters, so it can name a directory or appear in a message as it is.
///
/// # Errors
///
/// The reason the name is refused, to be wrapped in the caller's error.
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty() {
        return Err("a keyspace name is empty".into());
    }
    if name.len() > MAX_KEYSPACE_NAME_LEN {
        return Err(format!(
            "a keyspace name of {} bytes is longer than {MAX_KEYSPACE_NAME_LEN} bytes",
            name.len()
        ));
    }
    if name == "." || name == ".." {
        return Err(format!(
            "keyspace name {name:?} names a directory's own entry: pick another"
        ));
    }
    if let Some(c) = name.chars().find(|&c| c == '/' || c == '\\') {
        return Err(format!(
            "keyspace name {name:?} holds {c:?}, a path separator"
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(format!(
            "keyspace name {name:?} holds {c:?}, a control character"
        ));
    }
    Ok(())
}

impl Default for KeyspacesState {
    /// The keyspaces of a manifest whose log number is 0: none.
    fn default() -> Self {
        KeyspacesState::none(0)
    }
}

impl KeyspacesState {
    /// The keyspaces of a manifest without the keyspaces record, whose log
    /// number is `log_number`: the default keyspace alone, which needs the
    /// logs from `log_number` on. Every database written before keyspaces
    /// opens so.
    pub fn none(log_number: u64) -> Self {
        KeyspacesState {
            next_keyspace_id: FIRST_KEYSPACE_ID,
            default_log_number: log_number,
            records: Vec::new(),
        }
    }

    /// Whether a keyspace besides the default one was ever made: then the
    /// manifest declares the feature and holds the record, which keeps
    /// `next_keyspace_id` even when every such keyspace was dropped, so that
    /// a dropped id is never given out again.
    pub fn is_declared(&self) -> bool {
        self.next_keyspace_id > FIRST_KEYSPACE_ID || !self.records.is_empty()
    }

    /// The keyspace `id`, if it is live.
    pub fn get(&self, id: KeyspaceId) -> Option<&KeyspaceRecord> {
        self.records
            .binary_search_by_key(&id, |k| k.id)
            .ok()
            .map(|i| &self.records[i])
    }

    /// The live keyspace named `name`.
    pub fn named(&self, name: &str) -> Option<&KeyspaceRecord> {
        self.records.iter().find(|k| k.name == name)
    }

    /// Whether `id` belongs to a keyspace that was made and then dropped.
    pub fn is_dropped(&self, id: KeyspaceId) -> bool {
        id != DEFAULT_KEYSPACE_ID && id < self.next_keyspace_id && self.get(id).is_none()
    }

    /// The oldest log any keyspace, the default one included, still needs:
    /// what the manifest's `log_number` must be.
    pub fn oldest_log_number(&self) -> u64 {
        self.records
            .iter()
            .map(|k| k.log_number)
            .fold(self.default_log_number, u64::min)
    }

    /// Adds the keyspace `name`, with no tables, needing the logs from
    /// `log_number` on, and returns its id.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`], changing nothing, for a name
    /// [`check_name`] refuses, `"default"`, the name of a live keyspace, or
    /// when every id has been given out.
    pub fn create(
        &mut self,
        name: &str,
        options: StoredOptions,
        log_number: u64,
    ) -> Result<KeyspaceId> {
        check_name(name).map_err(Error::InvalidArgument)?;
        if name == DEFAULT_KEYSPACE_NAME || self.named(name).is_some() {
            return Err(Error::InvalidArgument(format!(
                "keyspace {name:?} already exists"
            )));
        }
        let id = self.next_keyspace_id;
        let next = id.checked_add(1).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "all {} keyspace ids have been given out; copy the keyspaces into a new database",
                KeyspaceId::MAX
            ))
        })?;
        self.next_keyspace_id = next;
        self.records.push(KeyspaceRecord {
            id,
            name: name.to_string(),
            log_number,
            options,
            tables: Vec::new(),
        });
        Ok(id)
    }

    /// Removes the keyspace `id`, if it is live; its id stays given out.
    pub fn remove(&mut self, id: KeyspaceId) -> Option<KeyspaceRecord> {
        let i = self.records.binary_search_by_key(&id, |k| k.id).ok()?;
        Some(self.records.remove(i))
    }

    /// The payload of the keyspaces record.
    pub(super) fn encode_payload(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_varint64(&mut out, u64::from(self.next_keyspace_id));
        put_varint64(&mut out, self.default_log_number);
        put_varint64(&mut out, self.records.len() as u64);
        let mut options = Vec::new();
        for keyspace in &self.records {
            put_varint64(&mut out, u64::from(keyspace.id));
            put_length_prefixed(&mut out, keyspace.name.as_bytes());
            put_varint64(&mut out, keyspace.log_number);
            options.clear();
            keyspace.options.encode_into(&mut options);
            put_length_prefixed(&mut out, &options);
            encode_table_list(&mut out, &keyspace.tables);
        }
        out
    }

    /// Decodes the payload of the keyspaces record of a manifest whose log
    /// number is `log_number`, checking its tables with `tables` (which
    /// holds the main list's table numbers). Offsets in errors are those of
    /// the body, in which the payload starts at `payload_at`.
    pub(super) fn decode_payload(
        payload: &[u8],
        payload_at: usize,
        log_number: u64,
        tables: &mut TableChecks,
    ) -> std::result::Result<Self, DecodeError> {
        Self::decode_within(payload, log_number, tables).map_err(|e| shift(e, payload_at))
    }

    /// [`decode_payload`](Self::decode_payload), with offsets within
    /// `payload`.
    fn decode_within(
        payload: &[u8],
        log_number: u64,
        tables: &mut TableChecks,
    ) -> std::result::Result<Self, DecodeError> {
        let next_file_number = tables.next_file_number;
        let check_log = |at: usize, whose: &str, number: u64| {
            if number < log_number || number >= next_file_number {
                return Err(DecodeError::new(
                    at,
                    format!(
                        "{whose} log number {number} is outside the needed logs {log_number} .. \
                         {next_file_number}"
                    ),
                ));
            }
            Ok(number)
        };
        let mut d = Decoder::new(payload);
        let at = d.position();
        let next_keyspace_id = d.varint32("next keyspace id")?;
        if next_keyspace_id < FIRST_KEYSPACE_ID {
            return Err(DecodeError::new(
                at,
                format!("next keyspace id {next_keyspace_id} is below {FIRST_KEYSPACE_ID}"),
            ));
        }
        let at = d.position();
        let default_log_number = d.varint64("default log number")?;
        check_log(at, "the default keyspace's", default_log_number)?;
        let at = d.position();
        let count = d.varint32("keyspace count")?;
        if count as usize > d.remaining() / MIN_KEYSPACE_RECORD_LEN {
            return Err(DecodeError::new(
                at,
                format!(
                "keyspace count {count} cannot fit in {} bytes ({MIN_KEYSPACE_RECORD_LEN} bytes \
                 or more each)",
                d.remaining()
            ),
            ));
        }
        let mut records: Vec<KeyspaceRecord> = Vec::with_capacity(count as usize);
        let mut names = HashSet::new();
        for _ in 0..count {
            let at = d.position();
            let id = d.varint32("keyspace id")?;
            let after = records.last().map_or(DEFAULT_KEYSPACE_ID, |k| k.id);
            if id <= after || id >= next_keyspace_id {
                return Err(DecodeError::new(
                    at,
                    format!(
                        "keyspace id {id} is not above {after} and below the next keyspace id \
                         {next_keyspace_id}: ids are listed ascending, each given out once"
                    ),
                ));
            }
            let at = d.position();
            let name = d.length_prefixed("keyspace name")?;
            let name = std::str::from_utf8(name)
                .map_err(|_| DecodeError::new(at, format!("keyspace {id}'s name is not UTF-8")))?;
            check_name(name).map_err(|reason| DecodeError::new(at, reason))?;
            if name == DEFAULT_KEYSPACE_NAME || !names.insert(name) {
                return Err(DecodeError::new(
                    at,
                    format!("keyspace {id} is named {name:?}, the name of another keyspace"),
                ));
            }
            let at = d.position();
            let log = d.varint64("keyspace log number")?;
            let log = check_log(at, &format!("keyspace {id}'s"), log)?;
            let options = d.length_prefixed("keyspace options")?;
            let options_at = d.position() - options.len();
            let options = StoredOptions::decode(options).map_err(|e| shift(e, options_at))?;
            records.push(KeyspaceRecord {
                id,
                name: name.to_string(),
                log_number: log,
                options,
                tables: tables.decode_list(&mut d)?,
            });
        }
        if !d.is_empty() {
            return Err(d.error(format!(
                "{} unexpected bytes after the last keyspace",
                d.remaining()
            )));
        }
        let state = KeyspacesState {
            next_keyspace_id,
            default_log_number,
            records,
        };
        // Every manifest the engine writes records the smallest: a larger
        // one would let logs go that a keyspace still needs.
        if state.oldest_log_number() != log_number {
            return Err(DecodeError::new(
                0,
                format!(
                    "the manifest's log number {log_number} is not the oldest log its keyspaces \
                     need, {}",
                    state.oldest_log_number()
                ),
            ));
        }
        Ok(state)
    }
}

/// `e`, which is at an offset within bytes that start at `base`.
fn shift(e: DecodeError, base: usize) -> DecodeError {
    let offset = e.offset().saturating_add(base);
    if e.is_unsupported() {
        DecodeError::unsupported(offset, e.reason())
    } else {
        DecodeError::new(offset, e.reason())
    }
}
