use super::*;
use crate::iterator::model::{random_run, walk_against_model, Entry, VecCursor};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn merged(sources: &[Vec<Entry>]) -> MergingCursor {
    let children = sources
        .iter()
        .map(|s| Box::new(VecCursor::new(s.clone())) as Box<dyn Cursor>)
        .collect();
    MergingCursor::new(children)
}

#[test]
fn merge_walks_like_the_sorted_union_with_any_moves() {
    let mut rng = StdRng::seed_from_u64(11);
    for _ in 0..200 {
        // One run dealt out to up to four sources, some of them empty.
        let all = random_run(&mut rng, 0..40);
        let mut sources = vec![Vec::new(); rng.random_range(1..5)];
        for entry in &all {
            let source = rng.random_range(0..sources.len());
            sources[source].push(entry.clone());
        }
        walk_against_model(&mut merged(&sources), &all, &mut rng, 100);
    }
}

#[test]
fn on_a_tie_the_newer_source_comes_first() {
    let newer = vec![(InternalKey::new("k", 5), Operation::Put, b"new".to_vec())];
    let older = vec![(InternalKey::new("k", 5), Operation::Put, b"old".to_vec())];
    let mut cursor = merged(&[newer, older]);
    cursor.seek_to_first().unwrap();
    assert_eq!(cursor.value(), b"new");
    cursor.seek_to_last().unwrap();
    assert_eq!(cursor.value(), b"new");
}

/// A child whose every move fails.
struct Failing;

impl Cursor for Failing {
    fn valid(&self) -> bool {
        false
    }
    fn seek_to_first(&mut self) -> Result<()> {
        Err(crate::Error::corruption("t.sst", 7, "damaged"))
    }
    fn seek_to_last(&mut self) -> Result<()> {
        self.seek_to_first()
    }
    fn seek(&mut self, _: &[u8], _: Timestamp) -> Result<()> {
        self.seek_to_first()
    }
    fn next(&mut self) -> Result<()> {
        self.seek_to_first()
    }
    fn prev(&mut self) -> Result<()> {
        self.seek_to_first()
    }
    fn user_key(&self) -> &[u8] {
        unreachable!("never valid")
    }
    fn timestamp(&self) -> Timestamp {
        unreachable!("never valid")
    }
    fn operation(&self) -> Operation {
        unreachable!("never valid")
    }
    fn value(&self) -> &[u8] {
        unreachable!("never valid")
    }
    fn value_slice(&self) -> Slice {
        unreachable!("never valid")
    }
}

#[test]
fn a_child_error_surfaces_and_leaves_the_cursor_invalid() {
    let entries = vec![(InternalKey::new("k", 5), Operation::Put, b"v".to_vec())];
    let children: Vec<Box<dyn Cursor>> = vec![Box::new(VecCursor::new(entries)), Box::new(Failing)];
    let mut cursor = MergingCursor::new(children);
    assert!(cursor.seek_to_first().unwrap_err().is_corruption());
    assert!(!cursor.valid());
    assert!(cursor.seek_for_prev(b"k", 9).unwrap_err().is_corruption());
    assert!(!cursor.valid());
}
