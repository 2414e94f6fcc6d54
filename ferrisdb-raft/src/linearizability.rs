//! A linearizability checker for histories of a key-value map, each key a
//! register (Wing and Gong's search with Lowe's memoisation): the cluster
//! tests record every invocation and response of their clients and check
//! that some order of the operations, each taking effect at one instant
//! between its invocation and its response, explains every response.
//!
//! An operation whose outcome is unknown (a write whose response was lost:
//! a timeout, a leader that crashed) may have taken effect at any instant
//! after its invocation, or never: it has no response time and need not be
//! linearized. A read whose outcome is unknown constrains nothing and is
//! left out.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// One operation on one key of a history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The instant it was invoked: any totally ordered clock shared by the
    /// clients (the cluster tests take a global counter).
    pub call: u64,
    /// The instant its response arrived; `None` if its outcome is unknown.
    pub ret: Option<u64>,
    /// What it did, and for a read what it saw.
    pub kind: Kind,
}

/// What an operation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Set the key to the value, or delete it (`None`).
    Write(Option<Vec<u8>>),
    /// Read the key and saw this value (`None`: absent).
    Read(Option<Vec<u8>>),
}

/// A key whose operations no order explains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotLinearizable {
    /// The key.
    pub key: Vec<u8>,
    /// Its operations, in invocation order.
    pub operations: Vec<Operation>,
}

impl fmt::Display for NotLinearizable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the {} operations on key {:?} are not linearizable:",
            self.operations.len(),
            String::from_utf8_lossy(&self.key)
        )?;
        for op in &self.operations {
            let ret = op
                .ret
                .map_or_else(|| "unknown".to_owned(), |r| r.to_string());
            writeln!(f, "  [{}, {ret}] {:?}", op.call, op.kind)?;
        }
        Ok(())
    }
}

impl std::error::Error for NotLinearizable {}

/// Checks a history: every key's operations must be linearizable as a
/// register that starts absent.
///
/// # Errors
///
/// [`NotLinearizable`] for the first key (in key order) whose operations
/// no order explains.
pub fn check(history: &BTreeMap<Vec<u8>, Vec<Operation>>) -> Result<(), NotLinearizable> {
    for (key, operations) in history {
        if !register_is_linearizable(operations) {
            let mut operations = operations.clone();
            operations.sort_by_key(|op| op.call);
            return Err(NotLinearizable {
                key: key.clone(),
                operations,
            });
        }
    }
    Ok(())
}

/// Whether one register's operations are linearizable.
pub fn register_is_linearizable(operations: &[Operation]) -> bool {
    // Values as small numbers, so that a search state is cheap to remember;
    // 0 is "absent".
    let mut ids: HashMap<&Option<Vec<u8>>, u32> = HashMap::new();
    let absent: Option<Vec<u8>> = None;
    ids.insert(&absent, 0);
    // A write of unknown outcome whose value no completed read saw can
    // always be taken as never done: in any order that places it, the next
    // operation after it is a write (a read would have seen its value), so
    // leaving it out keeps the order valid. Left out, it does not multiply
    // the search by the ways to place it.
    let seen: HashSet<&Option<Vec<u8>>> = (operations.iter())
        .filter_map(|op| match &op.kind {
            Kind::Read(v) if op.ret.is_some() => Some(v),
            _ => None,
        })
        .collect();
    let mut ops: Vec<(u64, u64, bool, u32)> = Vec::new();
    for op in operations {
        let (is_write, value) = match &op.kind {
            Kind::Write(v) if op.ret.is_none() && !seen.contains(v) => continue,
            Kind::Write(v) => (true, v),
            // A read without a response constrains nothing.
            Kind::Read(_) if op.ret.is_none() => continue,
            Kind::Read(v) => (false, v),
        };
        let next = u32::try_from(ids.len()).expect("fewer than 2^32 values");
        let id = *ids.entry(value).or_insert(next);
        ops.push((op.call, op.ret.unwrap_or(u64::MAX), is_write, id));
    }
    ops.sort_by_key(|&(call, ..)| call);
    let required = ops.iter().filter(|op| op.1 != u64::MAX).count();
    Search {
        ops: &ops,
        done: vec![0; ops.len().div_ceil(64)],
        seen: HashSet::new(),
    }
    .run(0, required)
}

/// The depth-first search for a linearization.
struct Search<'a> {
    /// (call, return or `u64::MAX` if unknown, is a write, value), by call.
    ops: &'a [(u64, u64, bool, u32)],
    /// The operations linearized so far, as a bitset.
    done: Vec<u64>,
    /// The (linearized set, register value) states already explored.
    seen: HashSet<(Vec<u64>, u32)>,
}

impl Search<'_> {
    fn is_done(&self, i: usize) -> bool {
        self.done[i / 64] & (1 << (i % 64)) != 0
    }

    fn flip(&mut self, i: usize) {
        self.done[i / 64] ^= 1 << (i % 64);
    }

    /// Whether the operations not yet linearized can be, from register
    /// value `value`, with `required` completed ones left.
    fn run(&mut self, value: u32, required: usize) -> bool {
        if required == 0 {
            return true;
        }
        if !self.seen.insert((self.done.clone(), value)) {
            return false;
        }
        // An operation may go next only if no other remaining operation
        // returned before it was invoked (an operation returning at the
        // instant another is invoked counts as overlapping it).
        let mut returns = (0..self.ops.len())
            .filter(|&i| !self.is_done(i))
            .map(|i| (self.ops[i].1, i));
        let first = returns.next();
        let (first_return, second_return) =
            returns.fold((first, None), |(first, second), r| match first {
                Some(f) if r < f => (Some(r), Some(f)),
                _ => (first, second.min(Some(r)).or(Some(r))),
            });
        for i in 0..self.ops.len() {
            let (call, ret, is_write, v) = self.ops[i];
            // The earliest return among the others.
            let bound = match first_return {
                Some((_, j)) if j == i => second_return.map_or(u64::MAX, |(r, _)| r),
                Some((r, _)) => r,
                None => u64::MAX,
            };
            if call > bound {
                break;
            }
            if self.is_done(i) || (!is_write && v != value) {
                continue;
            }
            let after = if is_write { v } else { value };
            let left = required - usize::from(ret != u64::MAX);
            self.flip(i);
            if self.run(after, left) {
                return true;
            }
            self.flip(i);
        }
        false
    }
}

#[cfg(test)]
mod tests;
