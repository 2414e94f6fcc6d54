//! [`Slice`]: the bytes a read returns, shared instead of copied.
//!
//! A value read from a table lives in a data block, and the block lives in
//! the block cache. Copying the value into a fresh `Vec<u8>` for every read
//! costs an allocation and a `memcpy` per call, and for large values that is
//! most of the read. A `Slice` instead points into the block and keeps it
//! alive with a reference count: handing out a value, or cloning it, copies
//! no bytes. (fjall's `Slice` and RocksDB's `PinnableSlice` exist for the
//! same reason.)
//!
//! The sharing is done by [`bytes::Bytes`], a well-kept crate that does
//! exactly this; `Slice` wraps it so that FerrisDB's API does not change if
//! the representation does.

use std::borrow::Borrow;
use std::fmt;
use std::ops::{Deref, RangeBounds};

use bytes::Bytes;

use crate::escape::escape_bytes;

/// An immutable, cheaply cloned byte string: a value (or key) as a read
/// returns it.
///
/// It dereferences to `[u8]`, so it can be used wherever a `&[u8]` is
/// expected; `to_vec` makes an owned copy when one is
/// needed. Cloning it, or taking a sub-slice with [`slice`](Self::slice),
/// copies no bytes: both share the same buffer.
///
/// A value that comes from the block cache keeps its whole block (a few KiB)
/// alive for as long as the `Slice` lives. Copy it (`to_vec`) before storing
/// many small values for a long time.
///
/// ```
/// use ferrisdb_core::Slice;
///
/// let value = Slice::from(b"hello, world".to_vec());
/// let hello = value.slice(..5);
/// assert_eq!(&*hello, b"hello");
/// assert_eq!(hello, *b"hello");
/// assert!(value.starts_with(b"hello"));
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slice(Bytes);

impl Slice {
    /// An empty slice; allocates nothing.
    pub const fn new() -> Self {
        Slice(Bytes::new())
    }

    /// A slice of a `'static` byte string; allocates nothing.
    pub const fn from_static(bytes: &'static [u8]) -> Self {
        Slice(Bytes::from_static(bytes))
    }

    /// A slice holding a copy of `bytes`.
    pub fn copy_from_slice(bytes: &[u8]) -> Self {
        Slice(Bytes::copy_from_slice(bytes))
    }

    /// The part of this slice in `range`, sharing its buffer (no copy).
    ///
    /// # Panics
    ///
    /// If `range` is out of bounds or decreasing, as slicing a `[u8]` does.
    pub fn slice(&self, range: impl RangeBounds<usize>) -> Self {
        Slice(self.0.slice(range))
    }

    /// The bytes as an owned vector (a copy, unless this slice is the only
    /// owner of a buffer that came from a `Vec`).
    pub fn into_vec(self) -> Vec<u8> {
        Vec::from(self.0)
    }

    /// The `bytes::Bytes` this slice wraps, for code that already speaks
    /// `bytes`.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl Deref for Slice {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Slice {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Borrow<[u8]> for Slice {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Slice {
    /// Printable ASCII as is, other bytes escaped: `b"user:\x01"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", escape_bytes(&self.0).replace('"', "\\\""))
    }
}

impl From<Vec<u8>> for Slice {
    /// Takes the vector's buffer over; copies nothing.
    fn from(bytes: Vec<u8>) -> Self {
        Slice(Bytes::from(bytes))
    }
}

impl From<Bytes> for Slice {
    fn from(bytes: Bytes) -> Self {
        Slice(bytes)
    }
}

impl From<&[u8]> for Slice {
    /// Copies the bytes.
    fn from(bytes: &[u8]) -> Self {
        Slice::copy_from_slice(bytes)
    }
}

impl From<&str> for Slice {
    /// Copies the string's bytes.
    fn from(text: &str) -> Self {
        Slice::copy_from_slice(text.as_bytes())
    }
}

impl From<String> for Slice {
    /// Takes the string's buffer over; copies nothing.
    fn from(text: String) -> Self {
        Slice::from(text.into_bytes())
    }
}

impl From<Slice> for Vec<u8> {
    fn from(slice: Slice) -> Self {
        slice.into_vec()
    }
}

impl PartialEq<[u8]> for Slice {
    fn eq(&self, other: &[u8]) -> bool {
        *self.0 == *other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for Slice {
    fn eq(&self, other: &[u8; N]) -> bool {
        *self.0 == other[..]
    }
}

impl PartialEq<&[u8]> for Slice {
    fn eq(&self, other: &&[u8]) -> bool {
        *self.0 == **other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Slice {
    fn eq(&self, other: &&[u8; N]) -> bool {
        *self.0 == other[..]
    }
}

impl PartialEq<Vec<u8>> for Slice {
    fn eq(&self, other: &Vec<u8>) -> bool {
        *self.0 == other[..]
    }
}

impl PartialEq<str> for Slice {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other.as_bytes()
    }
}

impl PartialEq<&str> for Slice {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == *other.as_bytes()
    }
}

impl PartialEq<Slice> for [u8] {
    fn eq(&self, other: &Slice) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Slice> for Vec<u8> {
    fn eq(&self, other: &Slice) -> bool {
        self[..] == *other.0
    }
}

impl PartialEq<Slice> for &[u8] {
    fn eq(&self, other: &Slice) -> bool {
        **self == *other.0
    }
}

#[cfg(test)]
mod tests {
    use std::collections::hash_map::DefaultHasher;
    use std::collections::{BTreeSet, HashMap};
    use std::hash::{Hash, Hasher};

    use super::Slice;

    fn hash(value: &impl Hash) -> u64 {
        let mut hasher = DefaultHasher::new();
        value.hash(&mut hasher);
        hasher.finish()
    }

    #[test]
    fn a_sub_slice_shares_the_buffer_and_compares_by_content() {
        let whole = Slice::from(b"key:value".to_vec());
        let value = whole.slice(4..);
        assert_eq!(value, *b"value");
        assert_eq!(
            value.as_ptr(),
            whole[4..].as_ptr(),
            "a sub-slice copies nothing"
        );
        let copy = value.clone();
        assert_eq!(copy.as_ptr(), value.as_ptr(), "a clone copies nothing");
        assert_eq!(copy, Slice::copy_from_slice(b"value"));
    }

    #[test]
    fn order_and_hash_are_those_of_the_bytes() {
        let (a, b) = (Slice::from("a"), Slice::from("ab"));
        assert!(a < b, "shorter prefix first, as in byte order");
        let high = Slice::from(vec![0xff]);
        assert!(high > b, "bytes compare unsigned");
        assert_eq!(hash(&Slice::from("ab")), hash(&b.clone()));
        let set: BTreeSet<Slice> = ["b", "a", "c"].into_iter().map(Slice::from).collect();
        let order: Vec<&[u8]> = set.iter().map(|s| &s[..]).collect();
        assert_eq!(order, [b"a", b"b", b"c"]);
        // `Borrow<[u8]>` lets a map keyed by slices be searched with `&[u8]`.
        let map: HashMap<Slice, u32> = [(Slice::from("k"), 7)].into_iter().collect();
        assert_eq!(map.get(&b"k"[..]), Some(&7));
    }

    #[test]
    fn debug_escapes_what_is_not_printable() {
        assert_eq!(
            format!("{:?}", Slice::from(b"ab\x01".to_vec())),
            r#"b"ab\x01""#
        );
        assert_eq!(format!("{:?}", Slice::new()), r#"b"""#);
    }

    #[test]
    fn a_vec_round_trips_without_losing_bytes() {
        let bytes: Vec<u8> = (0..=255).collect();
        let slice = Slice::from(bytes.clone());
        assert_eq!(slice.len(), 256);
        assert_eq!(slice.clone().into_vec(), bytes);
        assert_eq!(Vec::from(slice.slice(250..)), bytes[250..]);
        assert_eq!(slice, bytes);
        assert_eq!(bytes, slice);
    }
}
