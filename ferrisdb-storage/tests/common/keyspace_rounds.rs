//! The rounds of writes that the fixture `db-231dc6f` holds, keyspace by
//! keyspace (its test's docs say which session wrote each and how): what
//! each round wrote, the value it gave a key, and what every keyspace holds
//! once they are all applied.
//!
//! Every keyspace uses the same keys (`key0042`), and a value names its
//! keyspace and round, so a write that reached the wrong keyspace, or an old
//! version that came back, reads as a different value.

use std::collections::BTreeMap;

use super::old_database::{key, Model};

/// One write of a round: a put of the round's value of the key numbered
/// so, or a delete of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Put(u32),
    Delete(u32),
}

/// The keyspaces the writer made, in the order it made them; `scratch` was
/// dropped in the last session.
pub const KEYSPACES: [&str; 4] = ["default", "users", "events", "scratch"];

/// The keyspaces the database lists at the end, sorted.
pub const LISTED: [&str; 3] = ["default", "events", "users"];

/// The key numbers below which every keyspace's keys lie.
pub const KEY_COUNT: u32 = 270;

/// The value round `round` gave key `i` in `keyspace`.
pub fn value(keyspace: &str, round: u32, i: u32) -> Vec<u8> {
    format!("{keyspace} round {round} key {i:04}; ")
        .repeat(3)
        .into_bytes()
}

/// The writes of round `round` in `keyspace`, in order; empty for a round
/// that did not write it.
pub fn round(keyspace: &str, round: u32) -> Vec<Op> {
    let puts = |from: u32, to: u32| (from..to).map(Op::Put).collect::<Vec<_>>();
    let deletes = |from: u32, to: u32, step: usize| {
        (from..to).step_by(step).map(Op::Delete).collect::<Vec<_>>()
    };
    match (keyspace, round) {
        ("default", 1) => puts(0, 240),
        ("default", 2) => [puts(80, 200), deletes(0, 240, 7)].concat(),
        ("default", 3) => [puts(160, 230), deletes(1, 240, 11)].concat(),
        ("users", 1) => puts(0, 120),
        ("users", 2) => [puts(60, 150), deletes(0, 150, 5)].concat(),
        ("users", 3) => vec![Op::Put(150), Op::Put(151), Op::Delete(1), Op::Put(152)],
        ("events", 2) => puts(0, 200),
        ("events", 3) => [puts(100, 180), deletes(0, 100, 3)].concat(),
        ("scratch", 2) => puts(0, 60),
        ("scratch", 3) => [puts(0, 10), deletes(20, 30, 1)].concat(),
        // Round 4: the batches of the last session, each across keyspaces.
        ("default", 4) => [puts(220, 270), vec![Op::Delete(3), Op::Delete(190)]].concat(),
        ("users", 4) => [vec![Op::Delete(61)], puts(200, 230)].concat(),
        ("events", 4) => [deletes(150, 200, 2), vec![Op::Put(1)]].concat(),
        _ => Vec::new(),
    }
}

/// The rounds, oldest first.
pub const ROUNDS: [u32; 4] = [1, 2, 3, 4];

/// What each listed keyspace holds after every round, by name.
pub fn model() -> BTreeMap<&'static str, Model> {
    LISTED
        .iter()
        .map(|&keyspace| {
            let mut map = Model::new();
            for r in ROUNDS {
                for op in round(keyspace, r) {
                    match op {
                        Op::Put(i) => map.insert(key(i), value(keyspace, r, i)),
                        Op::Delete(i) => map.remove(&key(i)),
                    };
                }
            }
            (keyspace, map)
        })
        .collect()
}
