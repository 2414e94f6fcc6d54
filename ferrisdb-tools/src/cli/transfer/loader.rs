//! Writing the pairs of a dump to a database, in batches, and saying how
//! much of it is loaded when it stops at a bad line.
//!
//! A dump may be too large to hold in memory and may come down a pipe, so
//! it is written as it is read; a load that stops part way has written the
//! batches before the bad line. Every error says so (how many pairs, from
//! the first, are in the database), and loading the mended dump again
//! writes the same pairs over them.

use std::collections::HashMap;
use std::io;

use ferrisdb_storage::{Keyspace, StorageEngine, WriteBatch, MAX_KEY_SIZE, MAX_VALUE_SIZE};

use super::super::progress::Progress;
use super::super::Failure;
use super::dump_lines::{json_error, parse_line, Encoding, Header, Line, Pair, Version, VERSION};

/// Pairs written in one batch at most.
const BATCH_PAIRS: usize = 1000;
/// Bytes of one batch at most, past its last pair: large values go in
/// small batches, so a load's memory stays near this whatever it loads.
const BATCH_BYTES: usize = 4 << 20;

/// The header of a dump, its line 1, `first`: read before the database is
/// opened, so what is not a dump makes no database.
///
/// # Errors
///
/// No line, or one that is not a header of a format this tool reads.
pub fn read_header(first: Option<io::Result<String>>) -> Result<Header, Failure> {
    let Some(first) = first else {
        return Err(Failure("the dump is empty: it has no header line".into()));
    };
    let first = first.map_err(|e| Failure(format!("line 1: {e}; no pair is loaded")))?;
    let not_a_header = |e: serde_json::Error| {
        Failure(format!(
            "line 1 is not a ferrisdb dump header: {}",
            json_error(&e)
        ))
    };
    let version: Version = serde_json::from_str(&first).map_err(not_a_header)?;
    if version.ferrisdb_dump != VERSION {
        return Err(Failure(format!(
            "the dump is of format {}, this ferrisdb reads format {VERSION}",
            version.ferrisdb_dump
        )));
    }
    serde_json::from_str(&first).map_err(not_a_header)
}

/// A load under way.
#[derive(Debug)]
pub struct Loader<'db> {
    db: &'db StorageEngine,
    /// The keyspaces met so far, by name.
    keyspaces: HashMap<String, Keyspace>,
    batch: WriteBatch,
    /// The lines of the batch's first and last pairs.
    batch_lines: (usize, usize),
    /// Pairs read, in the database or in `batch`.
    read: u64,
    /// Pairs in the database.
    written: u64,
    progress: Progress,
}

impl<'db> Loader<'db> {
    /// A load into `db`, drawing `progress` in bytes of the dump read.
    pub fn new(db: &'db StorageEngine, progress: Progress) -> Loader<'db> {
        Loader {
            db,
            keyspaces: HashMap::new(),
            batch: WriteBatch::new(),
            batch_lines: (0, 0),
            read: 0,
            written: 0,
            progress,
        }
    }

    /// Writes every pair of the dump of `header` (its line 1) and `lines`
    /// (the lines after it); returns how many.
    ///
    /// # Errors
    ///
    /// The first bad line (by number, and what is wrong with it), a
    /// failed write (with the lines of its batch), or a dump cut short, in
    /// one line saying how many pairs are loaded.
    pub fn load(
        mut self,
        header: Header,
        lines: impl Iterator<Item = io::Result<String>>,
    ) -> Result<u64, Failure> {
        for name in &header.keyspaces {
            self.keyspace(1, name)?;
        }
        let mut number = 1;
        let mut end = None;
        for line in lines {
            number += 1;
            let line = line.map_err(|e| self.at(number, e))?;
            // The line and its newline.
            self.progress.add(line.len() as u64 + 1);
            if let Some((end_line, _)) = end {
                return Err(self.at(number, format!("a line after the end (line {end_line})")));
            }
            match parse_line(&line).map_err(|e| self.at(number, e))? {
                Line::Pair(pair) => self.add(number, header.encoding, pair)?,
                Line::End(count) => end = Some((number, count)),
            }
        }
        let Some((end_line, count)) = end else {
            return Err(self.failed(format!(
                "the dump ends at line {number} without its last line \
                 {{\"ferrisdb_dump_end\":PAIRS}}: it was cut short"
            )));
        };
        if count != self.read {
            return Err(self.at(
                end_line,
                format!("the end counts {count} pairs, the dump holds {}", self.read),
            ));
        }
        self.write()?;
        self.progress.finish();
        Ok(self.written)
    }

    /// Adds the pair of line `number` to the batch; writes the batch once
    /// it is full.
    fn add(&mut self, number: usize, encoding: Encoding, pair: Pair) -> Result<(), Failure> {
        let key = encoding
            .decode(&pair.key)
            .map_err(|e| self.at(number, format!("key: {e}")))?;
        let value = encoding
            .decode(&pair.value)
            .map_err(|e| self.at(number, format!("value: {e}")))?;
        // Checked here, with the limits the database was opened with, so
        // the error names this line rather than the batch's.
        WriteBatch::check_entry_size(&key, &value, MAX_KEY_SIZE, MAX_VALUE_SIZE)
            .map_err(|e| self.at(number, e))?;
        let keyspace = self.keyspace(number, &pair.keyspace)?;
        if self.batch.is_empty() {
            self.batch_lines.0 = number;
        }
        self.batch_lines.1 = number;
        self.batch.put_in(&keyspace, key, value);
        self.read += 1;
        if self.batch.len() >= BATCH_PAIRS || self.batch.approximate_size() >= BATCH_BYTES {
            self.write()?;
        }
        Ok(())
    }

    /// The keyspace `name`, made if missing; line `number` names it.
    fn keyspace(&mut self, number: usize, name: &str) -> Result<Keyspace, Failure> {
        if let Some(keyspace) = self.keyspaces.get(name) {
            return Ok(keyspace.clone());
        }
        let keyspace = self
            .db
            .keyspace(name)
            .map_err(|e| self.at(number, format!("keyspace {name:?}: {e}")))?;
        self.keyspaces.insert(name.to_owned(), keyspace.clone());
        Ok(keyspace)
    }

    /// Writes the batch.
    fn write(&mut self) -> Result<(), Failure> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let (from, to) = self.batch_lines;
        self.db
            .write(&batch)
            .map_err(|e| self.failed(format!("lines {from} to {to}: {e}")))?;
        self.written += batch.len() as u64;
        Ok(())
    }

    /// `error`, at line `number`, as [`failed`](Self::failed) says it.
    fn at(&self, number: usize, error: impl std::fmt::Display) -> Failure {
        self.failed(format!("line {number}: {error}"))
    }

    /// `what` went wrong, and how much of the dump is loaded.
    fn failed(&self, what: String) -> Failure {
        let loaded = match self.written {
            0 => "no pair is loaded".to_owned(),
            n => format!("the load stopped with the first {n} pairs of the dump written"),
        };
        Failure(format!("{what}; {loaded}"))
    }
}
