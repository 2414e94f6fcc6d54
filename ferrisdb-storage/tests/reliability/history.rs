//! The history of a run, every write attempted and whether it was
//! acknowledged, and the check that a recovered state is a prefix of it with
//! no holes.

use std::collections::BTreeSet;

use super::change::{apply, Change};
use super::workload::State;

/// A write and what the engine said about it.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The write.
    pub changes: Vec<Change>,
    /// Whether the engine returned `Ok`.
    pub acknowledged: bool,
}

/// Every write a run attempted, in order, starting from `initial`.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The state before the first attempt.
    pub initial: State,
    /// The attempts.
    pub attempts: Vec<Attempt>,
    /// How many attempts a completed `sync_wal`, `flush` or `close` made
    /// durable: the first `durable` are there after a crash in any sync
    /// mode.
    pub durable: usize,
    /// Every keyspace create attempted, in order, and whether it was
    /// acknowledged. A create is one durable manifest write, so an
    /// acknowledged one survives a crash in any sync mode.
    pub keyspaces: Vec<(String, bool)>,
}

impl History {
    /// The number of acknowledged writes.
    pub fn acknowledged(&self) -> usize {
        self.attempts.iter().filter(|a| a.acknowledged).count()
    }

    /// Whether any write failed.
    pub fn any_failed(&self) -> bool {
        self.attempts.iter().any(|a| !a.acknowledged)
    }

    /// Checks the keyspaces a recovered database has, `present`: every
    /// acknowledged create among them, and none that no create attempted
    /// (`default` aside). A keyspace's data is judged by [`check`](Self::check).
    pub fn check_keyspaces(&self, present: &[String]) -> Result<(), String> {
        for (name, acknowledged) in &self.keyspaces {
            if *acknowledged && !present.contains(name) {
                return Err(format!(
                    "keyspace {name} was created (acknowledged) and is gone: {present:?}"
                ));
            }
        }
        for name in present {
            if name != "default" && !self.keyspaces.iter().any(|(n, _)| n == name) {
                return Err(format!("keyspace {name} was never created: {present:?}"));
            }
        }
        Ok(())
    }

    /// The state with every attempt applied (what a run that saw no error
    /// holds).
    pub fn all_applied(&self) -> State {
        let mut state = self.initial.clone();
        for a in &self.attempts {
            apply(&mut state, &a.changes);
        }
        state
    }

    /// Checks `recovered` against the rule in the module docs of
    /// `reliability` (`mod.rs`). On success returns how many attempts it
    /// reflects; on failure a description naming the acknowledged writes that
    /// are missing or wrong.
    pub fn check(&self, recovered: &State) -> Result<usize, String> {
        self.check_from(recovered, self.last_acknowledged().max(self.durable))
    }

    /// The number of attempts up to the last acknowledged one.
    pub fn last_acknowledged(&self) -> usize {
        self.attempts
            .iter()
            .rposition(|a| a.acknowledged)
            .map_or(0, |i| i + 1)
    }

    /// Like [`check`](Self::check), but with the state after `W1 ..= Wm`
    /// for any `m >= must` (`SyncMode::Normal` keeps only the writes a
    /// `sync_wal` made durable: `must` is [`durable`](Self::durable)).
    pub fn check_from(&self, recovered: &State, must: usize) -> Result<usize, String> {
        let mut candidates: Vec<State> = vec![self.initial.clone()];
        for m in 0..=self.attempts.len() {
            if m >= must && candidates.iter().any(|c| c == recovered) {
                return Ok(m);
            }
            if m == self.attempts.len() {
                break;
            }
            let attempt = &self.attempts[m];
            let mut next = Vec::new();
            for c in &candidates {
                let mut applied = c.clone();
                apply(&mut applied, &attempt.changes);
                if !attempt.acknowledged && !next.contains(c) {
                    next.push(c.clone());
                }
                if !next.contains(&applied) {
                    next.push(applied);
                }
            }
            next.truncate(256);
            candidates = next;
        }
        let mut expected = self.initial.clone();
        for a in &self.attempts[..must] {
            apply(&mut expected, &a.changes);
        }
        let keys: BTreeSet<&Vec<u8>> = expected.keys().chain(recovered.keys()).collect();
        let diffs: Vec<String> = keys
            .into_iter()
            .filter(|k| expected.get(*k) != recovered.get(*k))
            .take(5)
            .map(|k| {
                format!(
                    "{}: expected {:?}, recovered {:?}",
                    String::from_utf8_lossy(k),
                    expected
                        .get(k)
                        .map(|v| String::from_utf8_lossy(v).into_owned()),
                    recovered
                        .get(k)
                        .map(|v| String::from_utf8_lossy(v).into_owned()),
                )
            })
            .collect();
        Err(format!(
            "recovered state is no prefix of the history at or after #{must} ({} attempts, {} \
             acknowledged, the last #{}, {} durable by sync_wal or flush); first differences \
             from the state after #{must}: {diffs:#?}",
            self.attempts.len(),
            self.acknowledged(),
            self.last_acknowledged(),
            self.durable,
        ))
    }
}
