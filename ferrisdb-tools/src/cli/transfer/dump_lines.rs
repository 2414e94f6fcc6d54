//! The lines of a dump, as JSON: the header, a pair, the end.

use ferrisdb_core::unescape_bytes;
use serde::{Deserialize, Serialize};

use super::super::from_hex;

/// The dump format's version, in its first line.
pub const VERSION: u32 = 1;

/// The first line of a dump.
#[derive(Debug, Serialize, Deserialize)]
pub struct Header {
    /// [`VERSION`].
    pub ferrisdb_dump: u32,
    /// How keys and values are written.
    pub encoding: Encoding,
    /// Every keyspace dumped, so a load makes the empty ones too (none
    /// named: those of the pairs).
    #[serde(default)]
    pub keyspaces: Vec<String>,
}

/// Only the version of the first line, read before the rest, so a dump of
/// a newer format is refused as that.
#[derive(Debug, Deserialize)]
pub struct Version {
    /// [`VERSION`] in a dump this tool reads.
    pub ferrisdb_dump: u32,
}

/// How a dump writes keys and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Printable ASCII as is, `\\` for a backslash, `\xNN` for a byte.
    Escaped,
    /// Two hex digits per byte.
    Hex,
}

impl Encoding {
    /// The bytes `text` holds in this encoding.
    pub fn decode(self, text: &str) -> Result<Vec<u8>, String> {
        match self {
            Encoding::Hex => from_hex(text),
            Encoding::Escaped => unescape_bytes(text),
        }
    }
}

/// A pair. Strict: a field this tool does not know could change what the
/// line means, so it is refused rather than ignored.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    /// The keyspace's name.
    pub keyspace: String,
    /// The key, in the dump's encoding.
    pub key: String,
    /// The value, in the dump's encoding.
    pub value: String,
}

/// The last line: how many pairs the dump holds. A dump without it was
/// cut short (a dump that failed, a full disk, a pipe whose writer died).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct End {
    /// The number of pair lines.
    pub ferrisdb_dump_end: u64,
}

/// A line after the header.
#[derive(Debug)]
pub enum Line {
    /// A pair.
    Pair(Pair),
    /// The end, with its count of pairs.
    End(u64),
}

/// The line `text`, or why it is neither a pair nor the end (what is
/// wrong with it as a pair, the line a dump is made of).
pub fn parse_line(text: &str) -> Result<Line, String> {
    match serde_json::from_str::<Pair>(text) {
        Ok(pair) => Ok(Line::Pair(pair)),
        Err(not_a_pair) => match serde_json::from_str::<End>(text) {
            Ok(end) => Ok(Line::End(end.ferrisdb_dump_end)),
            Err(_) => Err(json_error(&not_a_pair)),
        },
    }
}

/// A JSON error, placed by column: each line of a dump is one JSON text,
/// so serde's "at line 1" would only confuse the line number given with it.
pub fn json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let message = text.rsplit_once(" at line ").map_or(&*text, |(m, _)| m);
    format!("column {}: {message}", error.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_a_pair_or_the_end_and_nothing_else() {
        let pair = parse_line(r#"{"keyspace":"a","key":"k","value":""}"#).unwrap();
        assert!(matches!(pair, Line::Pair(p) if p.keyspace == "a" && p.value.is_empty()));
        let end = parse_line(r#"{"ferrisdb_dump_end":7}"#).unwrap();
        assert!(matches!(end, Line::End(7)));
        for (bad, says) in [
            (r#"{"keyspace":"a","key":"k"}"#, "missing field `value`"),
            (
                r#"{"keyspace":"a","key":"k","value":"v","tombstone":true}"#,
                "tombstone",
            ),
            (
                r#"{"keyspace":"a","key":"k","value":"v""#,
                "EOF while parsing",
            ),
            ("", "EOF"),
            (r#"{"ferrisdb_dump_end":-1}"#, "ferrisdb_dump_end"),
        ] {
            let error = parse_line(bad).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
            assert!(!error.contains("line 1"), "{bad}: {error}");
        }
    }
}
