//! Test support for cursors: the model of a cursor (a sorted vector), random
//! sorted runs of entries, and a random walk that drives a cursor and the
//! model with the same moves and checks they stay at the same entry; with
//! range deletes, the model of a history and what each snapshot sees
//! ([`history`]).

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ferrisdb_core::range_tombstone::range_covers;

use rand::rngs::StdRng;
use rand::Rng;

use super::Cursor;
use crate::{InternalKey, Operation, Result, Slice, Timestamp};

pub(crate) mod history;

/// One entry: its key, whether it is a value or a tombstone, and the value.
pub(crate) type Entry = (InternalKey, Operation, Vec<u8>);

/// A cursor over entries held in a sorted vector: the model every cursor is
/// checked against, and a cursor for tests of the code that consumes cursors.
#[derive(Debug, Clone)]
pub(crate) struct VecCursor {
    entries: Vec<Entry>,
    /// `entries.len()` means "not valid".
    pos: usize,
    /// Whether [`Cursor::max_timestamp_in`] answers exactly, as a level's
    /// cursor does, or with the default, as a MemTable's does.
    knows_timestamps: bool,
    /// Moves made (seeks and steps), shared with the test that made it.
    moves: Arc<AtomicUsize>,
}

impl VecCursor {
    pub(crate) fn new(mut entries: Vec<Entry>) -> Self {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let pos = entries.len();
        VecCursor {
            entries,
            pos,
            knows_timestamps: true,
            moves: Arc::default(),
        }
    }

    /// A cursor whose `max_timestamp_in` is the default: never sought past
    /// a range tombstone.
    pub(crate) fn stepping(entries: Vec<Entry>) -> Self {
        VecCursor {
            knows_timestamps: false,
            ..VecCursor::new(entries)
        }
    }

    /// The counter of the cursor's moves.
    pub(crate) fn moves(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.moves)
    }

    fn moved(&self) {
        self.moves.fetch_add(1, Ordering::Relaxed);
    }

    fn target(user_key: &[u8], timestamp: Timestamp) -> InternalKey {
        InternalKey::new(user_key, timestamp)
    }
}

impl Cursor for VecCursor {
    fn valid(&self) -> bool {
        self.pos < self.entries.len()
    }
    fn seek_to_first(&mut self) -> Result<()> {
        self.moved();
        self.pos = 0;
        Ok(())
    }
    fn seek_to_last(&mut self) -> Result<()> {
        self.moved();
        self.pos = self
            .entries
            .len()
            .checked_sub(1)
            .unwrap_or(self.entries.len());
        Ok(())
    }
    fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        self.moved();
        let target = Self::target(user_key, timestamp);
        self.pos = self.entries.partition_point(|e| e.0 < target);
        Ok(())
    }
    fn seek_for_prev(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        self.moved();
        let target = Self::target(user_key, timestamp);
        let after = self.entries.partition_point(|e| e.0 <= target);
        self.pos = after.checked_sub(1).unwrap_or(self.entries.len());
        Ok(())
    }
    fn seek_past_last(&mut self) -> Result<()> {
        self.moved();
        self.pos = self.entries.len();
        Ok(())
    }
    fn max_timestamp_in(&self, start: &[u8], end: Option<&[u8]>) -> Timestamp {
        if !self.knows_timestamps {
            return Timestamp::MAX;
        }
        self.entries
            .iter()
            .filter(|e| range_covers(start, end, &e.0.user_key))
            .map(|e| e.0.timestamp)
            .max()
            .unwrap_or(0)
    }
    fn next(&mut self) -> Result<()> {
        self.moved();
        self.pos += 1;
        Ok(())
    }
    fn prev(&mut self) -> Result<()> {
        self.moved();
        self.pos = self.pos.checked_sub(1).unwrap_or(self.entries.len());
        Ok(())
    }
    fn user_key(&self) -> &[u8] {
        &self.entries[self.pos].0.user_key
    }
    fn timestamp(&self) -> Timestamp {
        self.entries[self.pos].0.timestamp
    }
    fn operation(&self) -> Operation {
        self.entries[self.pos].1
    }
    fn value(&self) -> &[u8] {
        &self.entries[self.pos].2
    }
    fn value_slice(&self) -> Slice {
        Slice::copy_from_slice(self.value())
    }
}

/// A sorted run of entries with distinct internal keys, as many as a number
/// drawn from `lens` less the duplicates drawn (at least one if `lens` starts
/// above 0): short user keys over a few letters, several versions of some,
/// tombstones among them, values of random length (empty for tombstones).
pub(crate) fn random_run(rng: &mut StdRng, lens: Range<usize>) -> Vec<Entry> {
    let len = rng.random_range(lens);
    let mut keys: Vec<InternalKey> = (0..len)
        .map(|_| {
            let key_len = rng.random_range(1..=3);
            let user_key: Vec<u8> = (0..key_len).map(|_| rng.random_range(b'b'..b'h')).collect();
            InternalKey::new(user_key, rng.random_range(1..50))
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|key| {
            if rng.random_bool(0.2) {
                (key, Operation::Delete, Vec::new())
            } else {
                let value = (0..rng.random_range(0..12)).map(|_| rng.random()).collect();
                (key, Operation::Put, value)
            }
        })
        .collect()
}

/// A seek target near `entries`: often one of their keys exactly, else a
/// neighbour (another version, a longer key, a key between or beyond them).
fn random_target(rng: &mut StdRng, entries: &[Entry]) -> (Vec<u8>, Timestamp) {
    let near = (!entries.is_empty()).then(|| &entries[rng.random_range(0..entries.len())].0);
    let user_key = match (rng.random_range(0..5), near) {
        (0 | 1, Some(k)) => k.user_key.clone(),
        (2, Some(k)) => [k.user_key.as_slice(), b"a"].concat(),
        (3, _) => Vec::new(),
        _ => vec![rng.random_range(b'a'..=b'i')],
    };
    let timestamp = match (rng.random_range(0..5), near) {
        (0 | 1, Some(k)) => k.timestamp,
        (2, Some(k)) => k.timestamp + 1,
        (3, _) => Timestamp::MAX,
        _ => rng.random_range(0..52),
    };
    (user_key, timestamp)
}

/// Drives `cursor` and the model of `entries` with `steps` random moves
/// (seeks of every kind, and steps both ways while valid), checking after
/// each that both are at the same entry, with the same parts, and that the
/// cursor's `max_timestamp_in` of a random range is at least that of the
/// entries in it.
///
/// REQUIRES: `cursor` walks exactly `entries`, and its moves do not fail.
pub(crate) fn walk_against_model(
    cursor: &mut dyn Cursor,
    entries: &[Entry],
    rng: &mut StdRng,
    steps: usize,
) {
    let mut model = VecCursor::new(entries.to_vec());
    let mut trail = Vec::new();
    for _ in 0..steps {
        let (key, ts) = random_target(rng, entries);
        let choice = if model.valid() {
            rng.random_range(0..9)
        } else {
            rng.random_range(0..5)
        };
        let step = match choice {
            0 => "seek_to_first".to_string(),
            1 => "seek_to_last".to_string(),
            2 => format!("seek {}", InternalKey::new(key.as_slice(), ts)),
            3 => format!("seek_for_prev {}", InternalKey::new(key.as_slice(), ts)),
            4 => "seek_past_last".to_string(),
            5 | 6 => "next".to_string(),
            _ => "prev".to_string(),
        };
        let apply = |c: &mut dyn Cursor| match choice {
            0 => c.seek_to_first(),
            1 => c.seek_to_last(),
            2 => c.seek(&key, ts),
            3 => c.seek_for_prev(&key, ts),
            4 => c.seek_past_last(),
            5 | 6 => c.next(),
            _ => c.prev(),
        };
        apply(&mut model).unwrap();
        trail.push(step);
        if let Err(e) = apply(cursor) {
            panic!("{e} after {trail:?}");
        }
        assert_same_position(cursor, &model, &trail);
        let (end, _) = random_target(rng, entries);
        let end = (!end.is_empty()).then_some(end.as_slice());
        assert!(
            cursor.max_timestamp_in(&key, end) >= model.max_timestamp_in(&key, end),
            "max_timestamp_in({key:?}, {end:?}) below an entry's after {trail:?}"
        );
    }
}

fn assert_same_position(cursor: &dyn Cursor, model: &VecCursor, trail: &[String]) {
    assert_eq!(cursor.valid(), model.valid(), "validity after {trail:?}");
    if !model.valid() {
        return;
    }
    assert_eq!(
        cursor.internal_key(),
        model.internal_key(),
        "position after {trail:?}"
    );
    assert_eq!(cursor.operation(), model.operation(), "after {trail:?}");
    assert_eq!(cursor.value(), model.value(), "after {trail:?}");
    assert_eq!(cursor.value_slice(), model.value_slice(), "after {trail:?}");
}
