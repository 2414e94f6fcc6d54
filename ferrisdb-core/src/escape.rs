//! Printing arbitrary bytes for humans, and reading them back.

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

/// Reads back what [`escape_bytes`] wrote: `\\` is a backslash, `\xNN` the
/// byte of two hex digits (either case), and every other character its
/// UTF-8 bytes, so plain text is itself.
///
/// ```
/// use ferrisdb_core::{escape_bytes, unescape_bytes};
/// let bytes = b"user:1\x00\xff\\";
/// assert_eq!(unescape_bytes(&escape_bytes(bytes)).unwrap(), bytes);
/// assert_eq!(unescape_bytes("caf\u{e9}").unwrap(), "caf\u{e9}".as_bytes());
/// ```
///
/// # Errors
///
/// A message naming the byte offset of a backslash followed by
/// neither a backslash nor `x` and two hex digits, with the few characters
/// there (not the whole text, which may be a value of megabytes).
pub fn unescape_bytes(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text.char_indices();
    while let Some((at, c)) = rest.next() {
        if c != '\\' {
            let mut utf8 = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            continue;
        }
        let bad = || {
            let there: String = text[at..].chars().take(4).collect();
            format!("bad escape {there:?} at byte {at}: use \\\\ or \\xNN")
        };
        match rest.next() {
            Some((_, '\\')) => out.push(b'\\'),
            Some((_, 'x')) => {
                let digits: String = rest.by_ref().take(2).map(|(_, d)| d).collect();
                if digits.len() != 2 || !digits.chars().all(|d| d.is_ascii_hexdigit()) {
                    return Err(bad());
                }
                out.push(u8::from_str_radix(&digits, 16).map_err(|_| bad())?);
            }
            _ => return Err(bad()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{escape_bytes, unescape_bytes};

    #[test]
    fn every_byte_reads_back() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(unescape_bytes(&escape_bytes(&all)).unwrap(), all);
        assert_eq!(unescape_bytes(r"\xAb").unwrap(), [0xab]);
    }

    #[test]
    fn a_bad_escape_is_refused_with_its_place() {
        for bad in [r"a\", r"a\n", r"a\x1", r"a\xg0", r"a\x+1", "a\\x\u{e9}9"] {
            let error = unescape_bytes(bad).unwrap_err();
            assert!(error.contains("byte 1"), "{bad}: {error}");
        }
        let long = format!(r"{}\q{}", "a".repeat(1000), "b".repeat(1000));
        let error = unescape_bytes(&long).unwrap_err();
        assert!(error.contains(r#""\\qbb""#), "{error}");
        assert!(error.len() < 100, "{error}");
    }

    /// Every pair of bytes, alone and beside a backslash, an `x` and a
    /// quote: what `escape_bytes` writes reads back whatever falls next to
    /// an escape.
    #[test]
    fn every_short_string_reads_back() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let bytes = [a, b];
                assert_eq!(unescape_bytes(&escape_bytes(&bytes)).unwrap(), bytes);
                let text = [b'\\', a, b'x', b, b'"'];
                assert_eq!(unescape_bytes(&escape_bytes(&text)).unwrap(), text);
            }
        }
        assert_eq!(unescape_bytes("").unwrap(), b"");
    }

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
