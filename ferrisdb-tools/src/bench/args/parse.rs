//! The parsers of the flags' values: db_bench's spellings of booleans,
//! compression types, compaction styles and sync modes, each refusing any
//! other text with a message naming the values it takes.

use ferrisdb_storage::{CompactionStyle, CompressionType, SyncMode};

use super::DeleteRangeMode;

pub(super) fn parse_bool(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!(
            "'{text}' is not a boolean: use 1, 0, true or false"
        )),
    }
}

pub(super) fn parse_compression(text: &str) -> Result<CompressionType, String> {
    match text.to_ascii_lowercase().as_str() {
        "none" | "no" | "0" => Ok(CompressionType::None),
        "lz4" => Ok(CompressionType::Lz4),
        "zstd" => Ok(CompressionType::zstd()),
        _ => Err(format!(
            "compression '{text}' is not supported by FerrisDB: use none, lz4 or zstd"
        )),
    }
}

pub(super) fn parse_sync_mode(text: &str) -> Result<SyncMode, String> {
    match text.to_ascii_lowercase().as_str() {
        "none" => Ok(SyncMode::None),
        "normal" => Ok(SyncMode::Normal),
        "full" => Ok(SyncMode::Full),
        _ => Err(format!(
            "sync mode '{text}' is unknown: use none, normal or full"
        )),
    }
}

pub(super) fn parse_delete_range_mode(text: &str) -> Result<DeleteRangeMode, String> {
    match text.to_ascii_lowercase().as_str() {
        "range" => Ok(DeleteRangeMode::Range),
        "points" | "point" => Ok(DeleteRangeMode::Points),
        _ => Err(format!(
            "deleterange mode '{text}' is unknown: use range or points"
        )),
    }
}

pub(super) fn parse_compaction_style(text: &str) -> Result<CompactionStyle, String> {
    match text.to_ascii_lowercase().as_str() {
        "0" | "level" | "leveled" => Ok(CompactionStyle::leveled()),
        "1" | "universal" | "size_tiered" | "sizetiered" | "tiered" => {
            Ok(CompactionStyle::size_tiered())
        }
        _ => Err(format!(
            "compaction style '{text}' is unknown: use level (0) or universal/size_tiered (1)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_parser_takes_db_bench_s_spellings_in_any_case() {
        for (text, value) in [
            ("1", true),
            ("TRUE", true),
            ("on", true),
            ("0", false),
            ("No", false),
        ] {
            assert_eq!(parse_bool(text), Ok(value), "{text}");
        }
        assert_eq!(parse_compression("LZ4"), Ok(CompressionType::Lz4));
        assert_eq!(parse_compression("0"), Ok(CompressionType::None));
        assert_eq!(parse_compression("zstd"), Ok(CompressionType::zstd()));
        assert_eq!(parse_sync_mode("None"), Ok(SyncMode::None));
        assert_eq!(parse_sync_mode("full"), Ok(SyncMode::Full));
        assert_eq!(
            parse_compaction_style("level"),
            Ok(CompactionStyle::leveled())
        );
        assert_eq!(
            parse_compaction_style("1"),
            Ok(CompactionStyle::size_tiered())
        );
        assert_eq!(
            parse_delete_range_mode("point"),
            Ok(DeleteRangeMode::Points)
        );
    }

    #[test]
    fn other_text_is_refused_with_the_values_it_may_be() {
        let refusals = [
            parse_bool("2").unwrap_err(),
            parse_compression("snappy").unwrap_err(),
            parse_sync_mode("sync").unwrap_err(),
            parse_compaction_style("fifo").unwrap_err(),
            parse_delete_range_mode("all").unwrap_err(),
        ];
        for (message, offers) in refusals.iter().zip([
            "1, 0, true or false",
            "none, lz4 or zstd",
            "none, normal or full",
            "level (0) or universal/size_tiered (1)",
            "range or points",
        ]) {
            assert!(message.contains(offers), "{message}");
        }
    }
}
