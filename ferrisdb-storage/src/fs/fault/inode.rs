//! The contents of one file of [`FaultFileSystem`](super::FaultFileSystem),
//! live and durable: what a running process reads, and what a power loss
//! would leave of it for sure.
//!
//! A file is written at its append position, which is its end except in
//! room [`set_len`](crate::fs::WritableFile::set_len) preallocated past
//! it: appends there overwrite zeros in place, and so may change bytes a
//! sync already made durable. So an inode keeps, beside its live bytes and
//! its durable size, the durable bytes of every page changed below that
//! size since the last sync (by a write over it, or by cutting it off):
//! until the next sync, a crash may leave those instead of the new ones.

use std::collections::BTreeMap;
use std::ops::Range;

/// The unit in which a crash keeps or loses unsynced data: pages of 4 KiB
/// at multiples of 4 KiB of the file offset.
pub const PAGE_SIZE: usize = 4096;

/// The contents of one file (an inode: renames move it to another name).
#[derive(Debug, Default, Clone)]
pub(super) struct Inode {
    /// The bytes a running process reads; their length is the file's size.
    pub(super) data: Vec<u8>,
    /// The file's size as of its last sync: durable.
    pub(super) synced_len: usize,
    /// Ranges a failed sync dropped: below `synced_len`, yet zeros after a
    /// crash (see [`FaultFileSystem`](super::FaultFileSystem)'s "failed
    /// syncs").
    pub(super) lost: Vec<Range<usize>>,
    /// By page index, the durable bytes (up to `synced_len`) of each page
    /// changed below `synced_len` since the last sync: overwritten in place,
    /// or cut off by a shrink.
    pub(super) old_pages: BTreeMap<usize, Vec<u8>>,
    /// The byte ranges below `synced_len` written since the last sync: what
    /// a failed sync drops.
    overwritten: Vec<Range<usize>>,
}

impl Inode {
    /// A file whose `data` is all durable.
    pub(super) fn durable(data: Vec<u8>) -> Inode {
        Inode {
            synced_len: data.len(),
            data,
            ..Inode::default()
        }
    }

    /// Writes `bytes` at `at` (at most the file's size), over what is there
    /// and past the end.
    pub(super) fn write_at(&mut self, at: usize, bytes: &[u8]) {
        let end = at + bytes.len();
        self.save_old(at..end);
        if at < self.synced_len {
            self.overwritten.push(at..end.min(self.synced_len));
        }
        if self.data.len() < end {
            resize_zeroed(&mut self.data, end);
        }
        self.data[at..end].copy_from_slice(bytes);
    }

    /// Makes the file `len` bytes long: zeros past its end, or cut.
    pub(super) fn set_len(&mut self, len: usize) {
        let old = self.data.len();
        self.save_old(len.min(old)..len.max(old));
        resize_zeroed(&mut self.data, len);
    }

    /// A sync completed: the file as it is now is durable. Every page it
    /// wrote back is whole again, whatever an earlier failed sync dropped.
    pub(super) fn synced(&mut self) {
        for &page in self.old_pages.keys() {
            let range = page * PAGE_SIZE..(page + 1) * PAGE_SIZE;
            self.lost = std::mem::take(&mut self.lost)
                .into_iter()
                .flat_map(|r| subtract(r, &range))
                .collect();
        }
        self.old_pages.clear();
        self.overwritten.clear();
        self.synced_len = self.data.len();
    }

    /// A sync failed: as Linux does, the bytes it was to make durable are
    /// dropped from the way to the disk and count as clean; a crash turns
    /// them into zeros.
    pub(super) fn sync_failed(&mut self) {
        let len = self.data.len();
        for range in std::mem::take(&mut self.overwritten) {
            let range = range.start.min(len)..range.end.min(len);
            if !range.is_empty() {
                self.lost.push(range);
            }
        }
        if self.synced_len < len {
            self.lost.push(self.synced_len..len);
        }
        self.old_pages.clear();
        self.synced_len = len;
    }

    /// The bytes a crash keeps for sure: the file at its durable size, as
    /// of its last sync, with what failed syncs dropped as zeros.
    pub(super) fn durable_image(&self) -> Vec<u8> {
        let mut out = vec![0; self.synced_len];
        let n = self.synced_len.min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        for range in &self.lost {
            let end = range.end.min(out.len());
            out[range.start.min(end)..end].fill(0);
        }
        for (&page, old) in &self.old_pages {
            let start = page * PAGE_SIZE;
            out[start..start + old.len()].copy_from_slice(old);
        }
        out
    }

    /// The pages overwritten in place since the last sync, as the ranges of
    /// them below both the durable and the live size: where the live bytes
    /// and the durable ones may differ, inside both files.
    pub(super) fn overwritten_pages(&self) -> Vec<Range<usize>> {
        let limit = self.synced_len.min(self.data.len());
        self.old_pages
            .keys()
            .map(|&page| page * PAGE_SIZE..((page + 1) * PAGE_SIZE).min(limit))
            .filter(|range| !range.is_empty())
            .collect()
    }

    /// The bytes written since the last sync, in file order, from the first
    /// to the last: where a crash that keeps a prefix of them cuts. Empty,
    /// at the file's end, when nothing was written (a cut alone).
    pub(super) fn unsynced_span(&self) -> Range<usize> {
        let len = self.data.len();
        let start = self.overwritten.iter().map(|r| r.start).min();
        let end = self.overwritten.iter().map(|r| r.end).max();
        match (start, end) {
            _ if len > self.synced_len => start.unwrap_or(len).min(self.synced_len)..len,
            (Some(start), Some(end)) => start..end,
            _ => len..len,
        }
    }

    /// Whether anything changed since the last sync.
    pub(super) fn has_unsynced(&self) -> bool {
        self.data.len() != self.synced_len || !self.old_pages.is_empty()
    }

    /// Remembers the durable bytes of every page of `range` below
    /// `synced_len` not remembered yet, before they change.
    fn save_old(&mut self, range: Range<usize>) {
        if range.start >= self.synced_len || range.is_empty() {
            return;
        }
        let first = range.start / PAGE_SIZE;
        let last = (range.end.min(self.synced_len) - 1) / PAGE_SIZE;
        for page in first..=last {
            if self.old_pages.contains_key(&page) {
                continue;
            }
            let start = page * PAGE_SIZE;
            let end = ((page + 1) * PAGE_SIZE).min(self.synced_len);
            // Every page past the live size is remembered already: it was
            // cut off, and remembered then.
            let mut old = self.data[start..end].to_vec();
            for lost in &self.lost {
                let (from, to) = (lost.start.max(start), lost.end.min(end));
                if from < to {
                    old[from - start..to - start].fill(0);
                }
            }
            self.old_pages.insert(page, old);
        }
    }
}

/// `bytes.resize(len, 0)`, also fast in an unoptimized build (the tests'):
/// there `resize` stores its zeros one at a time, which made the 1 MiB a log
/// preallocates (`set_len`) most of a crash scenario's time; this copies
/// them from a block of zeros.
pub(super) fn resize_zeroed(bytes: &mut Vec<u8>, len: usize) {
    const ZEROS: [u8; 4096] = [0; 4096];
    bytes.truncate(len);
    bytes.reserve(len - bytes.len());
    while bytes.len() < len {
        let n = (len - bytes.len()).min(ZEROS.len());
        bytes.extend_from_slice(&ZEROS[..n]);
    }
}

/// `range` without the bytes of `cut`: none, one or two ranges.
fn subtract(range: Range<usize>, cut: &Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if range.start < cut.start {
        out.push(range.start..range.end.min(cut.start));
    }
    if range.end > cut.end {
        out.push(range.start.max(cut.end)..range.end);
    }
    out.retain(|r| !r.is_empty());
    out
}
