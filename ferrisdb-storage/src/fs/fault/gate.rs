//! Holding syncs: a test makes the syncs of some files wait until it lets
//! them go, to look at the engine while a sync is in flight (what readers
//! see, what other writers do) without depending on timing.

use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::FaultFileSystem;

/// How long [`HeldSyncs::wait_until_held`] waits before it decides
/// the test is broken. Only a guard against hanging forever: a passing test
/// never comes near it.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// The held syncs, shared by every clone of one [`FaultFileSystem`].
#[derive(Debug, Default)]
pub(super) struct SyncGate {
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct GateState {
    /// Syncs of files whose name contains this wait; `None`: none wait.
    pattern: Option<String>,
    /// Syncs waiting now.
    held: usize,
}

impl SyncGate {
    fn state(&self) -> MutexGuard<'_, GateState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Called by a file's sync before it does anything: waits while syncs of
    /// `path` are held.
    pub(super) fn pass(&self, path: &Path) {
        let mut state = self.state();
        let held = |state: &GateState| {
            state.pattern.as_deref().is_some_and(|pattern| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.contains(pattern))
            })
        };
        if !held(&state) {
            return;
        }
        state.held += 1;
        self.changed.notify_all();
        while held(&state) {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        state.held -= 1;
    }
}

impl FaultFileSystem {
    /// Makes every later sync of a file whose name contains `pattern` wait,
    /// before it does anything (fault rules included), until the returned
    /// [`HeldSyncs`] is released or dropped. Directory syncs are not held.
    pub fn hold_syncs(&self, pattern: &str) -> HeldSyncs<'_> {
        self.gate.state().pattern = Some(pattern.to_owned());
        HeldSyncs { fs: self }
    }
}

/// Syncs held by [`FaultFileSystem::hold_syncs`]. Dropping it lets them go,
/// so a test that panics meanwhile does not leave a thread waiting forever.
#[derive(Debug)]
pub struct HeldSyncs<'a> {
    fs: &'a FaultFileSystem,
}

impl HeldSyncs<'_> {
    /// Waits until at least `count` syncs are held.
    ///
    /// # Panics
    ///
    /// If that does not happen within a minute: the test is broken.
    pub fn wait_until_held(&self, count: usize) {
        let gate = &self.fs.gate;
        let deadline = Instant::now() + HANG_GUARD;
        let mut state = gate.state();
        while state.held < count {
            let left = deadline
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("no {count} syncs were held within {HANG_GUARD:?}"));
            state = gate
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }

    /// Lets every held sync go on, and holds no more.
    pub fn release(self) {}
}

impl Drop for HeldSyncs<'_> {
    fn drop(&mut self) {
        self.fs.gate.state().pattern = None;
        self.fs.gate.changed.notify_all();
    }
}
