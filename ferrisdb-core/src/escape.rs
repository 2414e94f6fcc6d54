//! Printing arbitrary bytes for humans.

use std::fmt::Write;

/// Renders bytes as text, escaping everything that is not printable ASCII.
///
/// Printable ASCII (space through `~`) is kept, except the backslash, which is
/// doubled so the output can be read back unambiguously. Everything else becomes
/// `\xNN` with two lowercase hex digits. Used by `Display` for [`InternalKey`]
/// and by the command-line tools.
///
/// ```
/// assert_eq!(ferrisdb_core::escape_bytes(b"user:1\x00\xff"), r"user:1\x00\xff");
/// ```
///
/// [`InternalKey`]: crate::InternalKey
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b' '..=b'~' => out.push(char::from(b)),
            _ => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_bytes;

    #[test]
    fn printable_ascii_is_kept() {
        assert_eq!(escape_bytes(b"hello, world ~"), "hello, world ~");
    }

    #[test]
    fn control_and_high_bytes_are_hex_escaped() {
        assert_eq!(
            escape_bytes(&[0, b'\n', 0x7f, 0x80, 0xff]),
            r"\x00\x0a\x7f\x80\xff"
        );
    }

    #[test]
    fn backslash_is_doubled_so_output_is_unambiguous() {
        // Without doubling, the byte string `\x00` and the byte 0 would print alike.
        assert_eq!(escape_bytes(br"\x00"), r"\\x00");
        assert_ne!(escape_bytes(br"\x00"), escape_bytes(&[0]));
    }
}
