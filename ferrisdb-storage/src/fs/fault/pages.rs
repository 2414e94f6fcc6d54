//! What a power loss leaves of one file's unsynced bytes, page by page, for
//! [`FaultFileSystem::crash_with`](super::FaultFileSystem::crash_with).
//!
//! The bytes a completed `sync` covered are kept exactly (a failed sync's
//! range reads as zeros, as always). The bytes after them were in the page
//! cache, and the kernel writes pages back in any order, whole or in part,
//! while the file's size is metadata that reaches the disk on its own
//! schedule. So the unsynced range is cut into pieces at 4 KiB page
//! boundaries of the file offset (the first piece starts at the synced
//! length, the last ends at the written length), and a crash picks one of
//! these shapes for the file:
//!
//! - nothing of it survives (the file ends at its synced length);
//! - all of it survives;
//! - a prefix survives, cut at any byte (a write torn mid-sector);
//! - every piece independently: kept, zeroed (a hole, or an extent whose
//!   data never reached the disk), torn at a 512-byte sector boundary (the
//!   rest zeros), or garbage (random bytes: data=writeback exposes stale
//!   blocks); then the file's size ends after any piece, or after the last.
//!
//! Then, now and then, the file gets a tail of zeros or garbage from where it
//! ends to the next page boundary, which may reach past anything the process
//! wrote (the size and the block reached the disk, the data did not).

use std::ops::Range;
use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{Rng, RngCore};

use super::CrashModel;

/// The unit in which a crash keeps or loses unsynced data: pages of 4 KiB
/// at multiples of 4 KiB of the file offset.
pub const PAGE_SIZE: usize = 4096;

/// The unit of a torn page: a page write cut short keeps whole sectors.
pub const SECTOR_SIZE: usize = 512;

/// What a crash did to one piece of a file's unsynced bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFate {
    /// On disk as the process wrote it.
    Kept,
    /// Reads as zeros.
    Zeroed,
    /// The first `n` bytes kept, up to a sector boundary, the rest zeros. (A
    /// file cut mid-page by the prefix shape ends in a shorter `Kept` piece
    /// instead.)
    Torn(usize),
    /// Random bytes.
    Garbage,
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
    /// The unsynced pieces still in the file, in order, with their fates.
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
            && self.pieces.iter().all(|(_, fate)| *fate == PageFate::Kept)
    }

    /// Whether a piece lost something while a later one kept something.
    pub(super) fn kept_after_lost(&self) -> bool {
        let lost_at = self.pieces.iter().position(|(range, fate)| match fate {
            PageFate::Kept => false,
            PageFate::Torn(n) => *n < range.len(),
            PageFate::Zeroed | PageFate::Garbage => true,
        });
        lost_at.is_some_and(|i| {
            self.pieces[i + 1..].iter().any(|(_, fate)| match fate {
                PageFate::Kept => true,
                PageFate::Torn(n) => *n > 0,
                PageFate::Zeroed | PageFate::Garbage => false,
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

fn fate(model: &CrashModel, piece: &Range<usize>, rng: &mut StdRng) -> PageFate {
    match rng.random_range(0..100) {
        0..45 => PageFate::Kept,
        45..75 => PageFate::Zeroed,
        75..90 => {
            // A sector boundary strictly inside the piece, if it has one.
            let first = piece.start / SECTOR_SIZE + 1;
            let last = (piece.end - 1) / SECTOR_SIZE;
            if first > last {
                return PageFate::Zeroed;
            }
            let boundary = rng.random_range(first..=last) * SECTOR_SIZE;
            PageFate::Torn(boundary - piece.start)
        }
        _ if model.garbage => PageFate::Garbage,
        _ => PageFate::Zeroed,
    }
}

/// Decides what a crash leaves of a file holding `data`, of which the first
/// `synced` bytes are durable and `lost` ranges read as zeros; returns the
/// surviving bytes and what happened.
pub(super) fn crash_file(
    path: PathBuf,
    data: &[u8],
    synced: usize,
    lost: &[Range<usize>],
    model: &CrashModel,
    rng: &mut StdRng,
) -> (Vec<u8>, FileCrash) {
    let written = data.len();
    let mut out = data[..synced].to_vec();
    for range in lost {
        let end = range.end.min(out.len());
        out[range.start.min(end)..end].fill(0);
    }
    let mut crash = FileCrash {
        path,
        synced,
        written,
        pieces: Vec::new(),
        tail: None,
        len: synced,
    };
    if synced == written {
        return (out, crash);
    }
    let all = pieces(synced, written);
    let shape = if model.reorder_pages {
        rng.random_range(0..8)
    } else {
        rng.random_range(0..4)
    };
    crash.pieces = match shape {
        0 => Vec::new(),
        1 => all.into_iter().map(|r| (r, PageFate::Kept)).collect(),
        2 | 3 => {
            let cut = rng.random_range(synced..=written);
            all.into_iter()
                .filter(|r| r.start < cut)
                .map(|r| {
                    if r.end <= cut {
                        (r, PageFate::Kept)
                    } else {
                        (r.start..cut, PageFate::Kept)
                    }
                })
                .collect()
        }
        _ => {
            let count = if rng.random_bool(0.5) {
                all.len()
            } else {
                rng.random_range(0..=all.len())
            };
            all.into_iter()
                .take(count)
                .map(|r| {
                    let fate = fate(model, &r, rng);
                    (r, fate)
                })
                .collect()
        }
    };
    for (range, fate) in &crash.pieces {
        let bytes = &data[range.clone()];
        match fate {
            PageFate::Kept => out.extend_from_slice(bytes),
            PageFate::Zeroed => out.resize(range.end, 0),
            PageFate::Torn(n) => {
                out.extend_from_slice(&bytes[..*n]);
                out.resize(range.end, 0);
            }
            PageFate::Garbage => {
                let start = out.len();
                out.resize(range.end, 0);
                rng.fill_bytes(&mut out[start..]);
            }
        }
    }
    let end = out.len();
    let boundary = end.div_ceil(PAGE_SIZE) * PAGE_SIZE;
    if boundary > end && rng.random_bool(0.25) {
        let garbage = model.garbage && rng.random_bool(0.5);
        out.resize(boundary, 0);
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
