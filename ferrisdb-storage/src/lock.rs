//! The engine's locking conventions: a lock that survives a panicked holder,
//! and the directory lock that live tables share.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::fs::FileLock;

/// The directory's lock file while an engine holds it, `None` once released.
/// Shared with every live table, which deletes its obsolete file only while
/// the lock is held and holds this mutex while it does, so no file is deleted
/// once another instance may own the directory.
pub(crate) type DirectoryLock = Arc<Mutex<Option<Box<dyn FileLock>>>>;

/// Locks a mutex, recovering the data if a thread panicked while holding it.
///
/// Every critical section in the engine leaves its data consistent before it
/// can panic (they only swap whole values in), so a poisoned lock holds valid
/// state, and refusing it would turn one failed thread into a dead database.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
