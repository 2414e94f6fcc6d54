//! Showing keys and values to people and to scripts, shared by the tools.

use std::fmt::Write;

use ferrisdb_core::escape_bytes;

/// Values longer than this are shortened unless the user asks for them whole.
pub const SHORT_VALUE_BYTES: usize = 32;

/// Bytes as lowercase hex pairs: `[0, 0xab]` is `00ab`.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Bytes as hex or as escaped text (see [`escape_bytes`]; in double quotes,
/// with inner quotes escaped, if `quote`), shortened to [`SHORT_VALUE_BYTES`]
/// unless `whole`; a shortened value ends with `...(N bytes)`, its full
/// length.
pub fn render_bytes(bytes: &[u8], as_hex: bool, whole: bool, quote: bool) -> String {
    let shown = if whole {
        bytes
    } else {
        &bytes[..bytes.len().min(SHORT_VALUE_BYTES)]
    };
    let mut text = match (as_hex, quote) {
        (true, _) => hex(shown),
        (false, true) => format!("\"{}\"", escape_bytes(shown).replace('"', "\\\"")),
        (false, false) => escape_bytes(shown),
    };
    if shown.len() < bytes.len() {
        let _ = write!(text, "...({} bytes)", bytes.len());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_pairs() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }

    #[test]
    fn long_values_are_shortened_with_their_length() {
        let long = vec![b'x'; 100];
        let short = render_bytes(&long, false, false, false);
        assert_eq!(
            short,
            format!("{}...(100 bytes)", "x".repeat(SHORT_VALUE_BYTES))
        );
        assert_eq!(render_bytes(&long, false, true, false).len(), 100);
        assert_eq!(render_bytes(&[0, 255], true, true, true), "00ff");
        assert_eq!(render_bytes(b"a\x01", false, true, false), r"a\x01");
        assert_eq!(render_bytes(b"a\"\x01", false, true, true), r#""a\"\x01""#);
        let quoted = render_bytes(&long, false, false, true);
        assert!(
            quoted.starts_with('"') && quoted.ends_with("\"...(100 bytes)"),
            "{quoted}"
        );
    }
}
