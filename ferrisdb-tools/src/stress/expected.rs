//! The expected-state file: what every key must hold, kept outside the
//! database so it survives the database's process being killed.
//!
//! ```text
//! file  := magic: "FDBSTRS1" (8 bytes)  keys: u64 LE  slot[keys]
//! slot  := pending: u32 LE  done: u32 LE
//! value := generation << 1 | present     (0: never written)
//! ```
//!
//! A key's *value* names its state: generation `g` of the key, put (`present`
//! = 1) or deleted (0). The database stores a put of generation `g` as a value
//! that spells the key and `g` ([`encode_value`]).
//!
//! Keys are split between threads (key `k` belongs to thread `k % threads`),
//! so each key has at most one write in flight, as in RocksDB's db_stress.
//! A thread writes `pending` for every key of a batch *before* the batch, and
//! `done` *after* the engine acknowledges it. After a kill, a key must hold
//! `done` or, if a write was in flight, `pending`: anything else is a lost
//! acknowledged write (or a write from nowhere). Verification then sets both
//! slots to what the database holds, and the next run continues from there.
//!
//! The slots are written with `pwrite` and never synced: a killed process's
//! writes stay in the page cache, which is all a SIGKILL test needs.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

const MAGIC: &[u8; 8] = b"FDBSTRS1";
const HEADER_LEN: u64 = 16;
const SLOT_LEN: u64 = 8;

/// A key's state: `generation << 1 | present`; 0 is "never written".
pub type Value = u32;

/// Whether `value` is a put (as opposed to a delete or nothing).
pub fn is_present(value: Value) -> bool {
    value & 1 == 1
}

/// The generation of `value`.
pub fn generation(value: Value) -> u32 {
    value >> 1
}

/// The value for generation `generation`, put or deleted.
pub fn make_value(generation: u32, present: bool) -> Value {
    (generation << 1) | u32::from(present)
}

/// The key string of key number `k`.
pub fn key_bytes(k: u64) -> Vec<u8> {
    format!("stress-key-{k:08}").into_bytes()
}

/// What the database stores for a put of `value` to key `k`: the key and the
/// generation, padded to `size` bytes with a pattern derived from both, so a
/// value from another key or generation, or a damaged one, never matches.
pub fn encode_value(k: u64, value: Value, size: usize) -> Vec<u8> {
    let mut bytes = format!("{k}:{}:", generation(value)).into_bytes();
    let mut x = u64::from(value) ^ (k << 20) ^ 0x9e37_79b9_7f4a_7c15;
    while bytes.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.push(b'a' + (x % 26) as u8);
    }
    bytes
}

/// The value a stored put decodes to, if it is exactly what
/// [`encode_value`] writes for key `k`.
pub fn decode_value(k: u64, stored: &[u8], size: usize) -> Option<Value> {
    let text = std::str::from_utf8(stored).ok()?;
    let mut parts = text.splitn(3, ':');
    if parts.next()? != k.to_string() {
        return None;
    }
    let generation: u32 = parts.next()?.parse().ok()?;
    let value = make_value(generation, true);
    (encode_value(k, value, size) == stored).then_some(value)
}

/// The expected-state file, shared by the threads of one process.
#[derive(Debug)]
pub struct ExpectedState {
    file: File,
    keys: u64,
}

impl ExpectedState {
    /// Opens `path`, creating it for `keys` keys (all never written) if it
    /// does not exist. An existing file must be for the same number of keys.
    pub fn open(path: &Path, keys: u64) -> io::Result<ExpectedState> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let len = HEADER_LEN + keys * SLOT_LEN;
        if file.metadata()?.len() == 0 {
            let mut header = Vec::with_capacity(HEADER_LEN as usize);
            header.extend_from_slice(MAGIC);
            header.extend_from_slice(&keys.to_le_bytes());
            write_all_at(&file, &header, 0)?;
            file.set_len(len)?;
            file.sync_all()?;
        }
        let mut header = [0u8; HEADER_LEN as usize];
        read_exact_at(&file, &mut header, 0)?;
        let stored_keys = u64::from_le_bytes(header[8..16].try_into().expect("8 bytes"));
        if &header[..8] != MAGIC || stored_keys != keys || file.metadata()?.len() != len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is not an expected-state file for {keys} keys; delete it with the database",
                    path.display()
                ),
            ));
        }
        Ok(ExpectedState { file, keys })
    }

    /// The number of keys.
    pub fn keys(&self) -> u64 {
        self.keys
    }

    /// `(pending, done)` of key `k`.
    pub fn get(&self, k: u64) -> io::Result<(Value, Value)> {
        let mut slot = [0u8; SLOT_LEN as usize];
        read_exact_at(&self.file, &mut slot, HEADER_LEN + k * SLOT_LEN)?;
        let pending = u32::from_le_bytes(slot[..4].try_into().expect("4 bytes"));
        let done = u32::from_le_bytes(slot[4..].try_into().expect("4 bytes"));
        Ok((pending, done))
    }

    /// Records that a write of `value` to key `k` is about to start.
    pub fn set_pending(&self, k: u64, value: Value) -> io::Result<()> {
        write_all_at(&self.file, &value.to_le_bytes(), HEADER_LEN + k * SLOT_LEN)
    }

    /// Records that the write of `value` to key `k` was acknowledged.
    pub fn set_done(&self, k: u64, value: Value) -> io::Result<()> {
        write_all_at(
            &self.file,
            &value.to_le_bytes(),
            HEADER_LEN + k * SLOT_LEN + 4,
        )
    }

    /// Sets both slots of key `k`: after verification, the state found.
    pub fn set_both(&self, k: u64, value: Value) -> io::Result<()> {
        let mut slot = [0u8; SLOT_LEN as usize];
        slot[..4].copy_from_slice(&value.to_le_bytes());
        slot[4..].copy_from_slice(&value.to_le_bytes());
        write_all_at(&self.file, &slot, HEADER_LEN + k * SLOT_LEN)
    }

    /// Makes the file durable (at the end of a verification).
    pub fn sync(&self) -> io::Result<()> {
        self.file.sync_all()
    }
}

/// `pwrite` of all of `bytes` at `offset`.
#[cfg(unix)]
fn write_all_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

/// `pread` of exactly `buf.len()` bytes at `offset`.
#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Positioned write of all of `bytes` at `offset` (untested: CI runs Linux).
#[cfg(windows)]
fn write_all_at(file: &File, mut bytes: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !bytes.is_empty() {
        let n = file.seek_write(bytes, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

/// Positioned read of exactly `buf.len()` bytes at `offset` (untested: CI
/// runs Linux).
#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_read(buf, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_decode_only_for_their_key_and_generation() {
        let value = make_value(42, true);
        let stored = encode_value(7, value, 100);
        assert_eq!(stored.len(), 100);
        assert_eq!(decode_value(7, &stored, 100), Some(value));
        assert_eq!(decode_value(8, &stored, 100), None, "another key");
        let mut damaged = stored.clone();
        damaged[60] ^= 1;
        assert_eq!(decode_value(7, &damaged, 100), None, "damaged padding");
        let older = encode_value(7, make_value(41, true), 100);
        assert_eq!(decode_value(7, &older, 100), Some(make_value(41, true)));
        assert!(!is_present(make_value(3, false)));
        assert_eq!(generation(make_value(3, false)), 3);
    }

    #[test]
    fn slots_persist_and_a_file_for_other_keys_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("expected");
        let state = ExpectedState::open(&path, 10).unwrap();
        assert_eq!(state.get(3).unwrap(), (0, 0));
        state.set_pending(3, 5).unwrap();
        state.set_done(4, 7).unwrap();
        drop(state);
        let state = ExpectedState::open(&path, 10).unwrap();
        assert_eq!(state.get(3).unwrap(), (5, 0));
        assert_eq!(state.get(4).unwrap(), (0, 7));
        state.set_both(3, 9).unwrap();
        assert_eq!(state.get(3).unwrap(), (9, 9));
        assert!(ExpectedState::open(&path, 11).is_err());
    }
}
