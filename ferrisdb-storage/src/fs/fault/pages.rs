//! What a power loss leaves of one file's unsynced bytes, page by page, for
//! [`FaultFileSystem::crash_with`](super::FaultFileSystem::crash_with).
//!
//! The bytes a completed `sync` covered are kept exactly (a failed sync's
//! range reads as zeros, as always). The bytes written since were in the page
//! cache, and the kernel writes pages back in any order, whole or in part,
//! while the file's size is metadata that reaches the disk on its own
//! schedule. So the unsynced bytes are cut into pieces at 4 KiB page
//! boundaries of the file offset: first the pages written in place over
//! durable bytes (room preallocated past a log's end, see `inode.rs`), then
//! the range past the synced length (the first piece starts there, the last
//! ends at the written length). A crash picks one of these shapes for the
//! file:
//!
//! - nothing of it survives (every page overwritten holds its durable bytes,
//!   the file ends at its synced length);
//! - all of it survives;
//! - a prefix survives, in file order, cut at any byte (a write torn
//!   mid-sector);
//! - every piece independently: kept, lost (a page overwritten in place holds
//!   its durable bytes; one past the synced length reads as zeros: a hole, or
//!   an extent whose data never reached the disk), torn at a 512-byte sector
//!   boundary (the rest as lost), or, past the synced length, garbage (random
//!   bytes: data=writeback exposes stale blocks); then the file's size ends
//!   after any piece, or after the last.
//!
//! A file cut shorter than its synced length since its last sync (an
//! unsynced [`set_len`](crate::fs::WritableFile::set_len)) keeps the cut,
//! or its durable size and bytes, whatever its shape.
//!
//! Then, now and then, the file gets a tail of zeros or garbage from where it
//! ends to the next page boundary, which may reach past anything the process
//! wrote (the size and the block reached the disk, the data did not).

use std::ops::Range;
use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{Rng, RngCore};

use super::inode::{resize_zeroed, Inode, PAGE_SIZE};
use super::CrashModel;

/// The unit of a torn page: a page write cut short keeps whole sectors.
pub const SECTOR_SIZE: usize = 512;

/// What a crash did to one piece of a file's unsynced bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFate {
    /// On disk as the process wrote it.
    Kept,
    /// Reads as zeros.
    Zeroed,
    /// The first `n` bytes kept, up to a sector boundary, the rest lost
    /// (zeros, or a page overwritten in place its durable bytes). (A cut at
    /// any byte by the prefix shape makes a shorter `Kept` piece instead.)
    Torn(usize),
    /// Random bytes (never in a page overwritten in place, which holds
    /// durable bytes).
    Garbage,
    /// A page overwritten in place: its durable bytes, as before the write.
    Old,
}

/// Bytes past where the file's surviving data ends, up to a page boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tail {
    pub(super) range: Range<usize>,
    pub(super) garbage: bool,
}

/// What a crash left of one file.
#[derive(Debug, Clone)]
pub(super) struct FileCrash {
    /// The first of the file's names in the crashed listing.
    pub(super) path: PathBuf,
    pub(super) synced: usize,
    pub(super) written: usize,
    /// The pages overwritten in place below the synced length, in order,
    /// with their fates.
    pub(super) overwritten: Vec<(Range<usize>, PageFate)>,
    /// The unsynced pieces past the synced length still in the file, in
    /// order, with their fates.
    pub(super) pieces: Vec<(Range<usize>, PageFate)>,
    pub(super) tail: Option<Tail>,
    /// The file's length after the crash.
    pub(super) len: usize,
}

impl FileCrash {
    /// Whether every byte the process wrote is there, as written.
    pub(super) fn intact(&self) -> bool {
        self.len == self.written
            && self.tail.is_none()
            && self.all_pieces().all(|(_, fate)| *fate == PageFate::Kept)
    }

    /// Every unsynced piece, in file order.
    pub(super) fn all_pieces(&self) -> impl Iterator<Item = &(Range<usize>, PageFate)> {
        self.overwritten.iter().chain(&self.pieces)
    }

    /// Whether a piece lost something while a later one kept something.
    pub(super) fn kept_after_lost(&self) -> bool {
        let pieces: Vec<_> = self.all_pieces().collect();
        let lost_at = pieces.iter().position(|(range, fate)| match fate {
            PageFate::Kept => false,
            PageFate::Torn(n) => *n < range.len(),
            PageFate::Zeroed | PageFate::Garbage | PageFate::Old => true,
        });
        lost_at.is_some_and(|i| {
            pieces[i + 1..].iter().any(|(_, fate)| match fate {
                PageFate::Kept => true,
                PageFate::Torn(n) => *n > 0,
                PageFate::Zeroed | PageFate::Garbage | PageFate::Old => false,
            })
        })
    }
}

/// The unsynced range `from..to` cut at page boundaries.
fn pieces(from: usize, to: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = from;
    while start < to {
        let end = ((start / PAGE_SIZE + 1) * PAGE_SIZE).min(to);
        out.push(start..end);
        start = end;
    }
    out
}

/// The fate of one unsynced piece: of bytes written over durable ones
/// (`overwrite`: lost, it holds its durable bytes), or past the durable
/// size (lost, it reads as zeros).
fn fate(model: &CrashModel, piece: &Range<usize>, overwrite: bool, rng: &mut StdRng) -> PageFate {
    let lost = if overwrite {
        PageFate::Old
    } else {
        PageFate::Zeroed
    };
    match rng.random_range(0..100) {
        0..45 => PageFate::Kept,
        45..75 => lost,
        75..90 => {
            // A sector boundary strictly inside the piece, if it has one.
            let first = piece.start / SECTOR_SIZE + 1;
            let last = (piece.end - 1) / SECTOR_SIZE;
            if first > last {
                return lost;
            }
            let boundary = rng.random_range(first..=last) * SECTOR_SIZE;
            PageFate::Torn(boundary - piece.start)
        }
        // A page overwritten in place holds durable bytes, which a crash
        // keeps whatever happens to the others: its sectors are each the
        // old ones or the new ones. (Its blocks are allocated and written:
        // `set_len` writes its zeros.)
        _ if model.garbage && !overwrite => PageFate::Garbage,
        _ => lost,
    }
}

/// Decides what a crash leaves of `inode`: returns the surviving bytes and
/// what happened.
pub(super) fn crash_file(
    path: PathBuf,
    inode: &Inode,
    model: &CrashModel,
    rng: &mut StdRng,
) -> (Vec<u8>, FileCrash) {
    let data = &inode.data;
    let (synced, written) = (inode.synced_len, data.len());
    let mut out = inode.durable_image();
    let mut crash = FileCrash {
        path,
        synced,
        written,
        overwritten: Vec::new(),
        pieces: Vec::new(),
        tail: None,
        len: synced,
    };
    if !inode.has_unsynced() {
        return (out, crash);
    }
    let overwrites = inode.overwritten_pages();
    let all = pieces(synced, written);
    let shape = if model.reorder_pages {
        rng.random_range(0..8)
    } else {
        rng.random_range(0..4)
    };
    // Whether an unsynced cut of the file (a shrink) survives.
    let cut_kept;
    (crash.overwritten, crash.pieces, cut_kept) = match shape {
        0 => {
            let old = overwrites.into_iter().map(|r| (r, PageFate::Old));
            (old.collect(), Vec::new(), false)
        }
        1 => {
            let new = overwrites.into_iter().map(|r| (r, PageFate::Kept));
            let all = all.into_iter().map(|r| (r, PageFate::Kept));
            (new.collect(), all.collect(), true)
        }
        2 | 3 => {
            // One cut through the unsynced bytes in file order: everything
            // before it new, everything after it as it was.
            let span = inode.unsynced_span();
            let cut = rng.random_range(span.start..=span.end);
            let mut overwritten = Vec::new();
            for r in overwrites {
                if r.start < cut {
                    overwritten.push((r.start..r.end.min(cut), PageFate::Kept));
                }
                if r.end > cut {
                    overwritten.push((r.start.max(cut)..r.end, PageFate::Old));
                }
            }
            let appended = all
                .into_iter()
                .filter(|r| r.start < cut)
                .map(|r| (r.start..r.end.min(cut), PageFate::Kept))
                .collect();
            (overwritten, appended, cut == span.end)
        }
        _ => {
            let overwritten = overwrites
                .into_iter()
                .map(|r| {
                    let fate = fate(model, &r, true, rng);
                    (r, fate)
                })
                .collect();
            let count = if rng.random_bool(0.5) {
                all.len()
            } else {
                rng.random_range(0..=all.len())
            };
            let appended = all
                .into_iter()
                .take(count)
                .map(|r| {
                    let fate = fate(model, &r, false, rng);
                    (r, fate)
                })
                .collect();
            // Drawn only for a cut, so a file only ever appended to crashes
            // as it did before files could be cut.
            let cut_kept = written < synced && rng.random_bool(0.5);
            (overwritten, appended, cut_kept)
        }
    };
    for (range, fate) in &crash.overwritten {
        let target = &mut out[range.clone()];
        match fate {
            PageFate::Kept => target.copy_from_slice(&data[range.clone()]),
            PageFate::Torn(n) => target[..*n].copy_from_slice(&data[range.start..range.start + n]),
            PageFate::Garbage => rng.fill_bytes(target),
            PageFate::Old | PageFate::Zeroed => {}
        }
    }
    if written < synced && cut_kept {
        out.truncate(written);
    }
    for (range, fate) in &crash.pieces {
        let bytes = &data[range.clone()];
        match fate {
            PageFate::Kept => out.extend_from_slice(bytes),
            PageFate::Zeroed | PageFate::Old => resize_zeroed(&mut out, range.end),
            PageFate::Torn(n) => {
                out.extend_from_slice(&bytes[..*n]);
                resize_zeroed(&mut out, range.end);
            }
            PageFate::Garbage => {
                let start = out.len();
                resize_zeroed(&mut out, range.end);
                rng.fill_bytes(&mut out[start..]);
            }
        }
    }
    let end = out.len();
    let boundary = end.div_ceil(PAGE_SIZE) * PAGE_SIZE;
    if boundary > end && rng.random_bool(0.25) {
        let garbage = model.garbage && rng.random_bool(0.5);
        resize_zeroed(&mut out, boundary);
        if garbage {
            rng.fill_bytes(&mut out[end..]);
        }
        crash.tail = Some(Tail {
            range: end..boundary,
            garbage,
        });
    }
    crash.len = out.len();
    (out, crash)
}
