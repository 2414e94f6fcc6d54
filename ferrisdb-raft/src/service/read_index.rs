//! Linearizable reads that share a read index: the reads waiting on a node
//! at one time wait for one leadership round, not one round each.
//!
//! A read may be answered from the node's own map once the node has
//! (1) confirmed with a quorum, in a round that *began after the read
//! arrived*, that it still leads, and (2) applied its log up to the commit
//! index it had when that round began. openraft's `ensure_linearizable`
//! does both. Any round that began after the read arrived will do: a write
//! acknowledged before the read arrived was committed before the round
//! began, so the map the read sees holds it, and no other leader can have
//! committed anything newer before the round's quorum answered.
//!
//! So one round runs at a time, and the reads that arrive while it runs
//! wait for the next one and share it: with `n` reads arriving together, a
//! round serves all of them instead of `n` rounds each serving one. The
//! cost is a read's latency: up to two rounds, the one under way when it
//! arrived and its own.

use std::sync::atomic::{AtomicU64, Ordering};

use openraft::error::{CheckIsLeaderError, RaftError};
use openraft::BasicNode;
use tokio::sync::Mutex;

use super::Raft;

/// Why a node could not confirm a read: not the leader (with the leader it
/// knows, to redirect to), or stopped.
pub type ReadIndexError = RaftError<u64, CheckIsLeaderError<u64, BasicNode>>;

/// A node's shared read index.
pub struct ReadIndex {
    raft: Raft,
    /// Stamps arrivals and round starts in one order.
    clock: AtomicU64,
    /// The last round: the stamp of its start and its outcome. The lock is
    /// held for the whole of a round, so rounds run one at a time and the
    /// reads that wait for the lock wait for the round under way.
    last: Mutex<Option<(u64, Result<(), ReadIndexError>)>>,
    /// How many rounds have run (for tests and benchmarks).
    rounds: AtomicU64,
}

impl std::fmt::Debug for ReadIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadIndex")
            .field("rounds", &self.rounds())
            .finish_non_exhaustive()
    }
}

impl ReadIndex {
    /// The shared read index of the node `raft`.
    pub fn new(raft: Raft) -> ReadIndex {
        ReadIndex {
            raft,
            clock: AtomicU64::new(0),
            last: Mutex::new(None),
            rounds: AtomicU64::new(0),
        }
    }

    /// Returns once a read that arrived at this call may be answered from
    /// the node's map: a round that began after the call confirmed the
    /// leadership and the map applied that far. The round may be shared
    /// with other reads.
    ///
    /// # Errors
    ///
    /// The round's error, shared by every read that waited for it: this
    /// node is not the leader (`ForwardToLeader` names the one it knows),
    /// could not reach a quorum, or stopped.
    pub async fn ensure(&self) -> Result<(), ReadIndexError> {
        // Relaxed is enough: the check below compares two read-modify-writes
        // of this one counter, and every ordering keeps those in one
        // modification order, which is the order in which they ran (each
        // reads the latest value). `last` is behind the mutex.
        let arrival = self.clock.fetch_add(1, Ordering::Relaxed);
        let mut last = self.last.lock().await;
        if let Some((start, outcome)) = last.as_ref() {
            if *start > arrival {
                return outcome.clone();
            }
        }
        let start = self.clock.fetch_add(1, Ordering::Relaxed);
        // Relaxed: a statistic, read on its own.
        self.rounds.fetch_add(1, Ordering::Relaxed);
        let outcome = self.raft.ensure_linearizable().await.map(|_| ());
        *last = Some((start, outcome.clone()));
        outcome
    }

    /// How many leadership rounds have run.
    pub fn rounds(&self) -> u64 {
        self.rounds.load(Ordering::Relaxed)
    }
}
