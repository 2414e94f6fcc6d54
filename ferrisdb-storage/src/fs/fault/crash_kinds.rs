//! The words of a crash: which kinds of damage a crash may do
//! ([`CrashModel`], with the seed that picks one state) and which it did
//! ([`CrashKind`], as a [`CrashReport`](super::CrashReport) lists them).
//! `crash_model.rs` makes the crash; `report.rs` describes it.

/// Which crash states [`FaultFileSystem::crash_with`](super::FaultFileSystem::crash_with) may produce, and the
/// seed that picks one. [`CrashModel::new`] allows them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrashModel {
    /// Picks every choice; the same seed on the same file system gives the
    /// same state.
    pub seed: u64,
    /// Unsynced pages survive in any combination (holes included); without
    /// it a file keeps a prefix of its unsynced bytes.
    pub reorder_pages: bool,
    /// Random bytes may stand where unsynced data was, and past it up to a
    /// page boundary; without it, such bytes are zeros.
    pub garbage: bool,
    /// Unsynced name changes and directories survive in any combination;
    /// without it none does, as with [`FaultFileSystem::crash`](super::FaultFileSystem::crash).
    pub reorder_names: bool,
}

impl CrashModel {
    /// Every kind of crash state, picked by `seed`.
    pub fn new(seed: u64) -> Self {
        CrashModel {
            seed,
            reorder_pages: true,
            garbage: true,
            reorder_names: true,
        }
    }
}

/// A kind of thing a crash did, for statistics and for tests that need each
/// kind to happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum CrashKind {
    /// A file lost unsynced bytes at its end: its written data stops short.
    CutShort,
    /// A file lost part of its unsynced data (zeros, garbage, a torn page)
    /// while a later unsynced page survived.
    KeptAfterLost,
    /// An unsynced page reads as zeros.
    ZeroedPage,
    /// An unsynced page kept up to a sector boundary, zeros after.
    TornPage,
    /// Random bytes where unsynced data was, or past it.
    Garbage,
    /// An unsynced write over bytes a sync made durable (room preallocated
    /// past a log's end) was lost, whole or in part: its page holds the
    /// bytes it held before.
    OverwriteLost,
    /// A file longer than anything written to it (or than an unsynced cut
    /// left it).
    Extended,
    /// A name change no directory sync made durable survived.
    UnsyncedNameKept,
    /// A name change no directory sync made durable was lost.
    UnsyncedNameLost,
    /// A name change no directory sync made durable survived, and the file
    /// it names lost unsynced data.
    UnsyncedNameWithoutData,
    /// A directory created since its parent's last sync survived.
    UnsyncedDirKept,
    /// A directory created since its parent's last sync was lost.
    UnsyncedDirLost,
}
