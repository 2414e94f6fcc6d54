use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::iterator::model::{random_run, walk_against_model, Entry, VecCursor};
use crate::{Error, InternalKey};

/// An index over parts held in memory, some of them empty.
struct Parts {
    parts: Vec<Vec<Entry>>,
    /// For each part, a key at or after its entries and before the next
    /// part's: the part's last key, or for an empty part the bound before.
    ends: Vec<InternalKey>,
    /// Whether `find_for_prev` uses where parts start, as a level's index
    /// does, instead of the default.
    knows_starts: bool,
    /// A part that fails to open.
    failing: Option<usize>,
    opened: usize,
}

impl Parts {
    fn new(parts: Vec<Vec<Entry>>, knows_starts: bool) -> Self {
        let mut ends = Vec::new();
        let mut end = InternalKey::new(Vec::new(), Timestamp::MAX);
        for part in &parts {
            if let Some(last) = part.last() {
                end = last.0.clone();
            }
            ends.push(end.clone());
        }
        Parts {
            parts,
            ends,
            knows_starts,
            failing: None,
            opened: 0,
        }
    }

    /// Where part `at` starts: its first key, or for an empty part its end.
    fn start(&self, at: usize) -> &InternalKey {
        self.parts[at].first().map_or(&self.ends[at], |e| &e.0)
    }
}

impl TwoLevelIndex for Parts {
    type Part = VecCursor;

    fn len(&self) -> usize {
        self.parts.len()
    }

    fn find(&self, user_key: &[u8], timestamp: Timestamp) -> Option<usize> {
        let target = InternalKey::new(user_key, timestamp);
        let at = self.ends.partition_point(|end| *end < target);
        (at < self.parts.len()).then_some(at)
    }

    fn find_for_prev(&self, user_key: &[u8], timestamp: Timestamp) -> Option<usize> {
        if !self.knows_starts {
            let last = self.len().checked_sub(1)?;
            return Some(
                self.find(user_key, timestamp)
                    .map_or(last, |at| at.min(last)),
            );
        }
        let target = InternalKey::new(user_key, timestamp);
        let after = (0..self.parts.len()).take_while(|&at| *self.start(at) <= target);
        after.last()
    }

    fn open(&mut self, at: usize) -> Result<VecCursor> {
        self.opened += 1;
        if self.failing == Some(at) {
            return Err(Error::corruption("t.sst", at as u64, "damaged part"));
        }
        Ok(VecCursor::new(self.parts[at].clone()))
    }
}

/// One random run cut into parts, with empty parts among them, or no parts.
fn random_parts(rng: &mut StdRng) -> (Vec<Entry>, Vec<Vec<Entry>>) {
    if rng.random_bool(0.1) {
        return (Vec::new(), Vec::new());
    }
    let all = random_run(rng, 0..50);
    let mut parts = vec![Vec::new()];
    for entry in &all {
        while rng.random_bool(0.2) {
            parts.push(Vec::new());
        }
        parts.last_mut().unwrap().push(entry.clone());
    }
    (all, parts)
}

#[test]
fn walks_like_the_model_across_parts_and_empty_parts() {
    let mut rng = StdRng::seed_from_u64(18);
    for round in 0..300 {
        let (all, parts) = random_parts(&mut rng);
        let mut cursor = TwoLevelCursor::new(Parts::new(parts, round % 2 == 0));
        walk_against_model(&mut cursor, &all, &mut rng, 100);
    }
}

fn entry(key: &str, ts: Timestamp) -> Entry {
    (InternalKey::new(key, ts), Operation::Put, key.into())
}

fn three_parts() -> Vec<Vec<Entry>> {
    vec![
        vec![entry("a", 1), entry("b", 1)],
        vec![entry("d", 1), entry("e", 1)],
        vec![entry("g", 1)],
    ]
}

#[test]
fn a_seek_opens_only_the_part_that_can_hold_the_target() {
    let mut cursor = TwoLevelCursor::new(Parts::new(three_parts(), true));
    cursor.seek(b"e", 1).unwrap();
    assert_eq!(cursor.user_key(), b"e");
    assert_eq!(cursor.index().opened, 1);
    // A seek within the open part reuses it.
    cursor.seek(b"d", 1).unwrap();
    assert_eq!(cursor.index().opened, 1);
    // In the gap before the last part, a backward seek opens the part before.
    cursor.seek_for_prev(b"f", 1).unwrap();
    assert_eq!(cursor.user_key(), b"e");
    assert_eq!(cursor.index().opened, 1);
}

#[test]
fn a_part_that_fails_to_open_is_an_error_not_the_end() {
    let mut parts = Parts::new(three_parts(), false);
    parts.failing = Some(1);
    let mut cursor = TwoLevelCursor::new(parts);
    cursor.seek_to_first().unwrap();
    cursor.next().unwrap();
    assert_eq!(cursor.user_key(), b"b");
    assert!(cursor.next().unwrap_err().is_corruption());
    assert!(!cursor.valid());

    cursor.seek_to_last().unwrap();
    assert_eq!(cursor.user_key(), b"g");
    assert!(cursor.prev().unwrap_err().is_corruption());
    assert!(!cursor.valid());

    assert!(cursor.seek(b"c", 1).unwrap_err().is_corruption());
    assert!(!cursor.valid());
    // The default backward seek steps back from the failing part's place.
    assert!(cursor.seek_for_prev(b"c", 1).unwrap_err().is_corruption());
    assert!(!cursor.valid());
}
