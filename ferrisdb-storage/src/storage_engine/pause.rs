//! A test-only pause point in the reads, built only with the `test-hooks`
//! feature (the integration tests turn it on), so a real build's reads pay
//! nothing for it.
//!
//! A read (`get`, `scan`, `scan_prefix`, `snapshot`) reaches the point right
//! after it has chosen its timestamp, before it looks at any data. A test
//! arms it with [`StorageEngine::pause_next_read`], runs a read on another
//! thread, waits until that read is paused, changes the database (writes,
//! flushes, compactions), and releases it: the read must then return what
//! was there at its timestamp.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::StorageEngine;

/// How long [`ReadPause::wait_until_paused`] waits before it decides the test
/// is broken. Only a guard against hanging forever.
const HANG_GUARD: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Phase {
    #[default]
    Idle,
    /// The next read to reach the point stops there.
    Armed,
    /// A read waits at the point.
    Paused,
}

/// The pause point of one engine.
#[derive(Debug, Default)]
pub(super) struct PausePoint {
    /// Whether the point is armed, so that reads of a test that never arms
    /// it take no lock.
    armed: AtomicBool,
    phase: Mutex<Phase>,
    changed: Condvar,
}

impl PausePoint {
    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Called by every read once it has its timestamp: waits there if the
    /// point is armed, until the test releases it.
    pub(super) fn reached(&self) {
        if !self.armed.load(Ordering::Acquire) {
            return;
        }
        let mut phase = self.phase();
        if *phase != Phase::Armed {
            return;
        }
        *phase = Phase::Paused;
        self.changed.notify_all();
        while *phase == Phase::Paused {
            phase = self
                .changed
                .wait(phase)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

/// An armed pause point; see [`StorageEngine::pause_next_read`]. Dropping it
/// releases the read.
#[doc(hidden)]
#[derive(Debug)]
pub struct ReadPause<'a> {
    point: &'a PausePoint,
}

impl ReadPause<'_> {
    /// Waits until a read is paused at the point.
    ///
    /// # Panics
    ///
    /// If no read gets there within a minute: the test is broken.
    pub fn wait_until_paused(&self) {
        let deadline = Instant::now() + HANG_GUARD;
        let mut phase = self.point.phase();
        while *phase != Phase::Paused {
            let left = deadline
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("no read paused within {HANG_GUARD:?}"));
            phase = self
                .point
                .changed
                .wait_timeout(phase, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }

    /// Lets the paused read go on (or disarms the point if none came).
    pub fn release(self) {}
}

impl Drop for ReadPause<'_> {
    fn drop(&mut self) {
        self.point.armed.store(false, Ordering::Release);
        *self.point.phase() = Phase::Idle;
        self.point.changed.notify_all();
    }
}

impl StorageEngine {
    /// Test hook (feature `test-hooks`): the next read to choose its
    /// timestamp stops right after, until the returned [`ReadPause`] is
    /// released or dropped.
    #[doc(hidden)]
    pub fn pause_next_read(&self) -> ReadPause<'_> {
        *self.handle.read_pause.phase() = Phase::Armed;
        self.handle.read_pause.armed.store(true, Ordering::Release);
        ReadPause {
            point: &self.handle.read_pause,
        }
    }
}
